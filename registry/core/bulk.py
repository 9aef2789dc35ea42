"""Fast bulk inserts: PostgreSQL COPY of plain values, bulk_create elsewhere.

Building a model instance and INSERT parameters costs ~0.5 ms a row in Django; usage reports
(10,000 lines) and billing runs (a million lines) insert far more than that allows.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction


@dataclass(frozen=True, slots=True)
class EncodedJson:
    """A JSON field's value with its text, for a value many rows share: encoded once by the
    caller, not once a row (a billing run's lines repeat a few terms snapshots)."""

    value: object
    text: str

    @classmethod
    def of(cls, value: object) -> EncodedJson:
        return cls(value, json.dumps(value))


def copy_insert(model: type[models.Model], rows: Iterable[dict]) -> int:
    """Insert rows given as {attname: value} for every non-pk concrete field; returns the count.
    Call inside a transaction. JSON fields take Python values (or EncodedJson); foreign keys
    take ids."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return len(_bulk_created(model, rows))
    return _copy(connection, model, rows, with_pk=False)


def copy_insert_with_ids(model: type[models.Model], rows: list[dict]) -> list[int]:
    """copy_insert, returning the rows' ids in their order. COPY returns nothing, so on
    PostgreSQL the ids are taken from the table's sequence first and copied in with the rows
    (bulk_create would encode each JSON value again and build a placeholder a value)."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return [made.pk for made in _bulk_created(model, rows)]
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        ids = [value for (value,) in cursor.fetchall()]
    _copy(connection, model, ({pk.attname: i, **row} for i, row in zip(ids, rows, strict=True)), with_pk=True)
    return ids


def _bulk_created(model: type[models.Model], rows: Iterable[dict]) -> list[models.Model]:
    """The rows inserted with bulk_create (the backends without COPY), with their ids."""
    json_names = {f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"}
    return model.objects.bulk_create([model(**_decoded(row, json_names)) for row in rows], batch_size=2000)


def _copy(connection, model: type[models.Model], rows: Iterable[dict], *, with_pk: bool) -> int:
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    names = [f.attname for f in fields]
    json_names = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    count = 0
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values_of = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    json_positions = [i for i, n in enumerate(names) if n in json_names]
    to_json = _json_encoder()
    # psycopg's own errors, as Django's (IntegrityError for a duplicate key), like any statement's.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = list(values_of(row))
            for i in json_positions:
                values[i] = to_json(values[i])
            copy.write_row(values)
            count += 1
    return count


def _decoded(row: dict, json_names: set[str]) -> dict:
    """The row with its EncodedJson values as the values they encode (for bulk_create)."""
    encoded = [n for n in json_names if type(row.get(n)) is EncodedJson]
    return {**row, **{n: row[n].value for n in encoded}} if encoded else row


def _json_encoder():
    """json.dumps, remembering the text of lists of strings: the rows of one insert repeat a
    few such lists (a report's media and territories) thousands of times."""
    known: dict[tuple[str, ...], str] = {}

    def to_json(value) -> str:
        if type(value) is EncodedJson:
            return value.text
        if type(value) is list and all(type(item) is str for item in value):
            key = tuple(value)
            text = known.get(key)
            if text is None:
                text = known[key] = json.dumps(value)
            return text
        return json.dumps(value)

    return to_json
