"""Print what the DR side of a bucket looks like: DR bucket, versioning, replication."""
from __future__ import annotations

import sys

import boto3
from botocore.exceptions import ClientError


def main(source_bucket: str, dest_suffix: str = "-dr") -> int:
    s3 = boto3.client("s3")
    dest_bucket = source_bucket + dest_suffix
    names = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    versioning = s3.get_bucket_versioning(Bucket=source_bucket).get("Status", "never enabled")
    print(f"source bucket   {source_bucket}: versioning {versioning}")
    if dest_bucket in names:
        region = s3.get_bucket_location(Bucket=dest_bucket)["LocationConstraint"] or "us-east-1"
        print(f"DR bucket       {dest_bucket} in {region}")
    else:
        print(f"DR bucket       {dest_bucket}: does not exist")
    try:
        rules = s3.get_bucket_replication(Bucket=source_bucket)["ReplicationConfiguration"]["Rules"]
        for rule in rules:
            print(f"replication     rule {rule['ID']} {rule['Status']} -> {rule['Destination']['Bucket']}")
    except ClientError as error:
        if error.response["Error"]["Code"] != "ReplicationConfigurationNotFoundError":
            raise
        print("replication     not configured")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
