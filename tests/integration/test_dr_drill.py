"""playbooks/dr_drill.yml, run as users run it, on pairs made DR-ready by playbooks/dr_buckets.yml."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from xml.etree import ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ANSIBLE_PLAYBOOK, REPO_ROOT, PlaybookRun, client_for

SOURCE_REGION, DR_REGION = "us-east-2", "us-west-1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _source_bucket(aws_client, objects: int = 2) -> str:
    name = f"drill-{uuid.uuid4().hex[:10]}"
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    for index in range(objects):
        s3.put_object(Bucket=name, Key=f"data/{index}.txt", Body=f"object {index}".encode())
    return name


def _drill_vars(buckets: list[str], report_dir: Path) -> dict:
    return {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": buckets,
            "dr_rpo_bound": 60, "dr_poll_interval": 0.05, "dr_drill_report_dir": str(report_dir)}


def _report(report_dir: Path, suffix: str) -> Path:
    found = sorted(report_dir.glob(f"dr-drill-*.{suffix}"))
    assert len(found) == 1, found
    return found[0]


def _versions(s3, bucket: str) -> tuple[list[str], list[str]]:
    listing = s3.list_object_versions(Bucket=bucket)
    return (sorted(item["Key"] for item in listing.get("Versions", [])),
            sorted(item["Key"] for item in listing.get("DeleteMarkers", [])))


@pytest.fixture(scope="module")
def dr_pair(localaws, tmp_path_factory):
    """A source bucket with objects, made DR-ready by playbooks/dr_buckets.yml (run once for the module's tests)."""
    bucket = _source_bucket(lambda service, region: client_for(localaws, service, region))
    vars_file = tmp_path_factory.mktemp("pair") / "vars.json"
    vars_file.write_text(json.dumps({"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION,
                                     "dr_buckets": [bucket]}))
    completed = subprocess.run([ANSIBLE_PLAYBOOK, "playbooks/dr_buckets.yml", "-e", f"@{vars_file}"], cwd=REPO_ROOT,
                               env={**os.environ, **localaws.env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
                               capture_output=True, text=True, timeout=900, check=False)
    run = PlaybookRun(completed)
    assert run.rc == 0, run
    return bucket


@pytest.mark.core_matrix
def test_drill_passes_measures_rpo_and_leaves_no_canary(dr_pair, run_playbook, aws_client, tmp_path):
    source_s3, dr_s3 = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    before = (_versions(source_s3, dr_pair), _versions(dr_s3, f"{dr_pair}-dr"))

    run = run_playbook("playbooks/dr_drill.yml", extra_vars=_drill_vars([dr_pair], tmp_path))
    assert run.rc == 0, run
    assert run.task_results("Drill each DR pair")[0]["changed"] is False  # the buckets are as before the drill

    report = json.loads(_report(tmp_path, "json").read_text())
    assert report["drill"]["passed"] is True
    [pair] = report["pairs"]
    assert pair["verdict"] == "PASS", pair
    assert 0 < pair["rpo_seconds"] < 60
    assert pair["canary"]["replica_checks"] == "passed"
    assert pair["canary"]["expected_replica_encryption"] == "AES256"
    assert pair["objects"] == {**pair["objects"], "compared": 2, "missing_on_dr": 0, "different": 0}
    assert pair["cleanup"]["left"] == [] and pair["cleanup"]["removed_versions"] == 2  # source version + replica
    assert {entry["status"] for entry in pair["drift"]["categories"].values()} <= {"in_sync", "skipped"}
    # No canary version and no delete marker on either side: both buckets list exactly what they did before.
    assert (_versions(source_s3, dr_pair), _versions(dr_s3, f"{dr_pair}-dr")) == before

    suite = ElementTree.parse(_report(tmp_path, "xml")).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    [case] = suite.iter("testcase")
    assert case.get("name") == f"{dr_pair} -> {dr_pair}-dr" and case.find("failure") is None


def test_drill_fails_broken_pairs_naming_them(dr_pair, run_playbook, aws_client, tmp_path):
    no_dr_bucket = _source_bucket(aws_client, objects=0)
    no_replication = _source_bucket(aws_client, objects=0)
    assert run_playbook("playbooks/dr_buckets.yml", extra_vars={
        "dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": [no_replication]}).rc == 0
    aws_client("s3", SOURCE_REGION).delete_bucket_replication(Bucket=no_replication)

    run = run_playbook("playbooks/dr_drill.yml",
                       extra_vars=_drill_vars([dr_pair, no_dr_bucket, no_replication], tmp_path))
    assert run.rc != 0
    [message] = run.failures
    assert "failed for 2 pair(s)" in message and no_dr_bucket in message and no_replication in message, message
    assert dr_pair + ":" not in message

    pairs = {pair["source_bucket"]: pair for pair in json.loads(_report(tmp_path, "json").read_text())["pairs"]}
    assert pairs[dr_pair]["verdict"] == "PASS"
    assert pairs[no_dr_bucket]["verdict"] == "FAIL"
    assert pairs[no_dr_bucket]["reasons"] == [f"DR bucket {no_dr_bucket}-dr does not exist in {DR_REGION}"]
    assert "playbooks/dr_buckets.yml" in pairs[no_dr_bucket]["fixes"][0]
    assert pairs[no_replication]["verdict"] == "FAIL"
    assert pairs[no_replication]["reasons"] == [f"replication to {no_replication}-dr is not enabled"]
    assert pairs[no_replication]["canary"] is None  # nothing written for a pair that cannot replicate
    assert _versions(aws_client("s3", SOURCE_REGION), no_replication) == ([], [])

    suite = ElementTree.parse(_report(tmp_path, "xml")).getroot()
    failed_cases = {case.get("name"): case.find("failure").get("message") for case in suite.iter("testcase")
                    if case.find("failure") is not None}
    assert failed_cases == {f"{no_dr_bucket} -> {no_dr_bucket}-dr": pairs[no_dr_bucket]["reasons"][0],
                            f"{no_replication} -> {no_replication}-dr": pairs[no_replication]["reasons"][0]}

    page = _page_text(_report(tmp_path, "html"))
    assert page.summary_rows == [[dr_pair, f"{dr_pair}-dr", "PASS"], [no_dr_bucket, f"{no_dr_bucket}-dr", "FAIL"],
                                 [no_replication, f"{no_replication}-dr", "FAIL"]]
    assert page.external_resources == []
    assert pairs[no_replication]["reasons"][0] in page.text and pairs[no_replication]["fixes"][0] in page.text


def test_check_mode_plans_and_writes_nothing(dr_pair, run_playbook, aws_client, tmp_path):
    source_s3, dr_s3 = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    before = (_versions(source_s3, dr_pair), _versions(dr_s3, f"{dr_pair}-dr"))
    run = run_playbook("playbooks/dr_drill.yml", extra_vars=_drill_vars([dr_pair], tmp_path / "reports"), check=True)
    assert run.rc == 0, run
    [result] = run.task_results("Drill each DR pair")
    assert [pair["verdict"] for pair in result["pairs"]] == ["PLANNED"]
    assert result["pairs"][0]["plan"][0].startswith(f"write canary s3://{dr_pair}/dr-drill/")
    assert (_versions(source_s3, dr_pair), _versions(dr_s3, f"{dr_pair}-dr")) == before
    assert not (tmp_path / "reports").exists()


def test_html_report_screenshot_shows_the_verdicts(dr_pair, run_playbook, tmp_path):
    """The HTML page rendered by headless Chromium (Debian package `chromium`, installed by `make setup`)."""
    assert CHROMIUM, "chromium is not installed: apt-get install -y chromium (make setup does it as root)"
    run = run_playbook("playbooks/dr_drill.yml", extra_vars=_drill_vars([dr_pair], tmp_path))
    assert run.rc == 0, run
    html = _report(tmp_path, "html")
    screenshot = tmp_path / "report.png"
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--screenshot={screenshot}", "--window-size=1280,900",
         "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    rendered = _page_text(dom.stdout)  # the DOM Chromium built and painted
    assert rendered.summary_rows == [[dr_pair, f"{dr_pair}-dr", "PASS"]]
    assert "observed RPO" in rendered.text


class _Page(HTMLParser):
    """The text of a report page, its summary table's first three columns, and any external resource it loads."""

    def __init__(self):
        super().__init__()
        self.text, self.summary_rows, self.external_resources = "", [], []
        self._in_summary, self._row, self._cell = False, None, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("link", "script", "img", "iframe") and (attributes.get("src") or attributes.get("href")):
            self.external_resources.append(attributes.get("src") or attributes.get("href"))
        if tag == "table" and attributes.get("id") == "summary":
            self._in_summary = True
        elif self._in_summary and tag == "tr":
            self._row = []
        elif self._row is not None and tag == "td":
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_summary = False
        elif tag == "td" and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row:
            self.summary_rows.append(self._row[:3])
            self._row = None

    def handle_data(self, data):
        self.text += data
        if self._cell is not None:
            self._cell += data


def _page_text(page: Path | str) -> _Page:
    parser = _Page()
    parser.feed(page.read_text() if isinstance(page, Path) else page)
    parser.text = " ".join(parser.text.split())
    return parser
