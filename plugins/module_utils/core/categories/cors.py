# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CORS rules."""

from __future__ import annotations

from ..errors import absent_on
from .base import Category


class Cors(Category):
    name = "cors"

    def read(self, s3, bucket):
        response = absent_on(("NoSuchCORSConfiguration",), s3.get_bucket_cors, Bucket=bucket)
        return response["CORSRules"] if response else None

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": value})

    def delete(self, s3, bucket, current):
        s3.delete_bucket_cors(Bucket=bucket)
