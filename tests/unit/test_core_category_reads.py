"""Each category owns what it knows: a read that fails is that category's outcome (skipped where the API is not
offered, failed otherwise) and never stops the others; the secure baseline lives in the categories; the category
list is written once (the registry) and every other list is checked against it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from plugins.module_utils.core import waiting
from plugins.module_utils.core.buckets import BLOCK_ALL_PUBLIC_ACCESS
from plugins.module_utils.core.categories import REGISTRY, RewriteContext
from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.clone import BASELINE_CATEGORY, CloneSpec, clone_configuration, drift_report
from plugins.module_utils.core.discovery import new_dr_bucket_values

ROOT = Path(__file__).resolve().parents[2]
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"


class Answering:
    """A client whose ``operation`` fails with ``code`` (and HTTP ``status``), as a Region or a store answers."""

    def __init__(self, client, failures: dict[str, tuple[str, int]]):
        self._client, self._failures = client, failures

    def __getattr__(self, name):
        if name not in self._failures:
            return getattr(self._client, name)
        code, status = self._failures[name]

        def failing(**kwargs):
            raise ClientError({"Error": {"Code": code, "Message": "refused"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, name)
        return failing


@pytest.fixture
def aws(monkeypatch, moto_in_process):
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    clients = boto3_clients(boto3.session.Session())
    s3 = clients("s3", SOURCE_REGION)
    s3.create_bucket(Bucket="src", CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_cors(Bucket="src", CORSConfiguration={
        "CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
    s3.put_bucket_tagging(Bucket="src", Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    return clients


def answering(aws, region: str, failures: dict[str, tuple[str, int]]):
    def clients(service, wanted_region):
        client = aws(service, wanted_region)
        return Answering(client, failures) if (service, wanted_region) == ("s3", region) else client
    return clients


def test_an_api_the_region_does_not_offer_is_skipped_and_a_failed_read_fails_only_its_category(aws):
    clients = answering(aws, SOURCE_REGION, {"get_bucket_accelerate_configuration": ("MethodNotAllowed", 405),
                                             "get_bucket_lifecycle_configuration": ("AccessDenied", 403)})
    result = clone_configuration(clients, CloneSpec(source_bucket="src", dest_region=DR_REGION))
    categories = result.data["categories"]
    assert categories["accelerate"]["status"] == "skipped"
    assert categories["accelerate"]["reason"].startswith("accelerate is not supported here (refused (MethodNotAllowed))")
    assert categories["lifecycle"] == {"status": "failed", "reason": "refused (AccessDenied)", "error_code": "AccessDenied"}
    assert result.data["failed_categories"] == ["lifecycle"]
    assert result.failure == ("Bucket src: could not clone to src-dr: lifecycle: refused (AccessDenied). "
                              "The other categories were cloned.")
    assert categories["cors"]["status"] == "created" and categories["tagging"]["status"] == "created"
    assert aws("s3", DR_REGION).get_bucket_cors(Bucket="src-dr")["CORSRules"][0]["AllowedMethods"] == ["GET"]


def test_an_s3_compatible_store_without_an_api_is_skipped_on_the_dr_side_too(aws):
    clone_configuration(aws, CloneSpec(source_bucket="src", dest_region=DR_REGION))
    clients = answering(aws, DR_REGION, {"list_bucket_intelligent_tiering_configurations": ("NotImplemented", 501)})
    result = clone_configuration(clients, CloneSpec(source_bucket="src", dest_region=DR_REGION))
    assert result.data["categories"]["intelligent-tiering"]["status"] == "skipped"
    assert "NotImplemented" in result.data["categories"]["intelligent-tiering"]["reason"]
    assert result.failure is None


def test_drift_reports_a_read_failure_per_category_instead_of_failing(aws):
    clone_configuration(aws, CloneSpec(source_bucket="src", dest_region=DR_REGION))
    clients = answering(aws, DR_REGION, {"get_bucket_cors": ("AccessDenied", 403),
                                         "get_bucket_accelerate_configuration": ("MethodNotAllowed", 405)})
    report = drift_report(clients, CloneSpec(source_bucket="src", dest_region=DR_REGION))
    assert report["categories"]["cors"] == {"status": "failed", "reason": "refused (AccessDenied)"}
    assert report["categories"]["accelerate"]["status"] == "skipped"
    assert report["categories"]["tagging"] == {"status": "in_sync"}
    assert "cors could not be read: refused (AccessDenied)" in report["problems"] and not report["dr_ready"]


def test_tags_that_cannot_be_read_leave_the_owner_unknown_and_nothing_is_written(aws):
    clients = answering(aws, SOURCE_REGION, {"get_bucket_tagging": ("AccessDenied", 403)})
    result = clone_configuration(clients, CloneSpec(source_bucket="src", dest_region=DR_REGION))
    assert result.actions == [] and not result.changed
    assert "create DR bucket src-dr in us-west-2" in result.data["planned_actions"]
    assert result.failure.startswith("Bucket src: its tags could not be read (refused (AccessDenied)), so whether "
                                     "infrastructure as code declares it is unknown: nothing was written")
    assert [bucket["Name"] for bucket in aws("s3", DR_REGION).list_buckets()["Buckets"]] == ["src"]


def context() -> RewriteContext:
    return RewriteContext("app", "app-dr", SOURCE_REGION, DR_REGION, "123456789012", partition="aws-cn")


def test_each_baseline_category_lays_its_piece_and_the_others_keep_the_desired_value():
    assert BASELINE_CATEGORY == {"public access block": "public-access-block", "default encryption": "encryption",
                                 "TLS-only bucket policy": "policy",
                                 "object ownership BucketOwnerEnforced": "ownership-controls"}
    assert REGISTRY["public-access-block"].secure_baseline(None, None, context()) == BLOCK_ALL_PUBLIC_ACCESS
    assert REGISTRY["ownership-controls"].secure_baseline("ObjectWriter", None, context()) == "BucketOwnerEnforced"
    assert REGISTRY["versioning"].secure_baseline({"Status": "Suspended"}, None, context()) == {"Status": "Enabled"}
    kms = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}}]
    assert REGISTRY["encryption"].secure_baseline(None, kms, context()) == kms
    assert REGISTRY["encryption"].secure_baseline(None, None, context())[0][
        "ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    policy = REGISTRY["policy"].secure_baseline(None, None, context())
    assert policy["Statement"][0]["Resource"] == ["arn:aws-cn:s3:::app-dr", "arn:aws-cn:s3:::app-dr/*"]
    assert REGISTRY["cors"].secure_baseline({"CORSRules": []}, None, context()) == {"CORSRules": []}


# --- the category list, written once ------------------------------------------------------------------------

def test_the_clone_options_doc_fragment_lists_the_registry():
    tree = ast.parse((ROOT / "plugins" / "doc_fragments" / "clone_options.py").read_text(encoding="utf-8"))
    text = next(node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant) and "categories:" in str(node.value.value))
    options = yaml.safe_load(text)["options"]
    for option in ("categories", "exclude_categories"):
        assert options[option]["choices"] == list(REGISTRY), option


def test_the_roles_argument_spec_lists_the_registry():
    options = yaml.safe_load((ROOT / "roles" / "dr_pipeline" / "meta" / "argument_specs.yml").read_text(
        encoding="utf-8"))["argument_specs"]["main"]["options"]
    for variable in ("dr_pipeline_clone_categories", "dr_pipeline_exclude_categories"):
        assert [choice for choice in options[variable]["choices"] if choice] == list(REGISTRY), variable


@pytest.mark.parametrize("document", ["plugins/modules/s3_bucket_config_clone.py", "docs/design.md"])
def test_documents_that_name_the_categories_name_each_of_the_registry(document):
    text = re.sub(r"\s+", " ", (ROOT / document).read_text(encoding="utf-8"))
    listed = re.search(r"(access-points, )?accelerate, acl, analytics, [a-z, -]+object-lock(, access-points)?", text)
    assert listed, f"{document} lists the categories"
    assert sorted(name.strip() for name in listed.group(0).split(",")) == sorted(REGISTRY)


def test_a_new_dr_bucket_has_a_known_value_for_every_category_but_the_acl():
    values = new_dr_bucket_values("app-dr", None, False, None)
    assert set(values) == set(REGISTRY) - {"acl"}
    assert set(new_dr_bucket_values("app-dr", None, False, "owner-id")) == set(REGISTRY)
