#!/usr/bin/env bash
# The demo's steps, run by `make demo` inside `python -m tools.localaws run` (so AWS_* point at
# the local endpoint): deploy the pipeline, tag a bucket, watch it become a DR pair, validate it.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== Seeding the local endpoint: bucket 'demo-app-data' in us-east-1 with lifecycle and CORS, not tagged yet"
ansible-playbook tools/demo/seed.yml
echo "== ansible-playbook playbooks/dr_setup.yml (deploys the pipeline us-east-1 -> us-west-2)"
ansible-playbook playbooks/dr_setup.yml
echo "== Tagging demo-app-data dr=true; the pipeline does the rest"
python tools/demo/summary.py demo-app-data --tag dr=true
echo "== ansible-playbook playbooks/dr_validate.yml (is it DR-ready?)"
ansible-playbook playbooks/dr_validate.yml -e dr_report_path=/tmp/resilience-s3dr-demo-report.json
echo "== Act 2: ansible-playbook playbooks/dr_drill.yml (rehearse: canary object, observed RPO, replica and drift checks)"
ansible-playbook playbooks/dr_drill.yml -e dr_drill_report_dir=/tmp/resilience-s3dr-demo-drill -e dr_poll_interval=0.1
python - <<'PY'
import json, pathlib
report = sorted(pathlib.Path("/tmp/resilience-s3dr-demo-drill").glob("dr-drill-*.json"))[-1]
for pair in json.loads(report.read_text())["pairs"]:
    rpo = f"{pair['rpo_seconds']:.3f} s" if pair["rpo_seconds"] is not None else "not measured"
    print(f"{pair['source_bucket']} -> {pair['dest_bucket']}: {pair['verdict']}, observed RPO {rpo}, "
          f"canary versions removed {pair.get('cleanup', {}).get('removed_versions', 0)}")
print(f"Reports: {report.with_suffix('')}.{{json,xml,html}}")
PY
echo "== Act 3: us-east-1 goes down (a proxy in front of the endpoint resets every call signed for us-east-1)"
proxy_out=$(mktemp)
python -m tools.localaws.faults --upstream "$AWS_ENDPOINT_URL" --rate 0 --down-regions us-east-1 >"$proxy_out" &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$proxy_out" ] && break; sleep 0.1; done
proxy_url=$(head -n 1 "$proxy_out")
drill_report=$(find /tmp/resilience-s3dr-demo-drill -name "dr-drill-*.json" | sort | tail -n 1)
AWS_ENDPOINT_URL="$proxy_url" AWS_MAX_ATTEMPTS=1 python - <<'PY'
import boto3
try:
    boto3.client("s3", region_name="us-east-1").head_bucket(Bucket="demo-app-data")
    print("us-east-1 still answers?!")
except Exception as error:
    print(f"s3://demo-app-data in us-east-1: unreachable ({type(error).__name__})")
PY
echo "== ansible-playbook playbooks/dr_failover.yml (DR Region only; the drill report is the readiness evidence)"
AWS_ENDPOINT_URL="$proxy_url" ansible-playbook playbooks/dr_failover.yml \
  -e '{"dr_buckets": ["demo-app-data"], "dr_failover_reason": "demo: us-east-1 outage"}' -e dr_drill_report="$drill_report"
AWS_ENDPOINT_URL="$proxy_url" python - <<'PY'
import boto3
s3 = boto3.client("s3", region_name="us-west-2")
tags = {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket="demo-app-data-dr")["TagSet"]}
print("demo-app-data-dr:", {key: value for key, value in tags.items() if key.startswith("s3dr:")})
s3.put_object(Bucket="demo-app-data-dr", Key="orders/during-failover.json", Body=b'{"order": 42}')
print("The application writes s3://demo-app-data-dr/orders/during-failover.json while us-east-1 is down")
PY
echo "== us-east-1 is back; ansible-playbook playbooks/dr_failback.yml (copy back, verify, resume the pipeline)"
kill "$proxy_pid"
ansible-playbook playbooks/dr_failback.yml -e '{"dr_buckets": ["demo-app-data"]}'
python - <<'PY'
import boto3
body = boto3.client("s3", region_name="us-east-1").get_object(Bucket="demo-app-data", Key="orders/during-failover.json")
print("s3://demo-app-data/orders/during-failover.json is back in us-east-1:", body["Body"].read().decode())
PY
