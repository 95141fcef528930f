#!/usr/bin/env bash
# The demo's steps, run by `make demo` inside `python -m tools.localaws run` (so AWS_* point at
# the local endpoint): seed a tagged bucket, run the main playbook, make the tagged bucket a DR
# pair, show the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== Seeding the local endpoint: bucket 'demo-app-data' in us-east-1, tagged dr=true"
ansible-playbook tools/demo/seed.yml
echo "== ansible-playbook playbooks/dr_setup.yml"
ansible-playbook playbooks/dr_setup.yml
echo "== Before: the tagged bucket"
python tools/demo/summary.py demo-app-data
echo "== ansible-playbook playbooks/dr_buckets.yml (the tagged bucket becomes a DR pair, without the pipeline)"
ansible-playbook playbooks/dr_buckets.yml
echo "== After: the tagged bucket and its DR bucket"
python tools/demo/summary.py demo-app-data
echo "== ansible-playbook playbooks/dr_validate.yml (is it DR-ready?)"
ansible-playbook playbooks/dr_validate.yml -e dr_report_path=/tmp/resilience-s3dr-demo-report.json
