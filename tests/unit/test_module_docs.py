"""Every module documents what it supports (check mode, diff mode, platform), as ansible.builtin modules do."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py"))


def _documentation(module: Path) -> dict:
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["DOCUMENTATION"]:
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{module.name} has no DOCUMENTATION")


@pytest.mark.parametrize("module", MODULES, ids=[module.stem for module in MODULES])
def test_module_documents_its_attributes(module):
    documentation = _documentation(module)
    attributes = documentation["attributes"]
    assert set(attributes) == {"check_mode", "diff_mode", "platform"}
    assert "ansible.builtin.action_common_attributes" in documentation["extends_documentation_fragment"]
    # Every module of this collection supports check mode (project standard); the docs must say so.
    assert attributes["check_mode"]["support"] == "full" and "supports_check_mode=True" in module.read_text()
    assert attributes["diff_mode"]["support"] in ("full", "partial", "none", "N/A")
    if attributes["diff_mode"]["support"] != "full":
        assert attributes["diff_mode"]["details"], "say why there is no diff"
    assert attributes["platform"]["platforms"] == "all"
