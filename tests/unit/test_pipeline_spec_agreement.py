"""One option, one name, one default at every front door: the dr_pipeline role's variables, the modules'
options and the core spec fields agree, so that a future drift fails here instead of in a deployed function."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from plugins.module_utils.core import specs
from plugins.module_utils.core.backfill import BackfillSpec
from plugins.module_utils.core.clone import CloneSpec
from plugins.module_utils.core.crr import CrrSpec

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".collections"))

from ansible_collections.resilience.s3_dr.plugins.modules import (  # noqa: E402
    s3_bucket_config_clone,
    s3_crr_backfill,
    s3_crr_enable,
)

ROLE = ROOT / "roles" / "dr_pipeline"
MODULE_OPTIONS = {"clone": s3_bucket_config_clone.ARGUMENT_SPEC, "crr": s3_crr_enable.ARGUMENT_SPEC,
                  "backfill": s3_crr_backfill.ARGUMENT_SPEC}
# Set by the role's tasks, not by the user: dr_pipeline_permissions_boundary, else the collection's boundary.
COMPUTED_VARIABLES = {"dr_pipeline_boundary_arn", "dr_pipeline_dest_account", "dr_pipeline_owner_override",
                      # the Batch Replication backfill of cross-account DR (tasks/main.yml)
                      "dr_pipeline_backfill_method", "dr_pipeline_batch_role_arn", "dr_pipeline_batch_report_bucket",
                      "dr_pipeline_batch_report_prefix"}
# Where the role's default differs from the module's on purpose, and why.
ROLE_OWN_DEFAULTS = {
    # Listing access points needs s3:ListAccessPoints on Resource "*": the function role stays without it
    # unless the user asks for access points.
    "dr_pipeline_exclude_categories": ["access-points"],
}


def load(relative: str):
    return yaml.safe_load((ROLE / relative).read_text(encoding="utf-8"))


SPEC_VARIABLES = load("vars/main.yml")["dr_pipeline_spec_variables"]
ROLE_ARGUMENTS = load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]
ROLE_DEFAULTS = load("defaults/main.yml")
PASSED = [(spec, option, variable) for spec, table in SPEC_VARIABLES.items() for option, variable in table.items()]


def same_default(role_default, module_default) -> bool:
    """Equal; or the role's empty value where the module's is None (a role variable that is not given is empty)."""
    return role_default == module_default or (module_default is None and role_default in ("", [], None))


def test_the_role_passes_options_of_every_spec():
    assert set(SPEC_VARIABLES) == set(specs.SPEC_CLASSES) == set(MODULE_OPTIONS)
    functions = load("vars/main.yml")["dr_pipeline_function_specs"]
    assert sorted(name for names in functions.values() for name in names) == sorted(specs.SPEC_CLASSES)
    assert set(functions) == {path.stem for path in (ROLE / "files" / "handlers").glob("*.py")} - {"pipeline_common"}


@pytest.mark.parametrize(("spec", "option", "variable"), PASSED, ids=[f"{s}.{o}" for s, o, _v in PASSED])
def test_option_name_and_default_agree_in_core_module_and_role(spec, option, variable):
    fields = specs.spec_fields(specs.SPEC_CLASSES[spec])
    assert option in fields, f"{variable} sets {option}, which {specs.SPEC_CLASSES[spec].__name__} lacks"
    module_option = MODULE_OPTIONS[spec].get(option)
    assert module_option is not None, f"{option} is no option of the {spec} module"
    assert module_option.get("default") == specs.field_default(fields[option]) or (
        module_option.get("default") is None and specs.field_default(fields[option]) in (None, [])), \
        f"{option}: module default {module_option.get('default')!r}, spec default {specs.field_default(fields[option])!r}"
    if variable in COMPUTED_VARIABLES:
        return
    assert variable in ROLE_ARGUMENTS, f"{variable} (option {option}) is not in meta/argument_specs.yml"
    argument = ROLE_ARGUMENTS[variable]
    assert argument["type"] == module_option["type"]
    # A role variable cannot be null where it has choices: "" (not set) is one of them then.
    assert [choice for choice in argument.get("choices") or [] if choice != ""] == (module_option.get("choices") or [])
    assert same_default(argument.get("default"), ROLE_OWN_DEFAULTS.get(variable, module_option.get("default"))), \
        f"{variable} defaults to {argument.get('default')!r}, the module's {option} to {module_option.get('default')!r}"
    assert ROLE_DEFAULTS[variable] == argument.get("default"), f"defaults/main.yml and argument_specs.yml differ on {variable}"


def test_drifts_the_issue_found_are_gone():
    """The pipeline had a 60 s role propagation timeout (module 120 s), no dest_kms_key_id for replication,
    and 16 copy workers on a pool of 10 connections."""
    assert SPEC_VARIABLES["crr"]["dest_kms_key_id"] == "dr_pipeline_dest_kms_key_id"
    assert ROLE_DEFAULTS["dr_pipeline_role_propagation_timeout"] == CrrSpec("b", "us-west-2").role_propagation_timeout
    for option in ("policy_value_map", "on_unmapped", "secure_baseline", "purge", "dest_kms_key_id"):
        assert option in SPEC_VARIABLES["clone"], option


def test_a_spec_from_options_drops_the_front_doors_other_parameters_and_reads_empty_as_not_set():
    params = {"dest_region": "us-west-2", "dest_suffix": "-x", "kms_key_map": {"a": "b"}, "concurrency": 4,
              "source_tags": None, "dest_kms_key_id": "", "categories": None}
    spec = specs.clone_spec(params, source_bucket="app", dest_bucket="app-copy")
    assert spec == CloneSpec(source_bucket="app", dest_bucket="app-copy", dest_region="us-west-2", dest_suffix="-x",
                             kms_key_map={"a": "b"})
    assert specs.backfill_spec({"concurrency": 4}, source_bucket="app").concurrency == 4


def test_the_pipeline_refuses_an_option_the_spec_lacks():
    with pytest.raises(ValueError, match=r"CrrSpec has no option kms_key_map; known: source_bucket, "):
        specs.crr_spec({"kms_key_map": {}}, strict=True, source_bucket="app", dest_region="us-west-2")
    assert specs.backfill_spec({"max_objects": None}, strict=True, source_bucket="a") == BackfillSpec("a")


def test_survey_strings_become_the_spec_field_types():
    """AWX surveys answer every question with a string: the spec builder reads them as the field's type."""
    clone = specs.clone_spec({"secure_baseline": "false", "purge": "yes", "categories": "cors, tagging,lifecycle",
                              "exclude_categories": ""}, source_bucket="app", dest_region="us-west-2")
    assert (clone.secure_baseline, clone.purge) == (False, True)
    assert (clone.categories, clone.exclude_categories) == (["cors", "tagging", "lifecycle"], [])
    assert specs.backfill_spec({"concurrency": "16"}, source_bucket="app", dest_region="us-west-2").concurrency == 16
    with pytest.raises(ValueError, match="CloneSpec option purge must be of type bool, not 'maybe'"):
        specs.clone_spec({"purge": "maybe"}, source_bucket="app", dest_region="us-west-2")
    with pytest.raises(ValueError, match="BackfillSpec option concurrency must be of type int, not 'many'"):
        specs.backfill_spec({"concurrency": "many"}, source_bucket="app", dest_region="us-west-2")
