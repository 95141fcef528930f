"""Lambda retries a failed asynchronous invocation twice before it goes to the dead-letter queue.

Upstream gap (moto 5.2.5, and ``lambda_subprocess_invoke`` alone): an ``Event`` invoke (Invoke with
InvocationType Event, an EventBridge rule, an SNS subscription) runs once; when the function errors or
times out, the event goes straight to the dead-letter queue. On AWS, "If the function returns an
error, by default Lambda attempts to run it two more times, with a one-minute wait between the first
two attempts, and two minutes between the second and third attempts"; only then does the event go to
the dead-letter queue or on-failure destination; ``MaximumRetryAttempts`` of the function's event
invoke configuration (PutFunctionEventInvokeConfig, 0 to 2) changes the count
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). A handler run
three times on the same event must be idempotent, which is what this makes a test see.

This patch runs a failed asynchronous invocation again, up to the configured number of retries, with
the same request id, and sends the event to the dead-letter queue only after the last attempt failed.
Deliberate difference: the waits are ``RETRY_DELAYS_SECONDS`` (1 s and 2 s, AWS's minutes as seconds),
so that a test sees the retries within its bound; ``LOCALAWS_LAMBDA_RETRY_DELAYS`` (comma-separated
seconds) sets them when the endpoint starts. Not modelled: ``MaximumEventAgeInSeconds``, on-success and
on-failure destinations, throttling retries (up to 6 hours on AWS).
"""
from __future__ import annotations

import os
import time
import uuid

NAME = "lambda_async_retries"
DEFAULT_RETRY_ATTEMPTS = 2  # AWS's default MaximumRetryAttempts
RETRY_DELAYS_SECONDS = tuple(float(value) for value in
                             os.environ.get("LOCALAWS_LAMBDA_RETRY_DELAYS", "1,2").split(","))


def retry_attempts(function) -> int:
    """The function's MaximumRetryAttempts (its event invoke configuration), else AWS's default of 2."""
    for config in getattr(function, "event_invoke_config", []):
        if config.config.get("MaximumRetryAttempts") is not None:
            return int(config.config["MaximumRetryAttempts"])
    return DEFAULT_RETRY_ATTEMPTS


def apply() -> None:
    from . import lambda_subprocess_invoke

    def invoke_with_retries(function, event) -> None:
        request_id = str(uuid.uuid4())  # the same for every attempt, as on AWS
        payload, errored = "", True
        for attempt in range(1 + retry_attempts(function)):
            if attempt:
                time.sleep(RETRY_DELAYS_SECONDS[min(attempt, len(RETRY_DELAYS_SECONDS)) - 1])
            payload, errored, _logs = function._invoke_lambda(event, request_id=request_id)
            if not errored:
                return
        if function.dead_letter_target_arn:
            lambda_subprocess_invoke._send_to_dead_letter_queue(function.dead_letter_target_arn, event, request_id,
                                                                payload)

    # invoke() looks the asynchronous path up in its module at call time.
    lambda_subprocess_invoke._invoke_asynchronously = invoke_with_retries
