# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type the core raises for problems a user can act on."""

from __future__ import annotations


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


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore ClientError, or '' for anything else."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "")) or str(error)


def describe_error(error: Exception) -> str:
    """'message (Code)' of an AWS error, or 'message (ExceptionType)' of any other, for user-facing messages."""
    return f"{error_message(error)} ({error_code(error) or type(error).__name__})"
