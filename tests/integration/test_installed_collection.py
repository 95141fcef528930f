"""The collection as users get it: the tarball `ansible-galaxy collection build` makes, installed with
`ansible-galaxy collection install` next to its declared dependencies only, on a read-only collections
path, its playbooks run by FQCN from a directory outside the repository. And galaxy-importer, the
check Galaxy and Automation Hub run on upload, accepts the tarball."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import ANSIBLE_PLAYBOOK, REPO_ROOT

SOURCE_REGION, DR_REGION = "ap-northeast-3", "eu-south-2"
VENV_BIN = Path(sys.executable).parent
# The collections of the `ansible` package in the virtual environment: where the declared dependencies come from.
BUNDLED_COLLECTIONS = Path(json.loads(subprocess.run(
    [sys.executable, "-c", "import ansible_collections, json; print(json.dumps(list(ansible_collections.__path__)))"],
    capture_output=True, text=True, check=True).stdout)[0])
# galaxy-importer pins attrs<24, so it lives in its own virtual environment (Makefile target .venv-importer).
IMPORTER_PYTHON = REPO_ROOT / ".venv-importer" / "bin" / "python"
DEVELOPMENT_ONLY = ("tests/", "tools/", "benchmarks/", "extensions/", "inventory/", ".ci/", ".venv", ".collections/",
                    ".localaws/", ".build/", "Makefile", "ansible.cfg", "pytest.ini", "requirements-dev.txt",
                    ".gitignore", ".ansible-lint", "changelogs/.plugin-cache.yaml", "dr_validate_report.json")


def build_tarball(output: Path) -> Path:
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(output), str(REPO_ROOT)],
                   check=True, capture_output=True, text=True, timeout=300)
    return next(output.glob("resilience-s3_dr-*.tar.gz"))


def manifest(tarball: Path) -> dict:
    with tarfile.open(tarball) as archive:
        return json.load(archive.extractfile("MANIFEST.json"))["collection_info"]


def install_read_only(tarball: Path, collections: Path) -> Path:
    """Install the tarball and its declared dependencies (nothing else) into ``collections``, then make it read-only.

    Returns an ``ansible-playbook`` to use with it: for root, who writes through file modes, a wrapper that
    mounts the path read-only in a private mount namespace and checks that a write fails.
    """
    requirements = [{"name": str(tarball), "type": "file"}] + [
        {"name": str(BUNDLED_COLLECTIONS.joinpath(*name.split("."))), "type": "dir"} for name in manifest(tarball)["dependencies"]]
    requirements_file = collections.parent / f"{collections.name}-requirements.yml"
    requirements_file.write_text(yaml.safe_dump({"collections": requirements}))
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--offline", "-r", str(requirements_file),
                    "-p", str(collections)], check=True, capture_output=True, text=True, timeout=300,
                   env={**os.environ, "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"})
    for path in sorted(collections.rglob("*"), reverse=True):
        path.chmod(path.stat().st_mode & ~0o222)
    if os.geteuid() != 0:
        return Path(ANSIBLE_PLAYBOOK)
    wrapper = collections.parent / f"{collections.name}-bin" / "ansible-playbook"
    wrapper.parent.mkdir()
    wrapper.write_text(
        "#!/bin/sh\n"
        "exec unshare --mount sh -c 'mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" "
        f"&& ! touch \"$0/probe\" 2>/dev/null && exec \"$@\"' {shlex.quote(str(collections))} "
        f"{shlex.quote(ANSIBLE_PLAYBOOK)} \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


def installed_environment(collections: Path) -> dict[str, str]:
    """Only ``collections`` is seen: not this repository's link, not the collections of the ``ansible`` package."""
    return {"ANSIBLE_COLLECTIONS_PATH": str(collections), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"}


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    return build_tarball(tmp_path_factory.mktemp("build"))


def test_the_tarball_holds_the_collection_and_no_development_files(tarball):
    with tarfile.open(tarball) as archive:
        members = [member.name for member in archive.getmembers()]
    shipped_dev_files = [name for name in members if name.startswith(DEVELOPMENT_ONLY) or "__pycache__" in name]
    assert shipped_dev_files == []
    for needed in ("COPYING", "README.md", "CHANGELOG.md", "changelogs/changelog.yaml", "changelogs/config.yaml",
                   "meta/runtime.yml", "requirements.txt", "roles/dr_pipeline/README.md",
                   "roles/dr_pipeline/meta/argument_specs.yml", "plugins/modules/s3_crr_enable.py",
                   "playbooks/dr_setup.yml"):
        assert needed in members
    assert manifest(tarball)["dependencies"] == yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["dependencies"]


def test_installed_dr_buckets_and_dr_validate_run_by_fqcn_outside_the_repository(tarball, tmp_path_factory, tmp_path,
                                                                                 localaws, aws_client):
    """dr_setup and dr_teardown run from the installed copy in tests/integration/test_awx_runs.py.

    Both reports go under the directory ansible-playbook runs in, never into the read-only collection.
    """
    collections = tmp_path_factory.mktemp("collections")
    ansible_playbook = install_read_only(tarball, collections)
    assert sorted(path.name for path in collections.glob("ansible_collections/*/*")) == ["aws", "aws", "s3_dr"]
    bucket = f"inst-{uuid.uuid4().hex[:10]}"
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})

    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    # PWD as a shell sets it; the default stdout callback (the JSON callback lives in ansible.posix, not installed here).
    env |= {**localaws.env, **installed_environment(collections), "ANSIBLE_NOCOLOR": "1", "PWD": str(tmp_path)}

    def run(playbook: str, **extra_vars) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(ansible_playbook), f"resilience.s3_dr.{playbook}", "-e", json.dumps({
                "dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": [bucket],
                "ansible_python_interpreter": sys.executable, **extra_vars})],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)

    not_yet = run("dr_validate")
    assert not_yet.returncode == 2, not_yet.stdout[-3000:] + not_yet.stderr[-2000:]
    assert f"Not DR-ready: {bucket}" in not_yet.stdout

    made = run("dr_buckets", dr_backfill="false")
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-2000:]
    pairs = [json.loads(line) for line in (tmp_path / "artifacts" / "dr_buckets.jsonl").read_text().splitlines()]
    assert [(pair["source_bucket"], pair["failed"]) for pair in pairs] == [(bucket, False)]

    ready = run("dr_validate")
    assert ready.returncode == 0, ready.stdout[-3000:] + ready.stderr[-2000:]
    report = json.loads((tmp_path / "dr_validate_report.json").read_text())
    assert [(item["source_bucket"], item["dr_ready"]) for item in report] == [(bucket, True)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["artifacts", "dr_validate_report.json"]


def test_galaxy_importer_accepts_the_tarball(tarball, tmp_path):
    """Galaxy's import checks, offline: metadata, changelog, role README, every module's docs through ansible-doc.

    Its ansible-lint step is left out (GALAXY_IMPORTER_RUN_ANSIBLE_LINT=false): `make lint` runs ansible-lint
    with the stricter production profile on the same files; ansible-test runs only in a container (not here).
    """
    assert IMPORTER_PYTHON.exists(), "galaxy-importer's virtual environment is missing: make .venv-importer/.installed"
    env = {**os.environ, "GALAXY_IMPORTER_RUN_ANSIBLE_LINT": "false", "GALAXY_IMPORTER_RUN_ANSIBLE_TEST": "false",
           "PATH": f"{IMPORTER_PYTHON.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    imported = subprocess.run([str(IMPORTER_PYTHON), "-m", "galaxy_importer.main", str(tarball)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
    log = imported.stdout + imported.stderr
    assert imported.returncode == 0 and "Importer processing completed successfully" in log, log[-4000:]
    assert [line for line in log.splitlines() if line.startswith(("ERROR", "WARNING"))] == []
    result = json.loads((tmp_path / "importer_result.json").read_text())
    documented = {(item["content_type"], item["content_name"]): item for item in result["docs_blob"]["contents"]}
    modules = sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py"))
    assert sorted(name for kind, name in documented if kind == "module") == modules
    for name in modules:
        doc = documented[("module", name)]["doc_strings"]["doc"]
        assert doc["short_description"] and doc["attributes"]["check_mode"]["support"] in ("full", "partial"), name
    assert documented[("role", "dr_pipeline")]["readme_file"] == "README.md"
    assert result["docs_blob"]["collection_readme"]["name"] == "README.md"
    assert result["requires_ansible"] == yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"]


def test_execution_environment_context_holds_the_collection_dependencies(tarball, tmp_path_factory, tmp_path):
    """`ansible-builder create` renders the image context (no container engine needed); the introspection that
    context runs while building the image, run here on the installed collection, yields its Python
    (requirements.txt) and system (bindep.txt) dependencies, as meta/execution-environment.yml declares."""
    context = tmp_path / "context"
    created = subprocess.run([str(VENV_BIN / "ansible-builder"), "create", "-f", str(REPO_ROOT / "docs/awx/execution-environment.yml"),
                              "-c", str(context)], capture_output=True, text=True, timeout=300, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    image_definition = next(context.glob("[CD]*file")).read_text()
    assert "introspect.py introspect" in image_definition
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [collection["name"] for collection in galaxy["collections"]] == ["resilience.s3_dr"]

    collections = tmp_path_factory.mktemp("ee-introspect")
    install_read_only(tarball, collections)
    introspected = subprocess.run(
        [sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections),
         f"--write-pip={tmp_path / 'pip.txt'}", f"--write-bindep={tmp_path / 'bindep.txt'}"],
        capture_output=True, text=True, timeout=300, check=False)
    assert introspected.returncode == 0, introspected.stdout + introspected.stderr
    for declared, rendered in (("requirements.txt", "pip.txt"), ("bindep.txt", "bindep.txt")):
        wanted = [line.split("#")[0].strip() for line in (REPO_ROOT / declared).read_text().splitlines()]
        wanted = [line for line in wanted if line]
        got = [line.split("  # from collection ")[0] for line in (tmp_path / rendered).read_text().splitlines()
               if line.endswith("# from collection resilience.s3_dr")]
        assert wanted and sorted(got) == sorted(wanted), (declared, got)
