# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded retries for AWS eventual consistency (throttling and 5xx are botocore's job)."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from .errors import error_code

LOG = logging.getLogger(__name__)

# Right after CreateBucket, or while another change to the bucket is in flight.
BUCKET_SETTLING_CODES = ("NoSuchBucket", "OperationAborted")
# A caller's own missing permission: no amount of waiting grants it, so it is raised at once whatever else says.
NEVER_RETRIED_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")


def retry_while(call: Callable[[], Any], codes: tuple[str, ...], timeout: float, what: str,
                on_retry: Callable[[str], None] | None = None, first_delay: float = 1.0,
                sleep: Callable[[float], None] = time.sleep,
                retry_also: Callable[[Exception], bool] | None = None) -> Any:
    """Call until it does not fail with one of ``codes`` (or an error ``retry_also`` accepts) or ``timeout``
    seconds have passed.

    AccessDenied is never retried. Each retry is logged (and handed to ``on_retry``) so that a slow run says why it is slow.
    The last error is raised when time is up.
    """
    deadline = time.monotonic() + timeout
    delay = first_delay
    attempt = 1
    while True:
        try:
            return call()
        except Exception as error:  # botocore ClientError
            code = error_code(error)
            retryable = code not in NEVER_RETRIED_CODES and (
                code in codes or (retry_also is not None and retry_also(error)))
            if not retryable or time.monotonic() + delay > deadline:
                raise
            message = f"{what}: {code} on attempt {attempt}, retrying in {delay:.0f}s"
            LOG.info(message)
            if on_retry:
                on_retry(message)
            sleep(delay)
            attempt += 1
            delay = min(delay * 2, 16)
