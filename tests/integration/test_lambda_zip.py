"""lambda_zip through real ansible-playbook runs: same sources -> same bytes, check mode, clear errors."""
from __future__ import annotations

import os

PLAYBOOK = "tests/integration/playbooks/lambda_zip/package.yml"


def make_sources(root):
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "sub" / "core.py").write_text("VALUE = 1\n")
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"cache")
    (root / "handler.py").write_text("def handler(event, context):\n    return 'ok'\n")
    return {"zip_files": [str(root / "handler.py")], "zip_packages": {"mycore": str(root / "pkg")}}


def package(run_playbook, dest, sources, check=False):
    run = run_playbook(PLAYBOOK, extra_vars={"zip_dest": str(dest), **sources}, check=check)
    assert run.rc == 0, run
    return run.task_results("Package")[0]


def test_same_sources_give_the_same_bytes_and_a_rerun_is_unchanged(run_playbook, tmp_path):
    sources = make_sources(tmp_path / "src")
    first = package(run_playbook, tmp_path / "a.zip", sources)
    assert first["changed"] is True
    assert sorted(first["entries"]) == ["handler.py", "mycore/__init__.py", "mycore/sub/core.py"]
    assert package(run_playbook, tmp_path / "a.zip", sources)["changed"] is False

    # New modification times, same content: the bytes and CodeSha256 do not move.
    for path in (tmp_path / "src").rglob("*.py"):
        os.utime(path, (1_000_000, 1_000_000))
    second = package(run_playbook, tmp_path / "b.zip", sources)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert second["code_sha256"] == first["code_sha256"]


def test_check_mode_reports_a_change_and_writes_nothing(run_playbook, tmp_path):
    sources = make_sources(tmp_path / "src")
    package(run_playbook, tmp_path / "a.zip", sources)
    before = (tmp_path / "a.zip").read_bytes()
    (tmp_path / "src" / "handler.py").write_text("def handler(event, context):\n    return 'changed'\n")
    assert package(run_playbook, tmp_path / "a.zip", sources, check=True)["changed"] is True
    assert (tmp_path / "a.zip").read_bytes() == before
    assert package(run_playbook, tmp_path / "a.zip", sources)["changed"] is True
    assert (tmp_path / "a.zip").read_bytes() != before


def test_missing_source_is_a_clear_error_that_writes_nothing(run_playbook, tmp_path):
    run = run_playbook(PLAYBOOK, extra_vars={"zip_dest": str(tmp_path / "x.zip"),
                                             "zip_files": [str(tmp_path / "nope.py")]})
    assert run.rc != 0
    assert any("these sources do not exist" in failure and "nope.py" in failure for failure in run.failures), run
    assert not (tmp_path / "x.zip").exists()
