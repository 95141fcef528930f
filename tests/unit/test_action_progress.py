"""The s3_dr_pairs action plugin without a playbook: the progress line of a report line, following a report that
another process rewrites, and when the module runs as the normal action runs it (no progress)."""
from __future__ import annotations

import json
import os
from unittest import mock

import pytest

from plugins.action import s3_dr_pairs as action
from plugins.action.s3_dr_pairs import ReportFollower, progress_line

DONE = {"source_bucket": "app-data", "failed": False, "changed": True, "replication": "set up now",
        "cloned": ["cors", "lifecycle", "tagging"], "backfill": {"objects_copied": 12}, "fleet_size": 200}


@pytest.mark.parametrize("record, check_mode, expected", [
    (DONE, False, "[37/200] app-data: changed (replication set up, 3 settings cloned, 12 objects copied)"),
    (DONE, True, "[37/200] app-data: would change (replication would be set up, 3 settings to clone, 12 objects to copy)"),
    ({**DONE, "changed": False, "replication": "already in place", "cloned": [], "backfill": {"objects_copied": 0}},
     False, "[37/200] app-data: unchanged (replication in place, settings in sync, 0 objects copied)"),
    ({**DONE, "cloned": ["cors"], "backfill": {"objects_copied": 1}, "fleet_size": None}, False,
     "[37] app-data: changed (replication set up, 1 setting cloned, 1 object copied)"),
    ({"source_bucket": "app-logs", "failed": True, "failed_step": "replication", "fleet_size": 200,
      "msg": "Bucket app-logs: role\n  s3dr-app-logs is not managed by this collection."}, False,
     "[37/200] app-logs: failed in replication: Bucket app-logs: role s3dr-app-logs is not managed by this collection."),
])
def test_progress_line(record, check_mode, expected):
    assert progress_line(record, 37, check_mode)[0] == expected


def test_no_log_hides_names_and_errors():
    failed = {"source_bucket": "secret-name", "failed": True, "failed_step": "clone", "msg": "secret", "fleet_size": 2}
    assert progress_line(failed, 1, no_log=True)[0] == "[1/2] failed (details hidden: no_log)"
    assert progress_line(DONE, 2, no_log=True)[0] == "[2/200] done (details hidden: no_log)"


def test_follower_skips_the_previous_report_and_holds_back_a_partial_line(tmp_path):
    report = tmp_path / "report.jsonl"
    report.write_text(json.dumps({"source_bucket": "old"}) + "\n")
    follower = ReportFollower(str(report))
    assert follower.new_records() == []  # the previous run's line, not yet replaced
    with report.open("w") as handle:  # replaced, as the module replaces it
        handle.write(json.dumps({"source_bucket": "a"}) + "\n" + '{"source_bucket": ')
    os.utime(report, ns=(1, 1))  # a new modification time, whatever the clock's resolution
    assert follower.new_records() == [{"source_bucket": "a"}]
    with report.open("a") as handle:
        handle.write('"b"}\n')
    assert follower.new_records() == [{"source_bucket": "b"}]
    assert follower.new_records() == []
    assert ReportFollower(str(tmp_path / "missing.jsonl")).new_records() == []


def plugin(transport: str = "local", async_val: int = 0, become: bool = False, args: dict | None = None):
    task = mock.MagicMock(async_val=async_val, check_mode=False, no_log=False, args=args or {"sources": [{"source_bucket": "a"}]})
    connection = mock.MagicMock(transport=transport, has_native_async=False)
    connection._shell.tmpdir = None
    module = action.ActionModule(task, connection, mock.MagicMock(become=become), None, None)
    module._remove_tmp_path = mock.MagicMock()
    module._execute_module = mock.MagicMock(return_value={"changed": False, "summary": {}})
    return module


@pytest.mark.parametrize("settings", [{"transport": "ssh"}, {"async_val": 60}, {"become": True},
                                      {"args": {"source_bucket": "a"}}])
def test_no_progress_runs_the_module_as_the_normal_action_does(settings):
    module = plugin(**settings)
    with mock.patch.object(action.display, "display") as shown:
        result = module.run(task_vars={})
    assert result == {"changed": False, "summary": {}}
    module._execute_module.assert_called_once_with(task_vars={}, wrap_async=bool(settings.get("async_val")))
    shown.assert_not_called()


def test_a_temporary_report_is_left_out_of_the_result(tmp_path, monkeypatch):
    monkeypatch.setattr(action.tempfile, "tempdir", str(tmp_path))
    module = plugin()
    given = {}

    def execute(module_args, task_vars):
        given.update(module_args)
        with open(module_args["report_path"], "w", encoding="utf-8") as report:
            report.write(json.dumps({**DONE, "fleet_size": 1}) + "\n")
        return {"changed": True, "report_path": module_args["report_path"],
                "invocation": {"module_args": dict(module_args)}}

    module._execute_module = execute
    with mock.patch.object(action.display, "display") as shown:
        result = module.run(task_vars={})
    assert given["report_path"].startswith(str(tmp_path))
    assert result == {"changed": True, "invocation": {"module_args": {"sources": [{"source_bucket": "a"}], "report_path": None}}}
    assert list(tmp_path.iterdir()) == []
    shown.assert_called_once()
    assert shown.call_args.args[0].startswith("[1/1] app-data: changed")
