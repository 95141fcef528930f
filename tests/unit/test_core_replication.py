"""Unit tests of the replication core: rule shapes, validation, merge, normalization, names, policies."""
from __future__ import annotations

import json

import pytest

from plugins.module_utils.core import replication
from plugins.module_utils.core.naming import bucket_name_problem, dr_bucket_name, role_name_for
from plugins.module_utils.core.policies import canonical_policy, replication_role_policy, replication_trust_policy


def test_default_rule_replicates_whole_bucket_with_delete_markers():
    rule = replication.api_rule(replication.default_rules()[0], "dst", None)
    assert rule == {"ID": "dr", "Priority": None, "Status": "Enabled", "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": "arn:aws:s3:::dst"}}


@pytest.mark.parametrize(("spec", "expected"), [
    ({"prefix": "a/"}, {"Prefix": "a/"}),
    ({"tags": {"k": "v"}}, {"Tag": {"Key": "k", "Value": "v"}}),
    ({"tags": {"k": "v", "j": "w"}}, {"And": {"Tags": [{"Key": "j", "Value": "w"}, {"Key": "k", "Value": "v"}]}}),
    ({"prefix": "a/", "tags": {"k": "v"}}, {"And": {"Prefix": "a/", "Tags": [{"Key": "k", "Value": "v"}]}}),
])
def test_filters(spec, expected):
    assert replication.api_rule({"id": "r", **spec}, "dst", 1)["Filter"] == expected


def test_tagged_rule_defaults_to_no_delete_marker_replication():
    rule = replication.api_rule({"id": "r", "tags": {"k": "v"}}, "dst", 1)
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}


@pytest.mark.parametrize(("rule", "problem"), [
    ({"id": "r", "tags": {"a": "b"}, "delete_marker_replication": True}, "cannot replicate delete markers"),
    ({"id": "r", "replication_time": True}, "requires metrics"),
    ({"id": "r", "sse_kms_encrypted_objects": True}, "needs replica_kms_key_id"),
    ({"id": "r", "replica_kms_key_id": "k"}, "only used with sse_kms_encrypted_objects"),
    ({"id": "r", "priority": -1}, "priority must be 0 or more"),
    ({"id": "r", "storage_class": "FAST"}, "storage_class must be one of"),
    ({"id": ""}, "every rule needs an id"),
])
def test_invalid_rules_are_reported(rule, problem):
    assert any(problem in text for text in replication.rule_problems(rule))


def test_valid_rule_has_no_problems():
    assert replication.rule_problems({"id": "r", "replication_time": True, "metrics": True, "tags": {"a": "b"}}) == []
    assert replication.rules_problems([{"id": "a", "priority": 1}, {"id": "b", "priority": 1}]) == [
        "rule priorities must be unique"]


def test_rules_inherit_the_task_destination_owner_unless_they_set_their_own():
    rules = [replication.with_destination_owner(rule, "210987654321", False)
             for rule in ({"id": "a"}, {"id": "b", "owner_override": True})]
    assert replication.rules_problems(rules) == []
    first, second = (replication.api_rule(rule, "dst", 1)["Destination"] for rule in rules)
    assert first == {"Bucket": "arn:aws:s3:::dst", "Account": "210987654321"}
    assert second == {**first, "AccessControlTranslation": {"Owner": "Destination"}}
    assert replication.with_destination_owner({"id": "c", "owner_override": False}, "1", True)["owner_override"] is False


@pytest.mark.parametrize(("rules", "problem"), [
    ([{"id": "a", "owner_override": True}], "rule a: owner_override needs dest_account"),
    ([{"id": "a", "dest_account": "111111111111"}, {"id": "b", "dest_account": "222222222222"}],
     "the rules name different DR bucket owners (111111111111, 222222222222)"),
    ([{"id": "a", "dest_account": "111111111111"}, {"id": "b"}],
     "the rules name different DR bucket owners (111111111111, this account)"),
])
def test_destination_owner_problems(rules, problem):
    owned = [replication.with_destination_owner(rule, None, False) for rule in rules]
    assert any(text.startswith(problem) for text in replication.rules_problems(owned)), replication.rules_problems(owned)


