#!/usr/bin/env bash
# The demo's steps, run by `make demo` inside `python -m tools.localaws run` (so AWS_* point at
# the local endpoint): seed a tagged bucket, run the main playbook, show the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== Seeding the local endpoint: bucket 'demo-app-data' in us-east-1, tagged dr=true"
ansible-playbook tools/demo/seed.yml
echo "== ansible-playbook playbooks/dr_setup.yml"
ansible-playbook playbooks/dr_setup.yml
echo "== What the tagged bucket looks like now"
python tools/demo/summary.py demo-app-data
