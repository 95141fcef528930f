"""Buckets a CloudFormation stack creates carry the stack's aws:cloudformation:* tags.

Upstream gap (moto 5.2.5, ``FakeBucket.create_from_cloudformation_json``): a stack's bucket gets only
the template's Tags. AWS (CloudFormation User Guide, "Resource tag": "AWS CloudFormation
automatically creates the following stack-level tags with the prefix aws: aws:cloudformation:logical-id,
aws:cloudformation:stack-id, aws:cloudformation:stack-name") propagates them to the resources that
support tags, S3 buckets among them; a requester cannot set them (PutBucketTagging answers InvalidTag),
so without this patch no test could make a bucket look CloudFormation-owned.
"""
from __future__ import annotations

NAME = "cloudformation_stack_tags"


def apply() -> None:
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    original = FakeBucket.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        stack_id = kwargs.get("StackId") or ""
        if stack_id:
            backend = s3_backends[account_id][get_partition(region_name)]
            tags = backend.tagger.get_tag_dict_for_resource(bucket.arn)
            tags.update({"aws:cloudformation:stack-name": stack_id.split("/")[1], "aws:cloudformation:stack-id": stack_id,
                         "aws:cloudformation:logical-id": kwargs.get("LogicalId", "")})
            backend.put_bucket_tagging(bucket.name, tags)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
