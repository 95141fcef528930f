"""Fleet benchmark: `playbooks/dr_buckets.yml` over N tagged buckets, first run and no-op rerun.

One command, from the repository root:

    .venv/bin/python benchmarks/fleet/run.py [--buckets 20 200 1000] [--backfill] [--json out.json]
    .venv/bin/python benchmarks/fleet/run.py --buckets 10000 --first-only   # optional: memory bounded, time linear

For each N it starts a fresh local endpoint (tools/localaws), seeds N buckets in eu-west-1 tagged
dr=true with realistic settings (a few categories each, varied: tags, CORS, lifecycle, versioning,
SSE-S3 default encryption, a bucket policy, a website, two small objects), then runs dr_buckets.yml
(selection by tag, to us-west-2) twice with the endpoint's request recording on, and prints per run:
wall time, time per bucket, calls per bucket by API name, reads and writes per bucket, requests/s,
and the peak RSS of the whole ansible-playbook process tree (sum over the tree, sampled every 0.1 s
from /proc).

`calls_by_api` and `seed_buckets` are also used by the calls-per-bucket budget test
(tests/integration/test_dr_pairs.py).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def s3_client(endpoint_url: str, region: str):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(max_pool_connections=16))


def seed_bucket(s3, name: str, index: int, tag: tuple[str, str]) -> None:
    """One source bucket with a few settings, varied by index the way a real account varies."""
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
        {"Key": tag[0], "Value": tag[1]}, {"Key": "team", "Value": f"team-{index % 7}"},
        {"Key": "cost-center", "Value": str(1000 + index % 13)}]})
    if index % 2 == 0:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if index % 3 == 0:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["https://app.example.com"], "MaxAgeSeconds": 3000}]})
    if index % 3 != 2:
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}},
            {"ID": "ia-after-30", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
             "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]}]})
    if index % 4 == 0:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    if index % 5 == 0:
        s3.put_bucket_website(Bucket=name, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    for key in ("data/a.json", "data/b.json"):
        s3.put_object(Bucket=name, Key=key, Body=b'{"seeded": true}', ContentType="application/json")


def seed_buckets(endpoint_url: str, count: int, prefix: str, tag: tuple[str, str] = ("dr", "true")) -> list[str]:
    s3 = s3_client(endpoint_url, SOURCE_REGION)
    names = [f"{prefix}-{index:05d}" for index in range(count)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: seed_bucket(s3, item[1], item[0], tag), enumerate(names)))
    return names


def calls_by_api(calls) -> Counter:
    """API name -> count, for recorded calls (tools/localaws/recording.py)."""
    return Counter(f"{call.service}:{call.api_name}" for call in calls)


class TreeRss:
    """Peak of the summed RSS of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self.peak_by_process: list[tuple[str, int]] = []  # (what the process runs, RSS) at the peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _children(self) -> dict[int, list[int]]:
        tree: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="utf-8") as stream:
                        parent = int(stream.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                tree.setdefault(parent, []).append(int(entry))
        return tree

    def _rss(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm", encoding="utf-8") as stream:
                return int(stream.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            tree, total, todo, parts = self._children(), 0, [self.pid], []
            while todo:
                pid = todo.pop()
                rss = self._rss(pid)
                total += rss
                parts.append((pid, rss))
                todo.extend(tree.get(pid, []))
            if total > self.peak:
                self.peak, self.peak_by_process = total, [(self._name(pid), rss) for pid, rss in parts]
            self._stop.wait(self.interval)

    @staticmethod
    def _name(pid: int) -> str:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as stream:
                words = stream.read().split(b"\0")
        except OSError:
            return "?"
        named = [Path(word.decode(errors="replace")).name for word in words if word][:2]
        return " ".join(named)[:60]

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_playbook(server, extra_vars: dict, root: Path = REPO_ROOT) -> dict:
    env = {**os.environ, **server.env, "ANSIBLE_NOCOLOR": "1"}
    load_at_start = os.getloadavg()
    vars_file = Path(server.state_dir) / f"vars-{time.monotonic_ns()}.json"
    vars_file.write_text(json.dumps(extra_vars))
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/dr_buckets.yml", "-e", f"@{vars_file}"]
    server.start_recording()
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    rss = TreeRss(process.pid)
    output = process.communicate()[0]
    seconds = time.monotonic() - started
    peak = rss.stop()
    calls = server.recorded_calls()
    return {"rc": process.returncode, "seconds": seconds, "peak_rss_mb": peak / 1024 / 1024, "calls": calls,
            "output": output, "peak_by_process": [(name, round(size / 1024 / 1024)) for name, size in rss.peak_by_process],
            "load": (load_at_start, os.getloadavg())}


def describe(label: str, count: int, run: dict) -> dict:
    calls = run["calls"]
    writes = sum(call.is_write for call in calls)
    by_api = calls_by_api(calls)
    summary = {"run": label, "buckets": count, "rc": run["rc"], "seconds": round(run["seconds"], 1),
               "seconds_per_bucket": round(run["seconds"] / count, 3), "calls": len(calls),
               "calls_per_bucket": round(len(calls) / count, 1), "reads_per_bucket": round((len(calls) - writes) / count, 1),
               "writes_per_bucket": round(writes / count, 1), "requests_per_second": round(len(calls) / run["seconds"], 0),
               "peak_rss_mb": round(run["peak_rss_mb"], 0), "peak_by_process": run["peak_by_process"],
               "load_average_start_end": [round(run["load"][0][0], 1), round(run["load"][1][0], 1)],
               "per_bucket_by_api": {name: round(value / count, 2) for name, value in sorted(by_api.items())}}
    print(f"\n== N={count} {label}: rc={run['rc']} {summary['seconds']} s ({summary['seconds_per_bucket']} s/bucket), "
          f"{summary['calls_per_bucket']} calls/bucket ({summary['reads_per_bucket']} reads + "
          f"{summary['writes_per_bucket']} writes), {summary['requests_per_second']:.0f} requests/s, "
          f"peak RSS of the ansible-playbook tree {summary['peak_rss_mb']:.0f} MB "
          f"({', '.join(f'{name}: {size}' for name, size in run['peak_by_process'])}); "
          f"load average (1 min) {summary['load_average_start_end'][0]} at the start, "
          f"{summary['load_average_start_end'][1]} at the end")
    for name, value in sorted(by_api.items(), key=lambda item: (-item[1], item[0])):
        print(f"   {value / count:6.2f}  {name}")
    if run["rc"] != 0:
        print(run["output"][-3000:])
    return summary


def bench(count: int, backfill: bool, root: Path = REPO_ROOT, label: str = "", rerun: bool = True) -> list[dict]:
    """Seed a fresh endpoint, run the playbook of the checkout ``root`` first and again."""
    import tempfile

    from tools.localaws import LocalAWS

    results = []
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as state_dir, LocalAWS(state_dir=state_dir) as server:
        started = time.monotonic()
        seed_buckets(server.endpoint_url, count, "fleet")
        print(f"seeded {count} buckets in {time.monotonic() - started:.0f} s")
        extra_vars = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_backfill": backfill,
                      "dr_report_path": str(Path(server.state_dir) / "report.jsonl")}
        for run in ("first", "rerun") if rerun else ("first",):
            results.append({**describe(f"{label}{run}", count, run_playbook(server, extra_vars, root)),
                            "checkout": label or "this"})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buckets", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--backfill", action="store_true", help="also copy the seeded objects (dr_backfill: true)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--first-only", action="store_true", help="no rerun (e.g. for --buckets 10000)")
    parser.add_argument("--baseline", type=Path, help="another checkout (e.g. `git archive <commit>`, with .venv and "
                                                      ".collections linked) whose dr_buckets.yml runs after this one's "
                                                      "for each N, on its own fresh endpoint, for a side-by-side")
    args = parser.parse_args(argv)
    results = []
    for count in args.buckets:
        results += bench(count, args.backfill, rerun=not args.first_only)
        if args.baseline:
            results += bench(count, args.backfill, args.baseline.resolve(), "baseline-")
    print(f"\nload average at the end: {os.getloadavg()}")
    print("\nN      run    s      s/bucket  calls/bucket  reads  writes  req/s  peak RSS MB  load start/end")
    for item in results:
        print(f"{item['buckets']:<6} {item['run']:<14} {item['seconds']:<6} {item['seconds_per_bucket']:<9} "
              f"{item['calls_per_bucket']:<13} {item['reads_per_bucket']:<6} {item['writes_per_bucket']:<7} "
              f"{item['requests_per_second']:<6.0f} {item['peak_rss_mb']:<12.0f} "
              f"{item['load_average_start_end'][0]}/{item['load_average_start_end'][1]}")
    firsts = [item for item in results if item["run"] == "first"]
    for mine, base in zip(firsts, [item for item in results if item["run"] == "baseline-first"]):
        print(f"N={mine['buckets']} first run: {mine['seconds']} s vs baseline {base['seconds']} s "
              f"({base['seconds'] / mine['seconds']:.1f}x); calls/bucket {mine['calls_per_bucket']} vs "
              f"{base['calls_per_bucket']}")
    for before, after in zip(firsts, firsts[1:]):
        print(f"time per bucket, first run: {before['seconds_per_bucket']} s at N={before['buckets']} -> "
              f"{after['seconds_per_bucket']} s at N={after['buckets']} "
              f"({after['seconds_per_bucket'] / before['seconds_per_bucket']:.2f}x for {after['buckets'] / before['buckets']:.0f}x "
              f"the buckets; 1.00x is linear)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(item["rc"] == 0 for item in results) else 1


if __name__ == "__main__":
    sys.exit(main())
