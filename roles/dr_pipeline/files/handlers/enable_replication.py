"""Source Region: merge our replication rule into the bucket's configuration, never wiping others.

Then copies the objects that existed before replication (a bounded backfill per invocation; the
scheduled sweep resumes a large bucket where the last run stopped). Also restores replication when
someone deleted it from a still-tagged bucket (self-heal), and removes our rule when the bucket was
untagged and ON_UNTAG is "disable". Acts only on messages that the source bucket's real tags and
owner confirm (pipeline_common.confirmed_messages); others are logged as rejected.
"""

from __future__ import annotations

from pipeline_common import clients, confirmed_messages, json_setting, log_action, setting
from s3dr_core.backfill import BackfillSpec, backfill
from s3dr_core.crr import CrrSpec, apply_crr
from s3dr_core.errors import DRError


def handler(event, context):
    aws = clients()
    done = []
    for message in confirmed_messages(aws, event):
        bucket = message.source_bucket
        state = "absent" if message.action == "disable" else "present"
        spec = CrrSpec(source_bucket=bucket, dest_region=setting("DEST_REGION"), dest_suffix=setting("DEST_SUFFIX", "-dr"),
                       rules=json_setting("REPLICATION_RULES", "null"), state=state,
                       role_propagation_timeout=int(setting("ROLE_PROPAGATION_TIMEOUT", "60")),
                       permissions_boundary=setting("PERMISSIONS_BOUNDARY_ARN"))
        try:
            result = apply_crr(aws, spec)
        except DRError as error:
            log_action("replication_failed", bucket, error=str(error), steps_done=error.done)
            raise
        log_action("replication_" + ("enabled" if state == "present" else "disabled"), bucket,
                   changed=result.changed, actions=result.actions, role_arn=result.data.get("role_arn"),
                   warnings=result.warnings)
        if state == "present" and int(setting("BACKFILL_MAX_OBJECTS", "10000")) > 0:
            copied = backfill(aws, BackfillSpec(source_bucket=bucket, dest_region=spec.dest_region,
                                                dest_suffix=spec.dest_suffix, concurrency=16,
                                                max_objects=int(setting("BACKFILL_MAX_OBJECTS", "10000"))))
            log_action("backfill", bucket, **{key: copied.data.get(key) for key in (
                "objects_scanned", "objects_copied", "objects_failed", "bytes_copied", "complete")})
        done.append(bucket)
    return {"done": done}
