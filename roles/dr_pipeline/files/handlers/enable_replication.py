"""Source Region: merge our replication rule into the bucket's configuration, never wiping others.

Then copies the objects that existed before replication (into a DR account: starts one S3 Batch Replication
job per pair instead, see start_batch_replication), until the invocation's time is nearly up
(BACKFILL_TIME_RESERVE is left for the copies under way and the next step); when objects remain, it
publishes the same pair again to topic 2 with the key where its backfill stopped (``backfill_after``),
so the next invocation goes on from there. A lost continuation costs time, never data: the scheduled
sweep starts the pair over from the first key, skipping what is already copied. Also restores replication when
someone deleted it from a still-tagged bucket (self-heal), and removes our rule when the bucket was
untagged and ON_UNTAG is "disable". Acts only on messages that the source bucket's real tags and
owner confirm (pipeline_common.confirmed_messages); others are logged as rejected.
"""

from __future__ import annotations

import dataclasses

from pipeline_common import clients, confirmed_messages, copy_clients, json_setting, log_action, publish, setting
from s3dr_core.backfill import backfill
from s3dr_core.crr import apply_crr
from s3dr_core.errors import DRError
from s3dr_core.specs import backfill_spec, crr_spec

# Left of the function's time when the backfill starts no more copies: for the copies under way (one
# CopyObject of up to multipart_threshold bytes each) and the continuation's publish.
BACKFILL_TIME_RESERVE = 0.2
BACKFILL_MIN_RESERVE_SECONDS = 2.0


def backfill_seconds(context) -> float | None:
    """How long this invocation's backfill may start copies (None without a Lambda context: no limit)."""
    if context is None:
        return None
    remaining = context.get_remaining_time_in_millis() / 1000
    return max(0.001, remaining - max(BACKFILL_MIN_RESERVE_SECONDS, remaining * BACKFILL_TIME_RESERVE))


def start_batch_replication(bucket: str, job_spec) -> None:
    """Cross-account DR: the pair's replication role writes the existing objects into the DR account through one S3
    Batch Replication job. The core reports a job of ours that still runs (or ended today) instead of making a second
    one, so a repeated event or the sweep starts nothing new. A refusal is logged and raised (the DLQ keeps the event),
    as a failed replication setup is."""
    try:
        job = backfill(clients(), job_spec)
    except DRError as error:
        log_action("backfill_failed", bucket, method=job_spec.method, error=str(error))
        raise
    log_action("backfill", bucket, method=job_spec.method, changed=job.changed, **{key: job.data.get(key) for key in (
        "job_id", "job_created", "job_status", "report")})


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
        if state == "present" and backfill_options is not None and backfill_options.get("method") == "batch_replication":
            start_batch_replication(bucket, backfill_spec(backfill_options, strict=True, source_bucket=bucket,
                                                          dest_region=spec.dest_region))
        elif state == "present" and backfill_options is not None:
            copy_spec = backfill_spec(backfill_options, strict=True, source_bucket=bucket, dest_region=spec.dest_region,
                                      start_after=message.backfill_after, max_seconds=backfill_seconds(context))
            copied = backfill(copy_clients(copy_spec.concurrency), copy_spec)
            log_action("backfill", bucket, start_after=copy_spec.start_after, **{key: copied.data.get(key) for key in (
                "objects_scanned", "objects_copied", "objects_failed", "bytes_copied", "complete", "limit_reached",
                "resume_after")})
            resume_after = copied.data["resume_after"]
            if not copied.data["complete"] and resume_after and resume_after != copy_spec.start_after:
                publish(aws, setting("REPLICATION_TOPIC_ARN"), dataclasses.replace(
                    message, cause="backfill continues", backfill_after=resume_after))
                log_action("backfill_continues", bucket, backfill_after=resume_after)
        done.append(bucket)
    return {"done": done}
