# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 Intelligent-Tiering archive configurations."""

from __future__ import annotations

from .base import IdCollection


class IntelligentTiering(IdCollection):
    name = "intelligent-tiering"
    list_call = "list_bucket_intelligent_tiering_configurations"
    list_key = "IntelligentTieringConfigurationList"
    put_call = "put_bucket_intelligent_tiering_configuration"
    delete_call = "delete_bucket_intelligent_tiering_configuration"
    config_param = "IntelligentTieringConfiguration"
