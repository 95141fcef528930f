"""DR Region: make the DR bucket (secure defaults, versioning) and clone the source's settings.

Then publish the pair to topic 2 in the source Region. Safe on duplicate and out-of-order delivery:
the clone reads both sides and writes only what differs. Acts only on messages that the source
bucket's real tags and owner confirm (pipeline_common.confirmed_messages); others are logged as rejected.
Data first: the pair is published also when some configuration categories failed (logged; the sweep
retries them); only a DR bucket that cannot be made stops it.
A DR bucket in another account (CLONE_SPEC dest_account_role_arn) is made and cloned as that account's role,
which then lets the pair's replication role in (bucket policy, key policy) before the pair is passed on.
A pair whose DR bucket records a failover (s3dr_core.failover, read in the DR Region) is left alone:
no clone, nothing passed on to enable_replication, until dr_failback.yml resumes it.
"""

from __future__ import annotations

from pipeline_common import clients, confirmed_messages, json_setting, log_action, publish, setting
from s3dr_core.clone import clone_configuration
from s3dr_core.dest_access import grant_after_clone
from s3dr_core.discovery import Discovery, PairFacts
from s3dr_core.errors import DRError, error_code
from s3dr_core.failover import failed_over
from s3dr_core.specs import clone_spec


def handler(event, context):
    aws = clients()
    done = []
    for message in confirmed_messages(aws, event):
        bucket = message.source_bucket
        if message.action == "enable":
            spec = clone_spec(json_setting("CLONE_SPEC", None), strict=True, source_bucket=bucket,
                              dest_region=setting("DEST_REGION"))
            discovery, facts = Discovery(), PairFacts()  # the grant reuses what the clone read and wrote
            dest_aws = discovery.assumed_clients(aws, spec.dest_account_role_arn, spec.dest_region) \
                if spec.dest_account_role_arn else aws
            try:
                record = failed_over(dest_aws("s3", spec.dest_region), spec.resolved_dest_bucket)
            except Exception as error:  # e.g. a DR bucket of another account: its tags are not ours to read
                if error_code(error) not in ("AccessDenied", "403"):
                    raise
                record = None
                log_action("failover_state_unreadable", bucket, dest_bucket=spec.resolved_dest_bucket,
                           error=str(error))
            if record:  # the self-heal must not fight a failover: dr_failback.yml resumes the pair
                log_action("skipped_failed_over", bucket, dest_bucket=spec.resolved_dest_bucket, failover=record)
                continue
            try:
                result = clone_configuration(aws, spec, discovery=discovery, facts=facts)
            except DRError as error:
                log_action("clone_failed", bucket, error=str(error), steps_done=error.done)
                raise
            log_action("cloned", bucket, dest_bucket=spec.resolved_dest_bucket, actions=result.actions,
                       categories={name: outcome["status"] for name, outcome in result.data["categories"].items()})
            if result.failure:  # data first: replication goes on; the sweep retries the failed categories
                log_action("clone_categories_failed", bucket, dest_bucket=spec.resolved_dest_bucket,
                           failed={name: result.data["categories"][name]["reason"]
                                   for name in result.data["failed_categories"]})
            if spec.dest_account_role_arn:
                granted = grant_after_clone(aws, spec, discovery, facts=facts)
                log_action("dest_account_access", bucket, dest_bucket=spec.resolved_dest_bucket,
                           account=granted.data["account_id"], role_arn=granted.data["role_arn"], actions=granted.actions)
        publish(aws, setting("REPLICATION_TOPIC_ARN"), message)
        log_action("published", bucket, next="enable_replication", message_action=message.action)
        done.append(bucket)
    return {"done": done}
