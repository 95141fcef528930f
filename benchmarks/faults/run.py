"""Fleet runs under injected faults: how many runs until every bucket is a DR pair.

    .venv/bin/python benchmarks/faults/run.py                          # 30 buckets, rates 0/10/30 %, seeds 1 2 3
    .venv/bin/python benchmarks/faults/run.py --buckets 10 --rates 0.3 --seeds 1 --retry-mode adaptive

For every (rate, seed): a fresh endpoint (tools/localaws) with a fault proxy (tools/localaws/faults.py) in
front of it, N tagged source buckets with one object each, then ``playbooks/dr_buckets.yml`` through the
proxy up to --max-runs times until every bucket is converged (replication rule to its DR bucket, DR bucket
versioned, role with its inline policy, the object copied). Prints per run: buckets converged, the play's
rc, wall time, requests seen by the proxy and faults injected; then one clean run (no faults) whose writes are
counted from the endpoint's request recording: a converged fleet must get none. Not part of ``make test``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tools.localaws import LocalAWS  # noqa: E402
from tools.localaws.faults import FaultProxy  # noqa: E402

SOURCE_REGION, DR_REGION = "eu-west-1", "eu-central-1"
TAG_KEY, TAG_VALUE = "drbench", "faults"


def client(endpoint: str, service: str, region: str):
    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def converged(endpoint: str, bucket: str) -> bool:
    s3, dr, iam = client(endpoint, "s3", SOURCE_REGION), client(endpoint, "s3", DR_REGION), client(endpoint, "iam", "us-east-1")
    try:
        rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        iam.get_role_policy(RoleName=f"s3-crr-{bucket}", PolicyName="s3-replication")
        dr.head_object(Bucket=f"{bucket}-dr", Key="existing.txt")
        return (rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
                and dr.get_bucket_versioning(Bucket=f"{bucket}-dr").get("Status") == "Enabled")
    except Exception:  # noqa: BLE001 - anything missing means not converged
        return False


def one_case(rate: float, seed: int, buckets: int, max_runs: int, retry_vars: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as state, LocalAWS(state_dir=state) as endpoint, \
            FaultProxy(endpoint.endpoint_url, rate=0.0, seed=seed) as proxy:
        s3 = client(endpoint.endpoint_url, "s3", SOURCE_REGION)
        names = [f"bench-faults-{index:03d}" for index in range(buckets)]
        for name in names:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": TAG_VALUE}]})
            s3.put_object(Bucket=name, Key="existing.txt", Body=b"there before replication")
        extra_vars = Path(state) / "vars.json"
        extra_vars.write_text(json.dumps({"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION,
                                          "dr_trigger_tag_key": TAG_KEY, "dr_trigger_tag_value": TAG_VALUE,
                                          **retry_vars}))
        proxy.configure(rate=rate)
        runs = []

        def playbook():
            return subprocess.run(
                [str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/dr_buckets.yml", "-e", f"@{extra_vars}"],
                cwd=REPO_ROOT, capture_output=True, text=True, check=False,
                env={**os.environ, **endpoint.env, "AWS_ENDPOINT_URL": proxy.endpoint_url})

        for run in range(1, max_runs + 1):
            proxy.reset_stats()
            started = time.monotonic()
            completed = playbook()
            seconds = time.monotonic() - started
            done = sum(converged(endpoint.endpoint_url, name) for name in names)
            stats = proxy.stats
            runs.append({"run": run, "rc": completed.returncode, "seconds": round(seconds, 1), "converged": done,
                         "requests": stats.requests, "errors": stats.errors, "resets": stats.resets})
            if done == buckets:
                break
        # Then a clean run (no faults): once converged, it must write nothing.
        proxy.configure(rate=0.0)
        endpoint.start_recording()
        clean = playbook()
        clean_writes = sum(call.is_write for call in endpoint.recorded_calls())
        return {"rate": rate, "seed": seed, "buckets": buckets, "runs": runs, "clean_rc": clean.returncode,
                "clean_writes": clean_writes,
                "runs_to_converge": runs[-1]["run"] if runs[-1]["converged"] == buckets else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buckets", type=int, default=30)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.0, 0.1, 0.3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--max-runs", type=int, default=3)
    parser.add_argument("--retry-mode", choices=["standard", "adaptive"],
                        help="dr_retry_mode for the runs (the module's retry_mode); default: the module's")
    parser.add_argument("--max-attempts", type=int, help="dr_max_attempts for the runs (the module's max_attempts)")
    args = parser.parse_args()
    retry_vars = {}
    if args.retry_mode:
        retry_vars["dr_retry_mode"] = args.retry_mode
    if args.max_attempts:
        retry_vars["dr_max_attempts"] = str(args.max_attempts)
    print(f"retry mode {args.retry_mode or 'default (standard)'}, max attempts {args.max_attempts or 'default (11)'}; "
          f"load average at the start {os.getloadavg()}", flush=True)
    print("| rate | seed | runs to converge | converged after run 1 | after run 2 | requests (run 1) | "
          "faults injected (run 1: errors + resets) | run 1 s | run 1 rc | clean rerun: writes (rc) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rate in args.rates:
        for seed in args.seeds:
            case = one_case(rate, seed, args.buckets, args.max_runs, retry_vars)
            first = case["runs"][0]
            second = case["runs"][1] if len(case["runs"]) > 1 else first
            print(f"| {rate:.0%} | {seed} | {case['runs_to_converge'] or f'> {args.max_runs}'} | "
                  f"{first['converged'] / args.buckets:.0%} | {second['converged'] / args.buckets:.0%} | "
                  f"{first['requests']} | {first['errors']} + {first['resets']} | {first['seconds']} | {first['rc']} | "
                  f"{case['clean_writes']} ({case['clean_rc']}) |",
                  flush=True)
    print(f"load average at the end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
