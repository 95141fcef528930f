# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requester pays. BucketOwner is the default."""

from __future__ import annotations

from .base import Category


class RequestPayment(Category):
    name = "request-payment"

    def read(self, s3, bucket):
        return s3.get_bucket_request_payment(Bucket=bucket).get("Payer")

    def normalize(self, value):
        return None if value in (None, "BucketOwner") else value

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": value})

    def delete(self, s3, bucket, current):
        s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "BucketOwner"})
