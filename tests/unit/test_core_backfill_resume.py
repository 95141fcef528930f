"""core/backfill.py resumes: a run stopped at a limit (time, objects) says where the next one goes on
(``resume_after`` -> ``start_after``), and a chain of such runs copies every object exactly once."""
from __future__ import annotations

import pytest

from plugins.module_utils.core.backfill import BackfillSpec, backfill, spec_problems
from tests.unit import test_core_backfill
from tests.unit.test_core_backfill import DEST, DR_REGION, SOURCE, SOURCE_REGION, dest_keys, put

aws = test_core_backfill.aws  # the same moto fixture: two buckets in two Regions

OBJECTS = 120


def chain(clients, **options) -> list[dict]:
    """Runs of the backfill, each starting where the one before stopped, until one is complete."""
    runs, start_after = [], None
    while not runs or not runs[-1]["complete"]:
        assert len(runs) < OBJECTS + 1, "the chain makes no progress"
        spec = BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION, start_after=start_after, **options)
        runs.append(backfill(clients, spec).data)
        start_after = runs[-1]["resume_after"]
    return runs


def test_runs_bounded_by_time_together_copy_everything_once(aws):
    keys = sorted(f"data/{index:04}.bin" for index in range(OBJECTS))
    for key in keys:
        put(aws, key)

    runs = chain(aws, concurrency=1, max_seconds=0.05)

    assert len(runs) >= 2, "a run bounded to 50 ms copied the whole bucket: the bound was not applied"
    assert all(run["limit_reached"] == "max_seconds" for run in runs[:-1])
    assert sum(run["objects_copied"] for run in runs) == OBJECTS  # none twice
    assert sum(run["objects_scanned"] for run in runs) == OBJECTS  # each run lists only what is left
    assert dest_keys(aws) == keys
    assert runs[-1]["resume_after"] is None


def test_an_object_a_worker_leaves_at_the_object_limit_is_where_the_next_run_begins(aws):
    keys = [f"k{index:02}" for index in range(10)]
    for key in keys:
        put(aws, key)
    # Same size on the DR side, other content: a worker decides (HeadObject) and may meet the limit.
    for key in keys[::2]:
        aws("s3", DR_REGION).put_object(Bucket=DEST, Key=key, Body=b"z" * 10)

    runs = chain(aws, concurrency=4, max_objects=3)

    assert sum(run["objects_copied"] for run in runs) == len(keys)
    copies = {key: aws("s3", DR_REGION).get_object(Bucket=DEST, Key=key)["Body"].read() for key in keys}
    source = {key: aws("s3", SOURCE_REGION).get_object(Bucket=SOURCE, Key=key)["Body"].read() for key in keys}
    assert copies == source


@pytest.mark.parametrize(("options", "message"), [
    ({"max_seconds": 0}, "max_seconds must be more than 0"),
    ({"start_after": "k" * 1025}, "start_after must be an object key (1024 bytes at most)"),
])
def test_bad_resume_options_are_refused_before_any_call(options, message):
    assert message in "; ".join(spec_problems(BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION, **options)))
