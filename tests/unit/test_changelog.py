"""changelogs/ is managed by antsibull-changelog: fragments lint clean and CHANGELOG.md is its output."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ANTSIBULL_CHANGELOG = str(Path(sys.executable).parent / "antsibull-changelog")
STANDARD_SECTIONS = ["major_changes", "minor_changes", "breaking_changes", "deprecated_features",
                     "removed_features", "security_fixes", "bugfixes", "known_issues"]


def _copy_of_changelog_tree(tmp_path: Path) -> Path:
    """galaxy.yml, changelogs/ and CHANGELOG.md in a scratch folder (the tool may rewrite files)."""
    copy = tmp_path / "collection"
    copy.mkdir()
    shutil.copy(REPO_ROOT / "galaxy.yml", copy)
    shutil.copy(REPO_ROOT / "CHANGELOG.md", copy)
    shutil.copytree(REPO_ROOT / "changelogs", copy / "changelogs",
                    ignore=shutil.ignore_patterns(".plugin-cache.yaml"))
    return copy


def _antsibull_changelog(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # It calls ansible-doc from PATH for plugin descriptions: the venv's comes first.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([ANTSIBULL_CHANGELOG, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_fragments_and_changelog_yaml_lint_clean():
    linted = _antsibull_changelog("lint", cwd=REPO_ROOT)
    assert linted.returncode == 0 and not linted.stdout.strip(), linted.stdout + linted.stderr
    linted = _antsibull_changelog("lint-changelog-yaml", "changelogs/changelog.yaml", cwd=REPO_ROOT)
    assert linted.returncode == 0 and not linted.stdout.strip(), linted.stdout + linted.stderr


def test_every_standard_section_is_accepted_and_an_unknown_one_is_not(tmp_path):
    copy = _copy_of_changelog_tree(tmp_path)
    fragments = copy / "changelogs" / "fragments"
    (fragments / "all-sections.yml").write_text(yaml.safe_dump(
        {section: [f"``example``: one {section} entry."] for section in STANDARD_SECTIONS}))
    linted = _antsibull_changelog("lint", cwd=copy)
    assert linted.returncode == 0 and not linted.stdout.strip(), linted.stdout + linted.stderr

    (fragments / "typo.yml").write_text(yaml.safe_dump({"minor_change": ["singular section name"]}))
    linted = _antsibull_changelog("lint", cwd=copy)
    assert linted.returncode != 0
    assert "typo.yml" in linted.stdout and "minor_change" in linted.stdout, linted.stdout


def test_changelog_md_is_generated_from_changelog_yaml(tmp_path):
    """Entries go into changelogs/fragments/, never into CHANGELOG.md by hand."""
    copy = _copy_of_changelog_tree(tmp_path)
    (copy / "CHANGELOG.md").unlink()
    generated = _antsibull_changelog("generate", cwd=copy)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (copy / "CHANGELOG.md").read_text() == (REPO_ROOT / "CHANGELOG.md").read_text(), (
        "CHANGELOG.md differs from what `antsibull-changelog generate` makes of changelogs/changelog.yaml: "
        "write a fragment in changelogs/fragments/ instead of editing CHANGELOG.md")
