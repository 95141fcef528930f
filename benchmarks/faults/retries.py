"""Does a call survive sustained faults? Shared client vs one client per thread, standard vs adaptive retry mode.

    .venv/bin/python benchmarks/faults/retries.py --calls 2000 --threads 16 --rate 0.3

N calls (S3 HeadBucket) from T threads through the fault proxy, with the collection's retry settings
(``plugins/module_utils/core/clients.py``: 11 attempts): once through one client shared by every thread
(how ClientFactory worked before), once through ClientFactory(per_thread=True). Prints the calls that
failed after botocore gave up, wall time, and faults injected. Not part of ``make test``.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from plugins.module_utils.core.clients import ClientFactory, retry_settings  # noqa: E402
from tools.localaws import LocalAWS  # noqa: E402
from tools.localaws.faults import FaultProxy  # noqa: E402


def measure(proxy: FaultProxy, mode: str, per_thread: bool, calls: int, threads: int, seed: int) -> dict:
    settings = {**retry_settings({}), "mode": mode}
    config = Config(retries=settings, max_pool_connections=threads + 4)
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    factory = ClientFactory(lambda service, region: session.client(service, region_name=region, config=config,
                                                                   endpoint_url=proxy.endpoint_url),
                            per_thread=per_thread)
    proxy.configure(seed=seed)
    proxy.reset_stats()

    def one(index: int) -> bool:
        try:
            factory("s3", "us-east-1").head_bucket(Bucket="retries-bench")
            return True
        except Exception:  # noqa: BLE001 - counted
            return False

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        succeeded = sum(pool.map(one, range(calls)))
    stats = proxy.stats
    return {"mode": mode, "clients": "one per thread" if per_thread else "shared", "failed": calls - succeeded,
            "seconds": round(time.monotonic() - started, 1), "requests": stats.requests,
            "faults": stats.errors + stats.resets}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    print(f"{args.calls} HeadBucket calls, {args.threads} threads, {args.rate:.0%} faults (half 5xx/SlowDown, half "
          "resets after apply), 11 attempts per call")
    print("| retry mode | clients | calls failed | seconds | requests | faults injected |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as state, LocalAWS(state_dir=state) as endpoint, \
            FaultProxy(endpoint.endpoint_url, rate=0.0) as proxy:
        proxy.configure(rate=0.0)
        for mode in ("standard", "adaptive"):
            for per_thread in (False, True):
                proxy.configure(rate=0.0)
                if mode == "standard" and not per_thread:
                    boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint.endpoint_url,
                                 aws_access_key_id="testing", aws_secret_access_key="testing").create_bucket(
                        Bucket="retries-bench")
                proxy.configure(rate=args.rate)
                row = measure(proxy, mode, per_thread, args.calls, args.threads, args.seed)
                print(f"| {row['mode']} | {row['clients']} | {row['failed']} of {args.calls} | {row['seconds']} | "
                      f"{row['requests']} | {row['faults']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