@pytest.mark.parametrize(("read_back", "sent"), [
    ({"Filter": {"Prefix": ""}}, {"Filter": {}}),
    ({"Filter": {"And": {"Tags": [{"Key": "k", "Value": "v"}]}}}, {"Filter": {"Tag": {"Key": "k", "Value": "v"}}}),
    ({"Filter": {}, "SourceSelectionCriteria": {"ReplicaModifications": {"Status": "Disabled"}}}, {"Filter": {}}),
    ({"Filter": {}}, {"Filter": {}, "DeleteMarkerReplication": {"Status": "Disabled"}}),
])
def test_normalization_folds_what_s3_fills_in(read_back, sent):
    base = {"ID": "r", "Priority": 1, "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::d"}}
    assert replication.normalize_rule({**base, **read_back}) == replication.normalize_rule({**base, **sent})


def test_normalization_sees_real_differences():
    base = {"ID": "r", "Priority": 1, "Status": "Enabled", "Filter": {}, "Destination": {"Bucket": "arn:aws:s3:::d"}}
    assert replication.normalize_rule(base) != replication.normalize_rule({**base, "Filter": {"Prefix": "x"}})
    assert replication.normalize_rule(base) != replication.normalize_rule(
        {**base, "Destination": {"Bucket": "arn:aws:s3:::d", "StorageClass": "GLACIER"}})


def test_merge_keeps_foreign_rules_and_their_priorities():
    existing = [{"ID": "team", "Priority": 0, "Filter": {}, "Status": "Enabled", "Destination": {}},
                {"ID": "dr", "Priority": 3, "Filter": {}, "Status": "Enabled", "Destination": {}}]
    desired = [{"ID": "dr", "Priority": None, "Filter": {"Prefix": "x"}, "Status": "Enabled", "Destination": {}}]
    merged = replication.merge_rules(existing, desired, purge=False)
    assert [(rule["ID"], rule["Priority"]) for rule in merged] == [("dr", 3), ("team", 0)]
    assert merged[0]["Filter"] == {"Prefix": "x"}
    assert [rule["ID"] for rule in replication.merge_rules(existing, desired, purge=True)] == ["dr"]


def test_merge_gives_new_rules_a_free_priority():
    existing = [{"ID": "team", "Priority": 0, "Filter": {}, "Status": "Enabled", "Destination": {}}]
    desired = [{"ID": "dr", "Priority": None, "Filter": {}, "Status": "Enabled", "Destination": {}}]
    assert replication.merge_rules(existing, desired, purge=False)[0]["Priority"] == 1


def test_legacy_rule_is_upgraded_with_delete_markers():
    legacy = {"ID": "seed", "Prefix": "p/", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::o"}}
    merged = replication.merge_rules([legacy], [], purge=False)
    assert merged == [{"ID": "seed", "Priority": 0, "Status": "Enabled", "Filter": {"Prefix": "p/"},
                       "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": "arn:aws:s3:::o"}}]


def test_dr_bucket_name_is_suffix_or_shortened_with_hash():
    assert dr_bucket_name("app") == "app-dr"
    long_source = "a" * 62
    shortened = dr_bucket_name(long_source)
    assert len(shortened) == 63 and shortened.endswith("-dr") and bucket_name_problem(shortened) is None
    assert shortened == dr_bucket_name(long_source)
    assert shortened != dr_bucket_name("a" * 61 + "b")
    assert len(role_name_for("b" * 63)) == 64


@pytest.mark.parametrize("name", ["ab", "A-bucket", "bucket_", "-bucket", "a..b", "192.168.1.1", "xn--abc",
                                  "name-s3alias", "x" * 64])
