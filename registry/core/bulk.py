"""Fast bulk inserts: PostgreSQL COPY of plain values, bulk_create elsewhere.

Building a model instance and INSERT parameters costs ~0.5 ms a row in Django; usage reports
(10,000 lines) and billing runs (a million lines) insert far more than that allows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import models, transaction


def copy_insert(model: type[models.Model], rows: Iterable[dict]) -> int:
    """Insert rows given as {attname: value} for every non-pk concrete field; returns the count.
    Call inside a transaction. JSON fields take Python values; foreign keys take ids."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    json_names = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    connection = transaction.get_connection()
    count = 0
    if connection.vendor != "postgresql":
        batch = [model(**row) for row in rows]
        model.objects.bulk_create(batch, batch_size=2000)
        return len(batch)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[n]) if n in json_names else row[n] for n in names])
            count += 1
    return count
