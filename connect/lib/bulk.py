"""Set-based writes for imports: thousands of rows in a few statements.

These bypass model signals (post_save / post_delete) on purpose: a caller that changes users in
bulk announces it once itself (customers.signals.users_changed), and writes the audit trail in
bulk. They run inside the caller's transaction; constraint violations raise IntegrityError as
any insert or update would.
"""

import datetime

from django.conf import settings
from django.db import connection, models


def bulk_insert(model, objs, batch_size=1000):
    """Insert rows whose ids nobody needs afterwards. On PostgreSQL through COPY (an order of
    magnitude faster than a multi-row INSERT for tens of thousands of rows), elsewhere
    bulk_create. Field defaults and auto_now_add are applied as bulk_create would."""
    objs = list(objs)
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    _copy(model, objs, with_ids=False)


def bulk_insert_with_ids(model, objs):
    """Insert rows and set their ids. On PostgreSQL the ids are drawn from the table's sequence in
    one query and the rows go in through COPY (a multi-row INSERT ... RETURNING costs more to
    build than to run); elsewhere bulk_create."""
    objs = list(objs)
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, value in zip(objs, ids, strict=True):
        obj.pk = value
        obj._state.adding = False
    _copy(model, objs, with_ids=True)


def copy_rows(model, names, rows):
    """PostgreSQL: COPY `rows` (tuples of values the database takes as they are, in the order of
    the field names `names`) into `model`'s table. For writers of many thousands of rows that
    need no model instances (no defaults, no pre_save: every column given)."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in names)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


# Field classes whose value, when it is exactly of this Python type, goes to the database as it
# is (get_db_prep_save would return it unchanged): skipping that call per value is most of what
# writing tens of thousands of rows costs in Python.
_PLAIN = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.BooleanField: bool,
}


def _plain_type(field):
    """The Python type whose values `field` stores unchanged, or None (always convert)."""
    if field.is_relation:
        field = field.target_field
        while field.is_relation:
            field = field.target_field
    return _PLAIN.get(type(field))


def _converter(field):
    """value of `obj` for COPY, as get_db_prep_save(pre_save(obj, True)) gives it."""
    plain = _plain_type(field)
    attname = field.attname
    needs_pre_save = type(field).pre_save is not models.Field.pre_save or getattr(field, "auto_now_add", False)
    # An aware datetime is what a DateTimeField stores on PostgreSQL as it is (only a naive one
    # is converted, with a warning): timezone.now() of auto_now_add, dates of a batch.
    aware = isinstance(field, models.DateTimeField) and settings.USE_TZ and connection.vendor == "postgresql"

    def convert(obj):
        value = field.pre_save(obj, True) if needs_pre_save else getattr(obj, attname)
        if value is None or type(value) is plain:
            return value
        if aware and type(value) is datetime.datetime and value.tzinfo is not None:
            return value
        return field.get_db_prep_save(value, connection)

    return convert


def insert_rows(model, names, rows):
    """Insert plain rows (tuples in the order of the field attnames `names`, values as the
    database takes them) without a model instance each: COPY on PostgreSQL, elsewhere
    bulk_create. Every column without a database default must be given."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(model, names, rows)
    else:
        model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=1000)


def _copy(model, objs, *, with_ids):
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    converters = [_converter(f) for f in fields]
    # The database's errors as Django's (IntegrityError ...), as for any other statement.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for obj in objs:
            copy.write_row([convert(obj) for convert in converters])


def bulk_set(model, name, values, batch_size=5000):
    """Set field `name` of many rows: `values` maps primary key -> new value. On PostgreSQL one
    UPDATE ... FROM unnest(ids, values) per batch (bulk_update's CASE WHEN per row costs more to
    build than to run); elsewhere bulk_update."""
    items = list(values.items())
    if not items:
        return
    field = model._meta.get_field(name)
    if connection.vendor != "postgresql":
        objs = []
        for pk, value in items:
            obj = model(pk=pk)
            setattr(obj, field.attname, value)
            objs.append(obj)
        model.objects.bulk_update(objs, [name], batch_size=500)
        return
    pk = model._meta.pk
    quote = connection.ops.quote_name
    table, column, pk_column = quote(model._meta.db_table), quote(field.column), quote(pk.column)
    sql = (
        f"UPDATE {table} SET {column} = v.value "
        f"FROM unnest(%s::{pk.rel_db_type(connection)}[], %s::{field.cast_db_type(connection)}[]) AS v(id, value) "
        f"WHERE {table}.{pk_column} = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            cursor.execute(
                sql,
                [
                    [key for key, _value in batch],
                    [field.get_db_prep_save(value, connection) for _key, value in batch],
                ],
            )


def bulk_delete(queryset):
    """Delete the rows of `queryset` in one statement, without signals or cascades (Django's own
    fast-delete path). For rows nothing else references, or whose dependants are deleted first."""
    return queryset._raw_delete(queryset.db)
