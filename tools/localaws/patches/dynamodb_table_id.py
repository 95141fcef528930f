"""DescribeTable and CreateTable answer a ``TableId``, as DynamoDB does.

Upstream gap (moto 5.2.5, ``Table.describe``): the table description has no ``TableId`` (moto's
own source marks it as a TODO), although the DynamoDB API reference returns it for every table.
``community.aws.dynamodb_table`` reads it unconditionally and fails with ``KeyError: 'table_id'``,
so no playbook can create a table against the endpoint. This patch gives each table a UUID, made
once and kept for the table's life, in every description moto builds.
"""
from __future__ import annotations

import uuid

NAME = "dynamodb_table_id"


def apply() -> None:
    from moto.dynamodb.models.table import Table

    original_describe = Table.describe

    def describe(self, base_key: str = "TableDescription"):
        results = original_describe(self, base_key)
        if not hasattr(self, "localaws_table_id"):
            self.localaws_table_id = str(uuid.uuid4())
        results[base_key]["TableId"] = self.localaws_table_id
        return results

    Table.describe = describe
