# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory configurations; report bucket mapped, SSE-KMS key replaced through kms_key_map."""

from __future__ import annotations

import copy

from .base import IdCollection


class Inventory(IdCollection):
    name = "inventory"
    list_call = "list_bucket_inventory_configurations"
    list_key = "InventoryConfigurationList"
    put_call = "put_bucket_inventory_configuration"
    delete_call = "delete_bucket_inventory_configuration"
    config_param = "InventoryConfiguration"

    def rewrite_one(self, configuration, context):
        configuration = copy.deepcopy(configuration)
        destination = configuration["Destination"]["S3BucketDestination"]
        what = f"inventory configuration {configuration['Id']}"
        destination["Bucket"] = context.map_bucket_arn(destination["Bucket"], f"{what} report")
        kms = destination.get("Encryption", {}).get("SSEKMS")
        if kms:
            kms["KeyId"] = context.map_kms_key(kms["KeyId"], f"{what} report encryption")
        return configuration
