# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type the core raises for problems a user can act on."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator


class DRError(Exception):
    """A problem with a clear message naming the bucket, its Region and what to do.

    ``done`` lists the steps that were already carried out when the error happened, so that a
    failure never leaves a half-done bucket without saying so.
    """

    def __init__(self, message: str, bucket: str | None = None, region: str | None = None,
                 done: list[str] | None = None, cause: Exception | None = None):
        super().__init__(message)
        self.message = message
        self.bucket = bucket
        self.region = region
        self.done = list(done or [])
        self.cause = cause

    def __str__(self) -> str:
        if not self.done:
            return self.message
        return f"{self.message} Steps already done: {'; '.join(self.done)}."


def invalid_input_message(problems: list[str], what: str = "changed", subject: str = "") -> str:
    """The one sentence for input refused before any AWS call: 'Nothing was <what>[ for X] because ...'."""
    return f"Nothing was {what}{subject} because the input is invalid: " + "; ".join(problems) + "."


def invalid_input(bucket: str, problems: list[str], what: str = "changed", region: str | None = None) -> DRError:
    """The error for a bucket's input refused before any write."""
    message = invalid_input_message(problems, what)
    return DRError(f"Bucket {bucket}: {message[0].lower()}{message[1:]}", bucket=bucket, region=region)


def bucket_error(bucket: str, error: Exception, done: list[str] | None = None, region: str | None = None,
                 doing: str = "") -> DRError:
    """``error`` as the DRError of one bucket: its message starts 'Bucket X: ' (once), ``done`` the steps carried
    out before it, ``region`` where known. An AWS error nobody foresaw is described with its code; ``doing`` says
    what was under way ('cannot prepare the backfill to b in r')."""
    if isinstance(error, DRError):
        if bucket not in error.message:
            error.message = f"Bucket {bucket}: {error.message}"
        error.bucket, error.region = error.bucket or bucket, error.region or region
        if done is not None:
            error.done = list(done)
        return error
    return DRError(f"Bucket {bucket}: {doing + ': ' if doing else ''}{describe_error(error)}.", bucket=bucket,
                   region=region, done=done, cause=error)


@contextlib.contextmanager
def named_errors(bucket: str, done: Callable[[], list[str]] | None = None, region: str | None = None,
                 doing: str = "") -> Iterator[None]:
    """Any error raised inside leaves as ``bucket_error`` (``done()`` read when it happens)."""
    try:
        yield
    except Exception as error:
        named = bucket_error(bucket, error, done() if done else None, region, doing)
        if named is error:
            raise
        raise named from error


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore ClientError, or '' for anything else."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "")) or str(error)


def absent_on(codes: tuple[str, ...], call, *args, **kwargs):
    """The call's response, or None when it fails with one of ``codes`` (S3's and IAM's "not configured" or
    "no such entity" answers): the one place a read tells "absent" from a failure."""
    try:
        return call(*args, **kwargs)
    except Exception as error:  # botocore ClientError; the core does not import botocore's types
        if error_code(error) in codes:
            return None
        raise


def describe_error(error: Exception) -> str:
    """The one way an error is told to a user: 'message (Code)' of an AWS error, the message of a DRError (already
    written for a user), 'message (ExceptionType)' of any other."""
    if isinstance(error, DRError):
        return error.message
    return f"{error_message(error)} ({error_code(error) or type(error).__name__})"
