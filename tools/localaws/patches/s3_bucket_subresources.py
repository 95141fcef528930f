"""Bucket request payment, metrics, analytics and intelligent-tiering configurations.

Upstream gap (moto 5.2.5, ``S3Response._bucket_response_put/get/delete``): these sub-resources
are not dispatched, so ``PutBucketRequestPayment`` and every ``Put/Get/Delete/List`` call of
``BucketMetricsConfiguration``, ``BucketAnalyticsConfiguration`` and
``BucketIntelligentTieringConfiguration`` fall through to CreateBucket and fail with
IllegalLocationConstraintException. This patch implements them as the S3 API reference documents
them: configurations stored per bucket by ``id``, returned as stored, 404
``NoSuchConfiguration`` for an unknown id, lists paged by ``continuation-token`` (100 a page).
"""
from __future__ import annotations

import base64
from xml.etree import ElementTree

from ._s3 import S3_XMLNS, error_response, query_flag

NAME = "s3_bucket_subresources"
LIST_PAGE_SIZE = 100

# query flag -> (configuration element, list result element)
CONFIGURATION_KINDS = {
    "metrics": ("MetricsConfiguration", "ListMetricsConfigurationsResult"),
    "analytics": ("AnalyticsConfiguration", "ListBucketAnalyticsConfigurationResult"),
    "intelligent-tiering": ("IntelligentTieringConfiguration", "ListBucketIntelligentTieringConfigurationsOutput"),
}
PAYERS = ("BucketOwner", "Requester")


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response

    def _bucket_response(self, request, full_url):
        querystring = self._get_querystring(request, full_url)
        kind = query_flag(querystring, "requestPayment", *CONFIGURATION_KINDS)
        bucket_name = self.parse_bucket_name_from_url(request, full_url)
        if not kind or not bucket_name or request.method not in ("GET", "PUT", "DELETE"):
            return original(self, request, full_url)
        self._set_action("BUCKET", request.method, querystring)
        self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)
        bucket = self.backend.get_bucket(bucket_name)  # NoSuchBucket is raised and serialized by moto
        if kind == "requestPayment":
            return _request_payment(bucket, request.method, self.body)
        config_id = querystring.get("id", [None])[0]
        token = querystring.get("continuation-token", [None])[0]
        return _configuration(bucket, kind, request.method, config_id, token, self.body)

    S3Response._bucket_response = _bucket_response


def _request_payment(bucket, method: str, body: bytes | str):
    if method == "GET":
        payer = getattr(bucket, "localaws_request_payer", "BucketOwner")
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<RequestPaymentConfiguration xmlns="{S3_XMLNS}">'
                f"<Payer>{payer}</Payer></RequestPaymentConfiguration>")
    if method == "PUT":
        root = _parse(body)
        payer = root.findtext("Payer") if root is not None else None
        if root is None or root.tag != "RequestPaymentConfiguration" or payer not in PAYERS:
            return _malformed(bucket.name)
        bucket.localaws_request_payer = payer
        return 200, {}, ""
    return error_response(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
                          bucket.name)


def _configuration(bucket, kind: str, method: str, config_id: str | None, token: str | None, body):
    element, list_element = CONFIGURATION_KINDS[kind]
    stored: dict[str, str] = bucket.__dict__.setdefault("localaws_configurations", {}).setdefault(kind, {})
    if method == "GET" and config_id is None:
        return _list(stored, element, list_element, token)
    if not config_id:
        return error_response(400, "InvalidArgument", "Configuration id is required.", bucket.name)
    if method == "PUT":
        root = _parse(body)
        if root is None or root.tag != element:
            return _malformed(bucket.name)
        if root.findtext("Id") != config_id:
            return error_response(400, "InvalidArgument",
                                  "The id in the configuration must match the id in the request.", bucket.name)
        stored[config_id] = _serialize(root)
        return 204, {}, ""
    if config_id not in stored:
        return error_response(404, "NoSuchConfiguration", "The specified configuration does not exist.", bucket.name)
    if method == "DELETE":
        del stored[config_id]
        return 204, {}, ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{_with_namespace(stored[config_id], element)}'


def _list(stored: dict[str, str], element: str, list_element: str, token: str | None):
    ids = sorted(stored)
    start = ids.index(_decode(token)) if token and _decode(token) in ids else 0
    page, rest = ids[start:start + LIST_PAGE_SIZE], ids[start + LIST_PAGE_SIZE:]
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{list_element} xmlns="{S3_XMLNS}">',
             f"<IsTruncated>{'true' if rest else 'false'}</IsTruncated>"]
    if token:
        parts.append(f"<ContinuationToken>{token}</ContinuationToken>")
    if rest:
        parts.append(f"<NextContinuationToken>{_encode(rest[0])}</NextContinuationToken>")
    parts += [_strip_namespace_declaration(stored[config_id]) for config_id in page]
    parts.append(f"</{list_element}>")
    return "".join(parts)


def _parse(body: bytes | str):
    """The document's root with namespaces dropped from tags (clients may send it with or without)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for node in root.iter():
        node.tag = node.tag.rsplit("}", 1)[-1]
    return root


def _serialize(root) -> str:
    return ElementTree.tostring(root, encoding="unicode")


def _with_namespace(xml: str, element: str) -> str:
    return xml.replace(f"<{element}>", f'<{element} xmlns="{S3_XMLNS}">', 1)


def _strip_namespace_declaration(xml: str) -> str:
    return xml.replace(f' xmlns="{S3_XMLNS}"', "", 1)


def _malformed(bucket_name: str):
    return error_response(400, "MalformedXML", "The XML you provided was not well-formed or did not validate "
                          "against our published schema", bucket_name)


def _encode(config_id: str) -> str:
    return base64.urlsafe_b64encode(config_id.encode()).decode()


def _decode(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        return ""
