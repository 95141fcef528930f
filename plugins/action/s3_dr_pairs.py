# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resilience.s3_dr.s3_dr_pairs with one progress line per bucket while the fleet runs.

The module writes one JSON line per bucket to its report as soon as the bucket is done (flushed). With a local
connection that file is on the controller: the module runs in a thread of this worker while the worker follows the
report and displays each new line once. Without a report path (and without become) the module gets a private
temporary report, removed afterwards and left out of the result. With another connection (the report is on the
target), with ``async``, or for one ``source_bucket``, the module runs as the ``normal`` action runs it: same result,
no progress lines.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

POLL_SECONDS = 0.5
# Stdout callbacks whose output is one JSON document (or one per line): progress lines go to stderr instead.
MACHINE_READABLE_CALLBACKS = ("json", "jsonl")


def progress_line(record: dict, count: int, check_mode: bool = False, no_log: bool = False) -> tuple[str, str]:
    """``([37/200] app-data: changed (replication set up, 3 settings cloned, 12 objects copied), color)`` for one
    report line; a failed bucket gets its step and error. Under no_log, no name and no detail."""
    total = record.get("fleet_size")
    position = f"[{count}/{total}]" if total else f"[{count}]"
    if no_log:
        return (f"{position} {'failed' if record.get('failed') else 'done'} (details hidden: no_log)",
                C.COLOR_ERROR if record.get("failed") else C.COLOR_OK)
    name = record.get("source_bucket", "?")
    if record.get("failed"):
        message = " ".join(str(record.get("msg", "")).split())
        return f"{position} {name}: failed in {record.get('failed_step', '?')}: {message}", C.COLOR_ERROR
    parts = []
    if record.get("replication") == "set up now":
        parts.append("replication would be set up" if check_mode else "replication set up")
    elif record.get("replication"):
        parts.append("replication in place")
    cloned = len(record.get("cloned") or [])
    if cloned:
        parts.append(f"{cloned} setting{'s' if cloned != 1 else ''} {'to clone' if check_mode else 'cloned'}")
    elif not record.get("changed"):
        parts.append("settings in sync")
    if "backfill" in record:
        copied = (record["backfill"] or {}).get("objects_copied", 0)
        parts.append(f"{copied} object{'s' if copied != 1 else ''} {'to copy' if check_mode else 'copied'}")
    if record.get("changed"):
        state, color = ("would change" if check_mode else "changed"), C.COLOR_CHANGED
    else:
        state, color = "unchanged", C.COLOR_OK
    return f"{position} {name}: {state} ({', '.join(parts)})", color


class ReportFollower:
    """The new complete lines of a JSON Lines file that another process (re)writes: lines already there when
    following starts are not this run's, unless ``fresh`` (a file made empty for this run)."""

    def __init__(self, path: str, fresh: bool = False):
        self.path = path
        self.offset = 0 if fresh else None
        self.initial = None if fresh else self._mtime()
        self.partial = b""

    def _mtime(self) -> int | None:
        try:
            return os.stat(self.path).st_mtime_ns
        except OSError:
            return None

    def new_records(self) -> list[dict]:
        try:
            stat = os.stat(self.path)
        except OSError:
            return []
        size, mtime = stat.st_size, stat.st_mtime_ns
        if self.offset is None:
            if mtime == self.initial:  # still the previous run's report: the module has not replaced it yet
                return []
            self.offset = 0
        if size < self.offset:  # replaced again
            self.offset, self.partial = 0, b""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return []
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        wrap_async = self._task.async_val and not self._connection.has_native_async
        module_args = dict(self._task.args)
        follower, temp_report = None, None
        if module_args.get("source_bucket"):
            pass  # one bucket: its task result is its progress
        elif wrap_async or self._connection.transport != "local":
            display.vv("s3_dr_pairs: no progress lines (they need a local connection and no async)")
        elif module_args.get("report_path"):
            follower = ReportFollower(os.path.expanduser(os.path.expandvars(module_args["report_path"])))
        elif not self._play_context.become:  # a user become switches to could not write this private file
            handle, temp_report = tempfile.mkstemp(prefix="s3_dr_pairs-", suffix=".jsonl")
            os.close(handle)
            module_args["report_path"] = temp_report
            follower = ReportFollower(temp_report, fresh=True)

        try:
            if follower is None:
                module_result = self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
            else:
                module_result = self._execute_showing_progress(module_args, task_vars, follower)
        finally:
            if temp_report:
                os.unlink(temp_report)
        if temp_report:  # the result the task would have had without the temporary report
            module_result.pop("report_path", None)
            invocation_args = module_result.get("invocation", {}).get("module_args", {})
            if "report_path" in invocation_args:
                invocation_args["report_path"] = None
        result = merge_hash(result, module_result)

        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _execute_showing_progress(self, module_args: dict, task_vars: dict, follower: ReportFollower) -> dict:
        """The module's result; meanwhile each bucket's report line, displayed once, in the order written."""
        outcome: dict = {}

        def execute() -> None:
            try:  # whatever the module run raises is raised again in the worker's main thread, below
                outcome["result"] = self._execute_module(module_args=module_args, task_vars=task_vars)
            except BaseException as error:  # pylint: disable=broad-exception-caught
                outcome["error"] = error

        stdout_callback = str(C.config.get_config_value("DEFAULT_STDOUT_CALLBACK"))
        to_stderr = stdout_callback.rsplit(".", 1)[-1] in MACHINE_READABLE_CALLBACKS
        check_mode, no_log = bool(self._task.check_mode), bool(self._task.no_log)
        runner = threading.Thread(target=execute, name="s3_dr_pairs-module", daemon=True)
        runner.start()
        shown = 0
        while True:
            runner.join(POLL_SECONDS)
            finished = not runner.is_alive()  # read once more after the module is done: its last lines
            for record in follower.new_records():
                shown += 1
                line, color = progress_line(record, shown, check_mode, no_log)
                display.display(line, color=color, stderr=to_stderr)
            if finished:
                break
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]
