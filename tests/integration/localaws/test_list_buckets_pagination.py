"""ListBuckets pages as S3 documents (patch s3_list_buckets_pagination), and the core's listing follows the pages."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for
from plugins.module_utils.core import fleet
from plugins.module_utils.core.clients import ClientFactory


def seed(server) -> tuple[str, list[str], list[str]]:
    prefix = f"lbp-{uuid.uuid4().hex[:8]}"
    here = [f"{prefix}-eu-{index}" for index in (3, 0, 4, 1, 2)]  # created out of name order
    there = [f"{prefix}-us-{index}" for index in range(2)]
    for names, region in ((here, "eu-west-1"), (there, "us-west-2")):
        s3 = client_for(server, "s3", region)
        for name in names:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return prefix, sorted(here), sorted(there)


def pages(server, **request) -> list[dict]:
    s3 = client_for(server, "s3", "eu-west-1")
    return list(s3.get_paginator("list_buckets").paginate(**request))


def check_pages_continue(server) -> None:
    prefix, here, there = seed(server)
    listed = pages(server, Prefix=prefix, PaginationConfig={"PageSize": 2})
    assert [len(page["Buckets"]) for page in listed] == [2, 2, 2, 1]
    assert [bucket["Name"] for page in listed for bucket in page["Buckets"]] == sorted(here + there)
    assert all(page["Prefix"] == prefix for page in listed)
    assert all("ContinuationToken" in page for page in listed[:-1]) and "ContinuationToken" not in listed[-1]
    regions = {bucket["Name"]: bucket["BucketRegion"] for page in listed for bucket in page["Buckets"]}
    assert {regions[name] for name in here} == {"eu-west-1"} and {regions[name] for name in there} == {"us-west-2"}
    in_region = pages(server, Prefix=prefix, BucketRegion="eu-west-1", PaginationConfig={"PageSize": 3})
    assert [bucket["Name"] for page in in_region for bucket in page["Buckets"]] == here


def test_list_buckets_pages_with_continuation_tokens_and_bucket_regions(localaws):
    check_pages_continue(localaws)


def test_without_patch_a_paginated_listing_stops_after_its_first_page(localaws_without):
    with pytest.raises(AssertionError):
        check_pages_continue(localaws_without("s3_list_buckets_pagination"))


def test_a_bad_continuation_token_is_refused(localaws):
    s3 = client_for(localaws, "s3", "eu-west-1")
    with pytest.raises(ClientError) as error:
        s3.list_buckets(ContinuationToken="not-a-token", MaxBuckets=5)
    assert error.value.response["Error"]["Code"] == "InvalidArgument"
    assert "continuation token provided is incorrect" in error.value.response["Error"]["Message"]


def test_an_unpaginated_listing_still_lists_every_bucket(localaws):
    _prefix, here, there = seed(localaws)
    names = {bucket["Name"] for bucket in client_for(localaws, "s3", "eu-west-1").list_buckets()["Buckets"]}
    assert set(here + there) <= names


def test_the_core_listing_follows_every_page_of_its_region(localaws, monkeypatch):
    prefix, here, _there = seed(localaws)
    monkeypatch.setattr(fleet, "LIST_BUCKETS_PAGE_SIZE", 2)
    clients = ClientFactory(lambda service, region: client_for(localaws, service, region))
    assert [name for name in fleet.buckets_in_region(clients, "eu-west-1") if name.startswith(prefix)] == here
