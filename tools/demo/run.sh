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
