# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch request metrics configurations; access point filters are bucket-specific."""

from __future__ import annotations

from .base import IdCollection, Unmapped


class Metrics(IdCollection):
    name = "metrics"
    list_call = "list_bucket_metrics_configurations"
    list_key = "MetricsConfigurationList"
    put_call = "put_bucket_metrics_configuration"
    delete_call = "delete_bucket_metrics_configuration"
    config_param = "MetricsConfiguration"

    def rewrite_one(self, configuration, context):
        metrics_filter = configuration.get("Filter") or {}
        access_point = metrics_filter.get("AccessPointArn") or (metrics_filter.get("And") or {}).get("AccessPointArn")
        if access_point:
            mapped = context.policy_value_map.get(access_point)
            if not mapped:
                raise Unmapped(f"metrics configuration {configuration['Id']} filters on access point {access_point}, "
                               "which belongs to the source bucket; map it in policy_value_map")
            return _replace(configuration, access_point, mapped)
        return super().rewrite_one(configuration, context)


def _replace(value, old, new):
    if isinstance(value, dict):
        return {key: _replace(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    return new if value == old else value
