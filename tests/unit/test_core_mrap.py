"""core/mrap pure parts: names, input problems, the route control Region."""
from __future__ import annotations

import pytest

from plugins.module_utils.core.mrap import MrapSpec, control_region_for, spec_problems
from plugins.module_utils.core.naming import mrap_name_for, mrap_name_problem


@pytest.mark.parametrize("source, start", [
    ("app-data", "app-data"),
    ("logs.example.com", "logs-example-com"),
    ("a" * 63, "a" * 41 + "-"),  # cut, then an 8-character hash: 50 characters
])
def test_default_name_is_the_source_bucket_as_a_valid_mrap_name(source, start):
    name = mrap_name_for(source)
    assert name.startswith(start) and len(name) == max(len(start), 50 if len(source) > 50 else len(start))
    assert mrap_name_problem(name) is None


def test_long_names_stay_unique():
    assert mrap_name_for("a" * 60 + "one") != mrap_name_for("a" * 60 + "two")


def test_problems_are_named_before_any_call():
    problems = spec_problems(MrapSpec(source_bucket="app", name="Bad_Name", active="both", control_region="eu-central-1",
                                      wait_timeout=-1, reverse_rule_id="dr"))
    text = "; ".join(problems)
    assert "Multi-Region Access Point name 'Bad_Name'" in text
    assert "active must be source or dest, not 'both'" in text
    assert "control_region 'eu-central-1' serves no Multi-Region Access Point routes" in text
    assert "wait_timeout must be 0 or more seconds" in text
    assert "reverse_rule_id 'dr' is also the id of a source -> DR rule" in text
    assert spec_problems(MrapSpec(source_bucket="app")) == []


def mrap(*buckets_regions):
    return {"regions": [{"bucket": bucket, "region": region} for bucket, region in buckets_regions]}


@pytest.mark.parametrize("pair, active, expected", [
    ((("src", "eu-west-1"), ("dst", "eu-central-1")), "src", "eu-west-1"),       # the active side serves routes
    ((("src", "eu-west-1"), ("dst", "eu-central-1")), "dst", "us-east-1"),       # never the Region being left
    ((("src", "us-east-1"), ("dst", "eu-central-1")), "dst", "us-west-2"),
    ((("src", "us-east-1"), ("dst", "us-west-2")), "dst", "us-west-2"),
    ((("src", "eu-west-1"), ("dst", "eu-central-1")), None, "us-east-1"),        # reading: a Region of neither bucket
])
def test_control_region_avoids_the_passive_buckets_region(pair, active, expected):
    assert control_region_for(mrap(*pair), active) == expected
