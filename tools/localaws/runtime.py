"""State of the running endpoint process that patches share (set by server.py)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

ENDPOINT_URL: str | None = None

# Work AWS does asynchronously (CloudTrail delivery, async Lambda invokes, SNS fan-out) runs here,
# so the API call that caused it returns first, as it does on AWS.
_background = ThreadPoolExecutor(max_workers=16, thread_name_prefix="localaws-async")


def in_background(function, *args, **kwargs) -> None:
    def run():
        try:
            function(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a failed delivery must not kill the worker; it is logged
            import traceback

            traceback.print_exc()

    _background.submit(run)


def shut_down() -> None:
    _background.shutdown(wait=False, cancel_futures=True)
