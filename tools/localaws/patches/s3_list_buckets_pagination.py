"""ListBuckets pages with ``ContinuationToken`` and answers each bucket's ``BucketRegion``, as S3 documents.

Upstream gap (moto 5.2.5, ``S3Response.all_buckets`` / ``S3Backend.list_buckets``): ``max-buckets``
cuts the list and returns no ``ContinuationToken``, so a paginated listing silently stops after its
first page (an account with 25,000 buckets lists 10,000); ``continuation-token`` is ignored, the
answer has no ``BucketRegion`` and no ``Prefix``, and the buckets come in creation order.

The S3 API reference (ListBuckets): ``max-buckets`` is 1 to 10,000; with ``bucket-region``, ``prefix``
or ``continuation-token`` and no ``max-buckets`` S3 applies a page size of 10,000 and "provides a
continuation token if there are more buckets"; ``ContinuationToken`` in the answer "is included in the
response when there are more buckets that can be listed", is obfuscated, and continues the listing;
each bucket carries ``BucketRegion``; the answer echoes ``Prefix``. Buckets are listed by name. A bad
token or page size is ``400 InvalidArgument``. An unpaginated call still lists every bucket (accounts
at the default quota of 10,000).
"""
from __future__ import annotations

import base64
import binascii

NAME = "s3_list_buckets_pagination"
MAX_BUCKETS = 10000


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(f"after:{name}".encode()).decode()


def _after(token: str) -> str:
    from moto.s3.exceptions import InvalidContinuationToken

    try:
        decoded = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidContinuationToken() from None
    if not decoded.startswith("after:"):
        raise InvalidContinuationToken()
    return decoded[len("after:"):]


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import InvalidArgumentError
    from moto.s3.responses import S3Response

    def all_buckets(self):
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        prefix = self._get_param("prefix")
        bucket_region = self._get_param("bucket-region")
        token = self._get_param("continuation-token")
        max_buckets = self._get_param("max-buckets")
        paginated = bool(max_buckets or prefix or bucket_region or token is not None)
        if max_buckets is not None:
            if not str(max_buckets).isdigit() or not 1 <= int(max_buckets) <= MAX_BUCKETS:
                raise InvalidArgumentError(f"max-buckets must be between 1 and {MAX_BUCKETS}", "max-buckets",
                                           str(max_buckets))
        page_size = int(max_buckets) if max_buckets else MAX_BUCKETS
        after = _after(token) if token else None
        buckets = sorted(self.backend.list_buckets(prefix=prefix, bucket_region=bucket_region, max_buckets=None),
                         key=lambda bucket: bucket.name)
        if after is not None:
            buckets = [bucket for bucket in buckets if bucket.name > after]
        page = buckets[:page_size] if paginated else buckets
        result = {
            "Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
            "Buckets": [{"Name": bucket.name, "CreationDate": bucket.creation_date_ISO8601,
                         "BucketRegion": bucket.region_name} for bucket in page],
        }
        if paginated and len(buckets) > len(page):
            result["ContinuationToken"] = _token(page[-1].name)
        if prefix:
            result["Prefix"] = prefix
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    S3Response.all_buckets = all_buckets