def test_invalid_bucket_names(name):
    assert bucket_name_problem(name)


def test_replication_policy_is_scoped_to_exact_buckets_and_keys():
    policy = replication_role_policy("src", "eu-west-1", "dst", "us-west-2",
                                     source_kms_keys=["arn:aws:kms:eu-west-1:1:key/a"],
                                     replica_kms_keys=["arn:aws:kms:us-west-2:1:key/b"])
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "*" not in statement["Resource"]
        assert not any(action in ("*", "s3:*") or action.endswith(":*") for action in statement["Action"])
    s3_resources = {r for s in policy["Statement"] for r in s["Resource"] if r.startswith("arn:aws:s3")}
    assert s3_resources == {"arn:aws:s3:::src", "arn:aws:s3:::src/*", "arn:aws:s3:::dst/*"}
    kms = {s["Sid"]: s for s in policy["Statement"] if s["Sid"] in ("DecryptSourceObjects", "EncryptReplicas")}
    assert kms["DecryptSourceObjects"]["Condition"]["StringLike"]["kms:ViaService"] == "s3.eu-west-1.amazonaws.com"
    assert kms["EncryptReplicas"]["Condition"]["StringLike"]["kms:ViaService"] == "s3.us-west-2.amazonaws.com"


def test_replication_policy_allows_the_object_and_the_bucket_key_encryption_context_on_both_sides():
    policy = replication_role_policy("src", "eu-west-1", "dst", "us-west-2",
                                     source_kms_keys=["arn:aws:kms:eu-west-1:1:key/a"],
                                     replica_kms_keys=["arn:aws:kms:us-west-2:1:key/b"])
    kms = {s["Sid"]: s for s in policy["Statement"] if s["Sid"] in ("DecryptSourceObjects", "EncryptReplicas")}
    context = "kms:EncryptionContext:aws:s3:arn"
    # Without an S3 Bucket Key the context is the object ARN, with one the bucket ARN: both, and nothing wider.
    assert kms["DecryptSourceObjects"]["Condition"]["StringLike"][context] == ["arn:aws:s3:::src", "arn:aws:s3:::src/*"]
    assert kms["EncryptReplicas"]["Condition"]["StringLike"][context] == ["arn:aws:s3:::dst", "arn:aws:s3:::dst/*"]
    assert kms["DecryptSourceObjects"]["Action"] == ["kms:Decrypt"]
    assert set(kms["EncryptReplicas"]["Action"]) == {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
    assert kms["EncryptReplicas"]["Resource"] == ["arn:aws:kms:us-west-2:1:key/b"]


def test_replication_policy_reads_object_lock_settings_only_for_object_lock_sources():
    def source_object_actions(**options):
        policy = replication_role_policy("src", "eu-west-1", "dst", "us-west-2", **options)
        return {action for s in policy["Statement"] if s["Resource"] == ["arn:aws:s3:::src/*"] for action in s["Action"]}

    lock_reads = {"s3:GetObjectRetention", "s3:GetObjectLegalHold"}
    assert lock_reads <= source_object_actions(object_lock=True)
    assert not lock_reads & source_object_actions()


def test_trust_policy_is_s3_for_this_bucket_only():
    statement = replication_trust_policy("123456789012", "src")["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                      "ArnLike": {"aws:SourceArn": "arn:aws:s3:::src"}}


def test_canonical_policy_ignores_order_and_single_item_lists():
    one = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:B", "s3:A"], "Resource": ["x"]}]}
    two = {"Version": "2012-10-17", "Statement": [{"Resource": "x", "Action": ["s3:A", "s3:B"], "Effect": "Allow"}]}
    assert canonical_policy(one) == canonical_policy(json.dumps(two))
    assert canonical_policy(one) != canonical_policy({**one, "Statement": [{**one["Statement"][0], "Resource": "y"}]})
