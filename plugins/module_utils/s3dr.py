# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue between AnsibleAWSModule and the core: clients, results, diff, errors."""

from __future__ import annotations

from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clients import ClientFactory, retry_config
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import DRError
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.fleet import FleetOutcome


def module_clients(module) -> ClientFactory:
    """Clients with the module's credentials, profile and endpoint, for any Region the core asks for."""
    return ClientFactory(lambda service, region: module.client(service, region=region, config=retry_config()))


def fail_with(module, error: DRError, **extra) -> None:
    """Fail with the core's message (bucket, Region, what to do, steps already done)."""
    module.fail_json(msg=str(error), bucket=error.bucket, region=error.region, steps_done=error.done, **extra)


def fleet_return(module, outcomes: list[FleetOutcome]) -> None:
    """Exit with a result per bucket; fail at the end naming each failed bucket and why."""
    results = []
    for outcome in outcomes:
        if outcome.result is not None:
            results.append({**outcome.result.as_dict(), "failed": False, "warnings": outcome.result.warnings})
        else:
            results.append({"source_bucket": outcome.bucket, "failed": True, "changed": bool(outcome.done),
                            "msg": outcome.error, "steps_done": outcome.done or []})
    changed = any(item["changed"] for item in results)
    diff = {"before": {o.bucket: o.result.before for o in outcomes if o.result},
            "after": {o.bucket: o.result.after for o in outcomes if o.result}}
    for outcome in outcomes:
        for warning in (outcome.result.warnings if outcome.result else []):
            module.warn(warning)
    failed = [outcome for outcome in outcomes if outcome.result is None]
    if failed:
        module.fail_json(
            msg=f"{len(failed)} of {len(outcomes)} buckets failed: "
                + "; ".join(f"{outcome.bucket}: {outcome.error}" for outcome in failed),
            changed=changed, results=results, failed_buckets=[outcome.bucket for outcome in failed], diff=diff)
    module.exit_json(changed=changed, results=results, failed_buckets=[], diff=diff)
