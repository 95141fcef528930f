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
