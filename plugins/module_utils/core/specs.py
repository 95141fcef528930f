# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One mapping from option names to specs, for every front door.

A module passes its parameters, a Lambda handler the JSON object of its ``<SPEC>_SPEC`` environment
setting (built by the dr_pipeline role from ``dr_pipeline_<option>`` variables); both get the same
spec from the same option names. An option that is not a field of the spec is an error for the
pipeline (``strict``): a setting the role passes and the core ignores is a drift, not a default.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .backfill import BackfillSpec
from .clone import CloneSpec
from .crr import CrrSpec

SPEC_CLASSES = {"clone": CloneSpec, "crr": CrrSpec, "backfill": BackfillSpec}
# Lambda's quota on all environment variables of a function together (not adjustable).
LAMBDA_ENVIRONMENT_MAX_BYTES = 4 * 1024
SHOWN_LARGEST = 3


def spec_fields(spec_class) -> dict[str, dataclasses.Field]:
    return {item.name: item for item in dataclasses.fields(spec_class)}


def field_default(item: dataclasses.Field) -> Any:
    """A spec field's default value (its factory's value for lists and dicts)."""
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return dataclasses.MISSING


def build_spec(spec_class, options: dict[str, Any], strict: bool = False, **given):
    """``spec_class`` from the options that are its fields, plus ``given`` (the bucket pair and what the caller decides).

    An empty string for a field whose default is None means "not set" (what a role variable holds
    when the user gave nothing). With ``strict``, options that are no field of the spec raise ValueError.
    """
    fields = spec_fields(spec_class)
    if strict:
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise ValueError(f"{spec_class.__name__} has no option {', '.join(unknown)}; known: {', '.join(fields)}")
    values = {}
    for name, value in options.items():
        if name not in fields or name in given:
            continue
        if value == "" and field_default(fields[name]) is None:
            value = None
        values[name] = _typed(value, fields[name], spec_class)
    return spec_class(**values, **given)


TRUE_WORDS, FALSE_WORDS = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _typed(value: Any, item: dataclasses.Field, spec_class) -> Any:
    """An option given as a string where the field is a bool, a number or a list - what an AWX survey answers
    ("false", "16", "cors, tagging") - as that type; a string that is none of them is an error naming the option."""
    if not isinstance(value, str):
        return value
    kind = str(item.type).replace(" ", "").split("|", maxsplit=1)[0]
    word = value.strip().lower()
    if kind == "bool" and word in TRUE_WORDS + FALSE_WORDS:
        return word in TRUE_WORDS
    if kind in ("int", "float"):
        try:
            return int(word) if kind == "int" else float(word)
        except ValueError:
            pass
    elif kind.startswith("list"):
        return [part.strip() for part in value.split(",") if part.strip()]
    elif kind != "bool":
        return value
    raise ValueError(f"{spec_class.__name__} option {item.name} must be of type {kind}, not {value!r}")


def clone_spec(options: dict[str, Any], strict: bool = False, **given) -> CloneSpec:
    return build_spec(CloneSpec, options, strict, **given)


def crr_spec(options: dict[str, Any], strict: bool = False, **given) -> CrrSpec:
    return build_spec(CrrSpec, options, strict, **given)


def backfill_spec(options: dict[str, Any], strict: bool = False, **given) -> BackfillSpec:
    return build_spec(BackfillSpec, options, strict, **given)


def spec_setting(spec_name: str) -> str:
    """The environment variable that carries a spec's options: CLONE_SPEC, CRR_SPEC, BACKFILL_SPEC."""
    return f"{spec_name.upper()}_SPEC"


def _json_bytes(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def environment_bytes(variables: dict[str, str]) -> int:
    """The size Lambda measures: the variables as compact JSON, in UTF-8 bytes."""
    return _json_bytes(variables)


def environment_problem(function: str, variables: dict[str, str], spec_variables: dict[str, dict[str, str]]) -> str:
    """Why Lambda would refuse ``variables`` for ``function`` (empty when it would not), naming the settings
    that take the most room: for a spec setting, the role variables (``spec_variables``: spec -> option ->
    variable) of its largest options."""
    size = environment_bytes(variables)
    if size <= LAMBDA_ENVIRONMENT_MAX_BYTES:
        return ""
    parts = []  # (bytes, what)
    for name, value in variables.items():
        spec_name = name[:-len("_SPEC")].lower() if name.endswith("_SPEC") else None
        if spec_name in spec_variables and value not in (None, "null"):
            for option, option_value in json.loads(value).items():
                variable = spec_variables[spec_name].get(option, option)
                parts.append((_json_bytes(option_value), f"{variable} ({name} option {option})"))
        else:
            parts.append((_json_bytes(value), f"environment variable {name}"))
    largest = sorted(parts, key=lambda part: -part[0])[:SHOWN_LARGEST]
    return (f"the environment of Lambda function {function} would be {size} bytes, and Lambda allows "
            f"{LAMBDA_ENVIRONMENT_MAX_BYTES} bytes (4 KB) for all its variables together; the largest: "
            + ", ".join(f"{what}: {count} bytes" for count, what in largest)
            + ". Map only what the tagged buckets use (for kms_key_map, one entry per source key that a tagged "
            "bucket's default encryption, replication or policies name), or clone those buckets with "
            "playbooks/dr_buckets.yml, which has no such limit")
