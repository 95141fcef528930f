"""Get/ListBucketInventoryConfiguration(s) return each inventory configuration as it was put.

Upstream gap (moto 5.2.5, ``S3Response.get_bucket_inventory_configuration`` and
``list_bucket_inventory_configurations``): ``IncludedObjectVersions`` is always answered ``All``
(``Current`` is lost), ``Destination.S3BucketDestination.Encryption.SSES3`` (the empty
``<SSE-S3/>`` element) comes back as an empty ``Encryption``, and the list answers
``OptionalFields: ["Field"]`` instead of the fields, in put order where S3 lists by Id. moto keeps
the configuration in a ``FakeBucketInventoryConfiguration`` built from the parsed document; this
patch keeps the document as sent on that object and serializes it, as S3 does.
"""
from __future__ import annotations

import xmltodict

from ._s3 import S3_XMLNS

NAME = "s3_inventory_roundtrip"


def apply() -> None:
    from moto.s3.responses import S3Response

    original_put = S3Response._bucket_response_put
    original_get = S3Response.get_bucket_inventory_configuration
    original_list = S3Response.list_bucket_inventory_configurations

    def _bucket_response_put(self, request, bucket_name, querystring):
        response = original_put(self, request, bucket_name, querystring)  # moto parses and stores its model
        if "inventory" not in querystring or (isinstance(response, tuple) and int(response[0]) >= 300):
            return response
        document = _without_attributes(xmltodict.parse(self.body)["InventoryConfiguration"])
        # The object moto just stored under this Id; a later put replaces it, and the document with it.
        self.backend.get_bucket(bucket_name).inventory_configs[document["Id"]].localaws_document = document
        return response

    def get_bucket_inventory_configuration(self):
        stored = self.backend.get_bucket_inventory_configuration(bucket_name=self.bucket_name,
                                                                 id=self.querystring["id"][0])  # moto's 404
        document = getattr(stored, "localaws_document", None)
        if document is None:
            return original_get(self)
        self.data["Action"] = "GetBucketInventoryConfiguration"
        return xmltodict.unparse({"InventoryConfiguration": {"@xmlns": S3_XMLNS, **document}})

    def list_bucket_inventory_configurations(self):
        stored = sorted(self.backend.list_bucket_inventory_configurations(bucket_name=self.bucket_name),
                        key=lambda configuration: configuration.id)
        documents = [getattr(configuration, "localaws_document", None) for configuration in stored]
        if None in documents:
            return original_list(self)
        self.data["Action"] = "ListBucketInventoryConfigurations"
        return xmltodict.unparse({"ListInventoryConfigurationsResult": {
            "@xmlns": S3_XMLNS, "InventoryConfiguration": documents, "IsTruncated": "false"}})

    S3Response._bucket_response_put = _bucket_response_put
    S3Response.get_bucket_inventory_configuration = get_bucket_inventory_configuration
    S3Response.list_bucket_inventory_configurations = list_bucket_inventory_configurations


def _without_attributes(document: dict) -> dict:
    return {key: value for key, value in document.items() if not key.startswith("@")}
