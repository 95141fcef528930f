"""Small S3 wire-format helpers shared by the S3 patches."""
from __future__ import annotations

from xml.sax.saxutils import escape

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def error_response(status: int, code: str, message: str, bucket_name: str,
                   details: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """An S3 error document, as real S3 returns it (``details``: extra elements, such as ArgumentName1)."""
    extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in (details or {}).items())
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message><BucketName>{escape(bucket_name)}</BucketName>{extra}</Error>")
    return status, {"content-type": "application/xml"}, body


def query_flag(querystring: dict, *names: str) -> str | None:
    """The first of the sub-resource names present in the query string."""
    return next((name for name in names if name in querystring), None)


def requested_acl(response, query: dict, headers) -> "object | None":
    """The ACL a PUT/POST request asks for (moto's FakeAcl): from the x-amz-acl / x-amz-grant-* headers,
    or, for the ``?acl`` sub-resource, from the AccessControlPolicy body. None when it asks for none."""
    acl = response._acl_from_headers(headers)
    if acl is None and "acl" in query and response.body:
        try:
            acl = response._acl_from_body()
        except Exception:  # noqa: BLE001 - a malformed body is moto's to refuse, with its own error
            return None
    return acl


def explicit_acl_headers(headers) -> bool:
    return any(name.lower() == "x-amz-acl" or name.lower().startswith("x-amz-grant-") for name in headers.keys())


def refuse_before_puts(bucket_refusal, object_refusal) -> None:
    """Answer S3's refusal instead of moto's handling, for bucket PUTs and for object PUTs and multipart creations.

    ``bucket_refusal(response, request, bucket_name, querystring)`` and
    ``object_refusal(response, query, headers, bucket_name)`` return an error response, or None to let moto go on.
    """
    from moto.s3.responses import S3Response

    original_bucket_put = S3Response._bucket_response_put
    original_key_put = S3Response._key_response_put
    original_key_post = S3Response._key_response_post

    def _bucket_response_put(self, request, bucket_name, querystring):
        return (bucket_refusal(self, request, bucket_name, querystring)
                or original_bucket_put(self, request, bucket_name, querystring))

    def _key_response_put(self, query, key_name):
        return object_refusal(self, query, self.headers, self.bucket_name) or original_key_put(self, query, key_name)

    def _key_response_post(self, request, body, bucket_name, query, key_name):
        refusal = object_refusal(self, query, request.headers, bucket_name) if "uploads" in query else None
        return refusal or original_key_post(self, request, body, bucket_name, query, key_name)

    S3Response._bucket_response_put = _bucket_response_put
    S3Response._key_response_put = _key_response_put
    S3Response._key_response_post = _key_response_post
