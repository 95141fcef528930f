"""Every module documents what it supports (check mode, diff mode, platform), as ansible.builtin modules do:
read back from ansible-doc, so the collection's doc fragment and each module's own attributes are merged."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py"))


@pytest.fixture(scope="module")
def documented() -> dict[str, dict]:
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", "module",
         *[f"resilience.s3_dr.{name}" for name in MODULES]],
        cwd=REPO_ROOT, env={**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg")},
        capture_output=True, text=True, timeout=300, check=True)
    return {name.rsplit(".", 1)[1]: entry["doc"] for name, entry in json.loads(listed.stdout).items()}


@pytest.mark.parametrize("module", MODULES)
def test_module_documents_its_attributes(module, documented):
    attributes = documented[module]["attributes"]
    assert set(attributes) == {"check_mode", "diff_mode", "platform"}
    assert all(attribute["description"] for attribute in attributes.values())  # from action_common_attributes
    # Every module of this collection supports check mode (project standard); the docs must say so.
    assert attributes["check_mode"]["support"] == "full"
    assert "supports_check_mode=True" in (REPO_ROOT / "plugins" / "modules" / f"{module}.py").read_text()
    assert attributes["diff_mode"]["support"] in ("full", "partial", "none", "N/A")
    if attributes["diff_mode"]["support"] != "full":
        assert attributes["diff_mode"]["details"], "say why there is no diff"
    assert attributes["platform"]["platforms"] == "all"
