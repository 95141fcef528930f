# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static website hosting."""

from __future__ import annotations

from ..errors import absent_on
from .base import Category, without_metadata


class Website(Category):
    name = "website"

    def read(self, s3, bucket):
        return without_metadata(absent_on(("NoSuchWebsiteConfiguration",), s3.get_bucket_website, Bucket=bucket))

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=value)

    def delete(self, s3, bucket, current):
        s3.delete_bucket_website(Bucket=bucket)
