# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage class analysis configurations; their export bucket is mapped to the DR side."""

from __future__ import annotations

import copy

from .base import IdCollection


class Analytics(IdCollection):
    name = "analytics"
    list_call = "list_bucket_analytics_configurations"
    list_key = "AnalyticsConfigurationList"
    put_call = "put_bucket_analytics_configuration"
    delete_call = "delete_bucket_analytics_configuration"
    config_param = "AnalyticsConfiguration"

    def rewrite_one(self, configuration, context):
        configuration = copy.deepcopy(configuration)
        export = configuration.get("StorageClassAnalysis", {}).get("DataExport", {})
        destination = export.get("Destination", {}).get("S3BucketDestination")
        if destination:
            destination["Bucket"] = context.map_bucket_arn(
                destination["Bucket"], f"analytics configuration {configuration['Id']} export")
        return configuration
