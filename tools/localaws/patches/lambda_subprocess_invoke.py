"""Lambda functions run: the deployed zip is executed by a Python subprocess, not Docker.

Upstream gap (moto 5.2.5, ``LambdaFunction._invoke_lambda``): an invoke starts a Docker container,
so with no Docker every invoke fails with "error running docker". ``LambdaFunction.invoke`` also
runs ``Event`` (asynchronous) and ``DryRun`` invokes synchronously, and moto drops the function's
``DeadLetterConfig``.

This patch runs Python functions (Zip package type) on the endpoint's own interpreter: the zip is
extracted once per code sha256, the handler is imported with the code directory first on
``sys.path`` and called with the event and a Lambda context, in an environment holding the
function's variables, the Lambda runtime variables, this endpoint (``AWS_ENDPOINT_URL``, and
``AWS_ENDPOINT_URL_S3_CONTROL`` as the launcher sets it, so S3 Control calls resolve) and the
temporary credentials of the function's execution role, and nothing else of the server's
environment. As Lambda does, the endpoint assumes the role itself (moto STS, in process; session
name = function name) and reuses the session until 15 minutes before it expires, so every call the
function makes is signed as ``assumed-role/<role>/<function>`` and ``iam_session_enforcement``
evaluates the role's policies for it. Lambda refuses to run a function whose role does not trust
``lambda.amazonaws.com``; this patch does not check the trust policy. The function's ``Timeout``
applies to the handler call (module import gets ``INIT_TIMEOUT_SECONDS``, as on Lambda). The
handler's stdout and stderr are the logs, saved to ``/aws/lambda/<name>`` in CloudWatch Logs with
START/END/REPORT lines. Errors have the Lambda runtime's payload shape
(``errorMessage``/``errorType``/``stackTrace``) and ``FunctionError: Unhandled``.

``Event`` invokes return 202 at once and run in the background; a failed one goes to the
function's SQS dead-letter queue with the RequestID/ErrorCode/ErrorMessage attributes Lambda sets.
Lambda retries a failed asynchronous invoke twice (after 1 and 2 minutes) before that:
``lambda_async_retries`` adds the retries. ``DryRun``
only checks that the function exists, as on AWS.

Limits: the runtime's Python version is the endpoint's, whatever ``Runtime`` says; layers are not
put on ``sys.path``; other runtimes and image functions fail with a LocalAWS.UnsupportedRuntime
function error.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .. import runtime
from ..launcher import endpoint_environment

NAME = "lambda_subprocess_invoke"

CODE_CACHE = Path(tempfile.gettempdir()) / "localaws-lambda-code"
SESSION_SECONDS = 3600  # Lambda's execution role sessions last up to an hour...
SESSION_RENEWAL_SECONDS = 900  # ...and are renewed before they run out
INIT_TIMEOUT_SECONDS = 10  # Lambda's limit for the init phase (importing the handler module)
TIMED_OUT_EXIT_CODE = 124  # the runner's exit status when the handler outlives the timeout
LOG_RESULT_MAX_BYTES = 4096  # LogType=Tail returns the last 4 KB of the log
DLQ_ERROR_MESSAGE_MAX_CHARS = 1024

# Runs in the function's process: load the handler (init), then call it under a watchdog that ends
# the process when the timeout passes. Reads the invocation file, writes the result file.
RUNNER = r'''
import importlib, json, os, sys, threading, time, traceback

invocation_path, result_path = sys.argv[1:3]
with open(invocation_path) as invocation_file:
    invocation = json.load(invocation_file)


class LambdaContext:
    def __init__(self, fields, deadline):
        self.__dict__.update(fields)
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class RuntimeFault(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def load_handler(name):
    module_name, _, function_name = name.rpartition(".")
    if not module_name:
        raise RuntimeFault("Runtime.MalformedHandlerName", f"Bad handler '{name}': not enough values to unpack")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise RuntimeFault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}")
    except SyntaxError as error:
        raise RuntimeFault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}")
    if not hasattr(module, function_name):
        raise RuntimeFault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return getattr(module, function_name)


def failure(error_type, message, stack):
    print(f"[ERROR] {error_type}: {message}", file=sys.stderr)
    if stack:
        print("Traceback (most recent call last):\n" + "".join(stack), end="", file=sys.stderr)
    return {"errored": True, "payload": json.dumps({
        "errorMessage": message, "errorType": error_type,
        "requestId": invocation["context"]["aws_request_id"], "stackTrace": stack})}


def user_frames(error):
    """The traceback without this runner's frames, as the Lambda runtime shows it."""
    frames = traceback.extract_tb(error.__traceback__)
    return traceback.format_list([frame for frame in frames if frame.filename != "<string>"])


