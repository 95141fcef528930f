"""GetBucketVersioning returns ``MFADelete`` once it has been configured.

Upstream gap (moto 5.2.5, ``S3Response._bucket_response_put`` and ``get_bucket_versioning``): moto
reads only ``<Status>`` from PutBucketVersioning, so ``<MfaDelete>`` is ignored and never returned.
S3 returns ``MfaDelete`` (Enabled or Disabled) once a PutBucketVersioning has set it, and leaves
the element out for a bucket that was never so configured (VersioningConfiguration in the S3 API
reference). This patch keeps the MFA delete state from a successful put and adds it to the GET;
a value other than Enabled/Disabled is MalformedXML, as in S3. Not modelled: S3 also requires the
``x-amz-mfa`` header (a device serial and code) to change it; moto has no MFA devices to check.
"""
from __future__ import annotations

from xml.parsers.expat import ExpatError

import xmltodict

NAME = "s3_versioning_roundtrip"
MFA_DELETE_STATES = ("Enabled", "Disabled")


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import MalformedXML
    from moto.s3.responses import S3Response

    original_put = S3Response._bucket_response_put

    def _bucket_response_put(self, request, bucket_name, querystring):
        if "versioning" not in querystring:
            return original_put(self, request, bucket_name, querystring)
        mfa_delete = _mfa_delete_sent(self.body)
        if mfa_delete is not None and mfa_delete not in MFA_DELETE_STATES:
            raise MalformedXML()
        response = original_put(self, request, bucket_name, querystring)
        if mfa_delete is not None and not (isinstance(response, tuple) and int(response[0]) >= 300):
            self.backend.get_bucket(bucket_name).localaws_mfa_delete = mfa_delete
        return response

    def get_bucket_versioning(self):
        bucket = self.backend.get_bucket(self.bucket_name)
        result = {"Status": bucket.versioning_status}
        mfa_delete = getattr(bucket, "localaws_mfa_delete", None)
        if mfa_delete:
            result["MFADelete"] = mfa_delete
        self.data["Action"] = "GetBucketVersioning"
        return self.serialized(ActionResult(result))

    S3Response._bucket_response_put = _bucket_response_put
    S3Response.get_bucket_versioning = get_bucket_versioning


def _mfa_delete_sent(body: bytes | str) -> str | None:
    try:
        configuration = xmltodict.parse(body).get("VersioningConfiguration") or {}
    except ExpatError:
        return None  # moto answers the malformed body
    return configuration.get("MfaDelete")
