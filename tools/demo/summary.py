"""Tag a bucket, wait for the pipeline to make it a DR pair, and print the pair."""
from __future__ import annotations

import argparse
import sys
import time

import boto3
from botocore.exceptions import ClientError

WAIT_SECONDS = 120


def replication_rules(s3, bucket: str) -> list[dict]:
    try:
        return s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ReplicationConfigurationNotFoundError":
            raise
        return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bucket")
    parser.add_argument("--tag", default="dr=true", help="KEY=VALUE to add to the bucket's tags")
    parser.add_argument("--dest-suffix", default="-dr")
    args = parser.parse_args()
    key, value = args.tag.split("=", 1)
    s3 = boto3.client("s3")
    tags = {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=args.bucket).get("TagSet", [])}
    tag_set = [{"Key": tag_key, "Value": tag_value} for tag_key, tag_value in {**tags, key: value}.items()]
    s3.put_bucket_tagging(Bucket=args.bucket, Tagging={"TagSet": tag_set})
    started = time.monotonic()
    while not (rules := replication_rules(s3, args.bucket)):
        if time.monotonic() - started > WAIT_SECONDS:
            print(f"{args.bucket}: no replication after {WAIT_SECONDS}s; see the functions' CloudWatch logs")
            return 1
        time.sleep(1)
    print(f"{args.bucket} became a DR pair {time.monotonic() - started:.1f}s after it was tagged {args.tag}:")
    dest = rules[0]["Destination"]["Bucket"].split(":::", 1)[1]
    dest_region = s3.get_bucket_location(Bucket=dest)["LocationConstraint"] or "us-east-1"
    print(f"  DR bucket     {dest} in {dest_region}")
    print(f"  versioning    source {s3.get_bucket_versioning(Bucket=args.bucket).get('Status')}, "
          f"DR {s3.get_bucket_versioning(Bucket=dest).get('Status')}")
    for rule in rules:
        print(f"  replication   rule {rule['ID']} {rule['Status']} -> {rule['Destination']['Bucket']}, "
              f"delete markers {rule.get('DeleteMarkerReplication', {}).get('Status', 'n/a')}")
    lifecycle = [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=dest).get("Rules", [])]
    cors = s3.get_bucket_cors(Bucket=dest).get("CORSRules", [])
    dest_tags = {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=dest).get("TagSet", [])}
    print(f"  cloned        lifecycle rules {lifecycle}, {len(cors)} CORS rule(s), tags {dest_tags} "
          f"(the trigger tag '{key}' is not copied)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