def run():
    sys.path.insert(0, invocation["task_root"])
    try:
        handler = load_handler(invocation["handler"])
        watchdog = threading.Timer(invocation["timeout"], os._exit, args=[invocation["timed_out_exit_code"]])
        watchdog.daemon = True
        watchdog.start()
        context = LambdaContext(invocation["context"], time.monotonic() + invocation["timeout"])
        result = handler(invocation["event"], context)
    except RuntimeFault as fault:
        return failure(fault.error_type, str(fault), [])
    except Exception as error:
        return failure(type(error).__name__, str(error), user_frames(error))
    try:
        return {"errored": False, "payload": json.dumps(result)}
    except (TypeError, ValueError) as error:
        return failure("Runtime.MarshalError", f"Unable to marshal response: {error}", [])


outcome = run()
with open(result_path, "w") as result_file:
    json.dump(outcome, result_file)
'''


def apply() -> None:
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_get_configuration = LambdaFunction.get_configuration
    original_update_configuration = LambdaFunction.update_configuration

    def __init__(self, account_id, spec, region, version=1):
        original_init(self, account_id, spec, region, version)
        self.dead_letter_target_arn = (spec.get("DeadLetterConfig") or {}).get("TargetArn") or None

    def get_configuration(self, on_create=False):
        config = original_get_configuration(self, on_create)
        if self.dead_letter_target_arn:
            config["DeadLetterConfig"] = {"TargetArn": self.dead_letter_target_arn}
        return config

    def update_configuration(self, config_updates):
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_target_arn = (config_updates["DeadLetterConfig"] or {}).get("TargetArn") or None
        return original_update_configuration(self, config_updates)

    def invoke(self, body, request_headers, response_headers):
        try:
            event = json.loads(body) if body else {}
        except ValueError as error:
            raise LambdaClientError("InvalidRequestContentException",
                                    f"Could not parse request body into json: {error}") from error
        invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            runtime.in_background(_invoke_asynchronously, self, event)
            return b""
        payload, errored, log_tail = self._invoke_lambda(event)
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"  # what Lambda reports for a raised error
        response_headers["x-amz-log-result"] = base64.b64encode(log_tail.encode()).decode()
        response_headers["x-amz-executed-version"] = str(self.version)
        return payload.encode()

    def _invoke_lambda(self, event=None, request_id=None):
        """moto's contract: (payload, errored, log tail); the whole log goes to CloudWatch Logs."""
        request_id = request_id or str(uuid.uuid4())
        log_stream_name = f"{datetime.now(timezone.utc):%Y/%m/%d}/[{self.version}]{uuid.uuid4().hex}"
        started = time.monotonic()
        if (self.run_time or "").startswith("python") and getattr(self, "code_bytes", b""):
            payload, errored, output = _run_handler(self, event, request_id, log_stream_name)
        else:
            message = (f"localaws runs Python zip functions only; {self.function_name} has runtime "
                       f"{self.run_time}, package type {self.package_type}, code size {self.code_size}")
            payload, errored, output = _error_payload("LocalAWS.UnsupportedRuntime", message), True, message + "\n"
        duration_ms = (time.monotonic() - started) * 1000
        if output and not output.endswith("\n"):
            output += "\n"
        log = (f"START RequestId: {request_id} Version: {self.version}\n{output}"
               f"END RequestId: {request_id}\n"
               f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
               f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {self.memory_size} MB\n")
        _save_log(self, log_stream_name, log)
        return payload, errored, log.encode()[-LOG_RESULT_MAX_BYTES:].decode(errors="ignore")

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.invoke = invoke
    LambdaFunction._invoke_lambda = _invoke_lambda


def _run_handler(function, event, request_id: str, log_stream_name: str) -> tuple[str, bool, str]:
    task_root = _extracted_code(function.code_bytes)
    timeout = float(function.timeout)
    context = {
        "function_name": function.function_name,
        "function_version": str(function.version),
        "invoked_function_arn": function.function_arn,
        "memory_limit_in_mb": str(function.memory_size),  # a string, as in the Lambda Python runtime
        "aws_request_id": request_id,
        "log_group_name": function.logs_group_name,
        "log_stream_name": log_stream_name,
    }
    with tempfile.TemporaryDirectory(prefix="localaws-invoke-") as work_dir:
        invocation_path, result_path = Path(work_dir, "invocation.json"), Path(work_dir, "result.json")
        output_path = Path(work_dir, "output.log")
        invocation_path.write_text(json.dumps({
            "handler": function.handler, "task_root": str(task_root), "event": event, "context": context,
            "timeout": timeout, "timed_out_exit_code": TIMED_OUT_EXIT_CODE}))
        # Output goes to a file, not a pipe: a process the handler left behind cannot block us.
        with open(output_path, "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-I", "-u", "-c", RUNNER, str(invocation_path), str(result_path)],
                cwd=task_root, env=_environment(function, task_root, log_stream_name),
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
            try:
                exit_code = process.wait(timeout=INIT_TIMEOUT_SECONDS + timeout)
            except subprocess.TimeoutExpired:  # stuck in init, or the watchdog could not run
                process.kill()
                process.wait()
                exit_code = TIMED_OUT_EXIT_CODE
        logs = output_path.read_text(errors="replace")
        if result_path.exists():
            result = json.loads(result_path.read_text())
            return result["payload"], result["errored"], logs
    if exit_code == TIMED_OUT_EXIT_CODE:
        message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        return _error_payload("Sandbox.Timedout", message), True, f"{logs}{message}\n"
    message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {exit_code}"
    return _error_payload("Runtime.ExitError", message), True, f"{logs}{message}\n"


def _extracted_code(code: bytes) -> Path:
    """The zip extracted once per content; concurrent first invokes race to an atomic rename."""
    task_root = CODE_CACHE / hashlib.sha256(code).hexdigest()
    if not task_root.is_dir():
        CODE_CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=CODE_CACHE, prefix=".staging-"))
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            archive.extractall(staging)
        try:
            staging.rename(task_root)
        except OSError:  # another invoke extracted the same code first
            shutil.rmtree(staging, ignore_errors=True)
    return task_root


def _environment(function, task_root: Path, log_stream_name: str) -> dict[str, str]:
    region = function.region
    return {
        **function.environment_vars,
        # Lambda reserves the keys below: they override the function's own variables.
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": function.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **_role_credentials(function),
        "AWS_ENDPOINT_URL": runtime.ENDPOINT_URL,
        # S3 Control puts the account id in front of the host: the same loopback form the launcher hands out.
        "AWS_ENDPOINT_URL_S3_CONTROL": endpoint_environment(runtime.ENDPOINT_URL)["AWS_ENDPOINT_URL_S3_CONTROL"],
        "AWS_EC2_METADATA_DISABLED": "true",
        # Lambda has no ~/.aws files; the developer's profile must not change what the function does.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


_sessions: dict[str, object] = {}  # function ARN -> moto AssumedRole of its execution role
_sessions_lock = threading.Lock()


def _role_credentials(function) -> dict[str, str]:
    """The execution role's temporary credentials, from a session the endpoint assumes as Lambda does."""
    from moto.core.utils import utcnow
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    with _sessions_lock:
        session = _sessions.get(function.function_arn)
        renew_after = utcnow() + timedelta(seconds=SESSION_RENEWAL_SECONDS)
        if session is None or session.role_arn != function.role or session.expiration < renew_after:
            session = sts_backends[function.account_id][get_partition(function.region)].assume_role(
                region_name=function.region, role_session_name=function.function_name, role_arn=function.role,
                policy=None, duration=SESSION_SECONDS, external_id=None)
            _sessions[function.function_arn] = session
    return {"AWS_ACCESS_KEY_ID": session.access_key_id, "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
            "AWS_SESSION_TOKEN": session.session_token}


def _error_payload(error_type: str, message: str) -> str:
    return json.dumps({"errorMessage": message, "errorType": error_type})


def _save_log(function, log_stream_name: str, log: str) -> None:
    """What moto's ``save_logs`` does, into the stream named in the function's context."""
    from moto.core.utils import unix_time_millis

    function.logs_backend.ensure_log_group(function.logs_group_name)
    function.logs_backend.create_log_stream(function.logs_group_name, log_stream_name)
    timestamp = unix_time_millis()
    function.logs_backend.put_log_events(function.logs_group_name, log_stream_name,
                                         [{"timestamp": timestamp, "message": line} for line in log.splitlines()])


def _invoke_asynchronously(function, event) -> None:
    request_id = str(uuid.uuid4())
    payload, errored, _logs = function._invoke_lambda(event, request_id=request_id)
    if errored and function.dead_letter_target_arn:
        _send_to_dead_letter_queue(function.dead_letter_target_arn, event, request_id, payload)


def _send_to_dead_letter_queue(target_arn: str, event, request_id: str, error_payload: str) -> None:
    """The event unchanged, with the attributes Lambda adds (ErrorCode 200: the invoke itself worked)."""
    from moto.sqs.models import sqs_backends

    service, region, account_id, queue_name = target_arn.split(":", 5)[2:]
    if service != "sqs":
        print(f"localaws: dead-letter target {target_arn} is not an SQS queue; event dropped", flush=True)
        return
    error_message = json.loads(error_payload).get("errorMessage", "")[:DLQ_ERROR_MESSAGE_MAX_CHARS]
    sqs_backends[account_id][region].send_message(queue_name, json.dumps(event), message_attributes={
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": error_message},
    })


def invoke_async(function_arn: str, payload) -> None:
    """Invoke a function the way AWS services do (InvocationType Event): EventBridge, SNS."""
    from moto.awslambda.utils import get_backend

    region, account_id = function_arn.split(":", 5)[3:5]
    function = get_backend(account_id, region).get_function(function_arn)
    function.invoke(payload if isinstance(payload, str) else json.dumps(payload), {"x-amz-invocation-type": "Event"}, {})
