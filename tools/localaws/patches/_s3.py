"""Small S3 wire-format helpers shared by the S3 patches."""
from __future__ import annotations

from xml.sax.saxutils import escape

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def error_response(status: int, code: str, message: str, bucket_name: str) -> tuple[int, dict, str]:
    """An S3 error document, as real S3 returns it."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message><BucketName>{escape(bucket_name)}</BucketName></Error>")
    return status, {"content-type": "application/xml"}, body


def query_flag(querystring: dict, *names: str) -> str | None:
    """The first of the sub-resource names present in the query string."""
    return next((name for name in names if name in querystring), None)
