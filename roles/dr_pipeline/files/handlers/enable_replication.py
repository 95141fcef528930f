"""Source Region: merge our replication rule into the bucket's configuration, never wiping others.

Then copies the objects that existed before replication (a bounded backfill per invocation; the
scheduled sweep resumes a large bucket where the last run stopped). Also restores replication when
someone deleted it from a still-tagged bucket (self-heal), and removes our rule when the bucket was
untagged and ON_UNTAG is "disable". Acts only on messages that the source bucket's real tags and
owner confirm (pipeline_common.confirmed_messages); others are logged as rejected.
"""

from __future__ import annotations

from pipeline_common import clients, confirmed_messages, copy_clients, json_setting, log_action, setting
from s3dr_core.backfill import backfill
from s3dr_core.crr import apply_crr
from s3dr_core.errors import DRError
from s3dr_core.specs import backfill_spec, crr_spec


def handler(event, context):
    aws = clients()
    done = []
    for message in confirmed_messages(aws, event):
        bucket = message.source_bucket
        state = "absent" if message.action == "disable" else "present"
        spec = crr_spec(json_setting("CRR_SPEC", None), strict=True, source_bucket=bucket, dest_region=setting("DEST_REGION"),
                        state=state)
        try:
            result = apply_crr(aws, spec)
        except DRError as error:
            log_action("replication_failed", bucket, error=str(error), steps_done=error.done)
            raise
        log_action("replication_" + ("enabled" if state == "present" else "disabled"), bucket,
                   changed=result.changed, actions=result.actions, role_arn=result.data.get("role_arn"),
                   warnings=result.warnings)
        backfill_options = json_setting("BACKFILL_SPEC", "null")  # null: the pipeline was deployed without backfill
        if state == "present" and backfill_options is not None:
            copy_spec = backfill_spec(backfill_options, strict=True, source_bucket=bucket, dest_region=spec.dest_region)
            copied = backfill(copy_clients(copy_spec.concurrency), copy_spec)
            log_action("backfill", bucket, **{key: copied.data.get(key) for key in (
                "objects_scanned", "objects_copied", "objects_failed", "bytes_copied", "complete")})
        done.append(bucket)
    return {"done": done}
