"""Inserts and updates of single model rows with the SQL built once per model and database.

The write paths that run on every dossier action (the control-sheet line, the audit record, the
outbox event and its deliveries, the dossier's changed columns) spend most of their time in the
ORM building the same SQL text again. These helpers build it once per database alias and
model (and column set), then convert values exactly as ``Model.save()`` does: each field's
``pre_save`` (``auto_now``/``auto_now_add``) and ``get_db_prep_save``. Models with
``pre_save``/``post_save`` receivers are saved through the ORM instead, so no signal is skipped.

Nothing here checks anything: callers keep their own permission, state and version checks and
run inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, models, router
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import QuerySet, signals
from django.db.models.fields import AutoFieldMixin
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

# Per database alias and backend: {key: (sql, fields, returning)}. Not per connection object:
# under ASGI each request runs in a new thread with a new connection object (the sockets are
# reused from the pool on PostgreSQL), so a per-connection cache would be rebuilt on every
# request. Nothing cached here refers to a connection.
_statements: dict[tuple[str, str], dict[tuple, tuple]] = {}


def _cache(connection) -> dict[tuple, tuple]:
    key = (connection.alias, connection.vendor)
    cache = _statements.get(key)
    if cache is None:
        cache = _statements[key] = {}
    return cache


def converters(connection, expressions: list) -> dict[int, tuple[list, Any]]:
    """The value converters of selected ``expressions``, by position: what
    ``SQLCompiler.get_converters`` returns, without a compiler, in a form that may be kept per
    database alias: the backend's converters (methods of the connection's ``ops``) are kept
    unbound and applied by :func:`convert` with the ``ops`` of the connection it is given."""
    ops = connection.ops
    found = {}
    for position, expression in enumerate(expressions):
        if not expression:
            continue
        functions = [
            (function.__func__, True) if getattr(function, "__self__", None) is ops else
            (function, False)
            for function in ops.get_db_converters(expression)
        ] + [(function, False) for function in expression.get_db_converters(connection)]  # fmt: skip
        if functions:
            found[position] = (functions, expression)
    return found


def convert(row: tuple, found: dict[int, tuple[list, Any]], connection) -> tuple:
    """``row`` with the ``found`` converters applied (as iterating a queryset applies them)."""
    if not found:
        return row
    ops = connection.ops
    values = list(row)
    for position, (functions, expression) in found.items():
        value = values[position]
        for function, on_ops in functions:
            if on_ops:
                value = function(ops, value, expression, connection)
            else:
                value = function(value, expression, connection)
        values[position] = value
    return tuple(values)


# Fields whose database value is the Python value itself when it has exactly this type (what
# ``get_db_prep_save`` returns for them unchanged); any other value goes through the field.
_AS_IS = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField)


def _sqlite_datetime(value: datetime, connection) -> str:
    # SQLite's ``adapt_datetimefield_value`` for an aware datetime: ``make_naive`` in the
    # connection's time zone, then ``str``.
    return str(value.astimezone(connection.timezone).replace(tzinfo=None))


def _native_datetime(value: datetime, connection) -> datetime:
    return value  # PostgreSQL's ``adapt_datetimefield_value`` passes aware datetimes as they are


# Aware ``datetime`` values of plain ``DateTimeField``s, converted as ``get_db_prep_save`` does on
# these backends (any other value goes through the field).
_DATETIMES = {"sqlite": _sqlite_datetime, "postgresql": _native_datetime}


def _direct(connection) -> bool:
    """Whether a statement may go straight to the driver's cursor (SQLite, inside a transaction).

    Django's cursor wrapper then adds nothing but time: the connection is open (the transaction
    began on it), no query log or execute wrapper is active (with either, the statement takes the
    usual path so it is logged and wrapped), and driver errors are still turned into Django's by
    ``wrap_database_errors``. Only the SQL's ``%s`` placeholders are converted, as Django's
    SQLite cursor converts them.
    """
    return (
        connection.vendor == "sqlite"
        and connection.in_atomic_block
        and connection.connection is not None
        and not connection.queries_logged
        and not connection.execute_wrappers
    )


_QMARK: dict[str, str] = {}


def _qmark(sql: str) -> str:
    converted = _QMARK.get(sql)
    if converted is None:
        converted = _QMARK[sql] = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return converted


def _execute(connection, sql: str, params: list, fetch: str | None) -> tuple[Any, int, Any]:
    """Run one statement; returns (``fetchone()``/``fetchall()`` or None, rowcount, lastrowid)."""
    if _direct(connection):
        connection.validate_thread_sharing()
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()
            try:
                cursor.execute(_qmark(sql), params)
                rows = cursor.fetchone() if fetch == "one" else cursor.fetchall() if fetch else None
                return rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchone() if fetch == "one" else cursor.fetchall() if fetch else None
        # psycopg's cursors have no ``lastrowid`` (PostgreSQL inserts use ``RETURNING``).
        return rows, cursor.rowcount, getattr(cursor, "lastrowid", None)


def fetch_prepared(connection, sql: str, params: list, size: int) -> list[tuple]:
    """Up to ``size`` rows of a read statement that runs very often (e.g. the public lookup).

    On PostgreSQL the statement is prepared on the server once per physical connection and
    executed by name afterwards: Django binds parameters on the client, so every ORM query is
    parsed and planned again on each run, which for a five-table join costs more than running
    it. psycopg keeps the prepared statements of each connection (at most ``prepared_max``, the
    least used dropped), and the pool keeps connections, hence their prepared statements, between
    requests. Elsewhere, when prepared statements are turned off (``CHINHQUYEN_DB_PREPARED=0``:
    Django's ``prepare_threshold`` of ``None``), and whenever Django's query log or an execute
    wrapper is active (so the statement is logged and wrapped as usual), it goes through Django's
    cursor. Rows come back unconverted, as from a cursor.
    """
    if (
        connection.vendor == "postgresql"
        and not connection.queries_logged
        and not connection.execute_wrappers
    ):
        connection.ensure_connection()
        connection.validate_thread_sharing()
        raw = connection.connection
    else:
        raw = None
    if raw is not None and raw.prepare_threshold is not None:
        import psycopg

        with connection.wrap_database_errors:
            # A server-side binding cursor on the same connection (Django's own cursors bind on
            # the client and cannot prepare).
            with psycopg.Cursor(raw) as cursor:
                cursor.execute(sql, params, prepare=True)
                return cursor.fetchmany(size)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchmany(size)


def _plan(fields: list) -> list[tuple]:
    """Per field: (field, attname, the type passed as is or None, None passed as is, the
    internal type integers are adapted for)."""
    plan = []
    for f in fields:
        kind, internal = _AS_IS.get(type(f)), f.get_internal_type()
        if type(f) is models.DateTimeField and not f.primary_key:
            # Converted in ``_values`` after ``pre_save`` (which sets ``auto_now`` values).
            plan.append((f, f.attname, datetime, False, None))
            continue
        if kind is None and type(f) is models.ForeignKey and type(f.target_field) in _INTEGER_KEYS:
            target = f.target_field
            # Keys of auto fields go as they are; other integer keys as their field adapts them.
            kind = int
            auto = isinstance(target, AutoFieldMixin)
            internal = None if auto else target.get_internal_type()
        simple = kind is not None and not (getattr(f, "auto_now", False) or f.primary_key)
        plan.append((f, f.attname, kind if simple else None, simple and f.null, internal))
    return plan


def _values(obj: models.Model, plan: list[tuple], connection, add: bool) -> list:
    values = []
    adapt = connection.ops.adapt_integerfield_value
    moment = _DATETIMES.get(connection.vendor) if settings.USE_TZ else None
    for f, attname, kind, none_as_is, internal in plan:
        if kind is datetime:
            value = f.pre_save(obj, add)
            if value is None:
                values.append(None)
            elif moment and type(value) is datetime and value.utcoffset() is not None:
                values.append(moment(value, connection))
            else:
                values.append(f.get_db_prep_save(value, connection))
            continue
        if kind is not None:
            value = getattr(obj, attname)
            if value is None and none_as_is:
                values.append(None)
                continue
            if type(value) is kind:
                values.append(adapt(value, internal) if kind is int and internal else value)
                continue
        values.append(f.get_db_prep_save(f.pre_save(obj, add), connection))
    return values


def _signalled(model: type[models.Model]) -> bool:
    return signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)


def _insert_statement(connection, model: type[models.Model], auto_pk: bool, ignore: bool):
    key = ("insert", model, auto_pk, ignore)
    cache = _cache(connection)
    found = cache.get(key)
    if found is None:
        meta = model._meta
        qn = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not (auto_pk and f.primary_key)]
        returning = auto_pk and connection.features.can_return_columns_from_insert
        columns = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        # Table and column names come from the model, values are parameters.
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        if ignore:
            sql += " ON CONFLICT DO NOTHING"
        if returning:
            sql += f" RETURNING {qn(meta.pk.column)}"
        found = cache[key] = (sql, _plan(fields), returning)
    return found


def insert(obj: models.Model, *, ignore_conflicts: bool = False) -> bool:
    """INSERT ``obj`` (a new instance) and set its primary key. Returns whether a row was written.

    With ``ignore_conflicts`` a row that would break a unique constraint is not written and
    ``False`` is returned (``ON CONFLICT DO NOTHING``; the caller reads the existing row).
    """
    model = type(obj)
    using = obj._state.db or router.db_for_write(model, instance=obj)
    if _signalled(model):
        if ignore_conflicts:
            raise TypeError(f"{model.__name__} has save signal receivers: insert it with the ORM.")
        obj.save(force_insert=True, using=using)
        return True
    connection = connections[using]
    auto_pk = obj.pk is None and isinstance(model._meta.pk, models.AutoField)
    sql, plan, returning = _insert_statement(connection, model, auto_pk, ignore_conflicts)
    values = _values(obj, plan, connection, True)
    row, rowcount, lastrowid = _execute(connection, sql, values, "one" if returning else None)
    if returning:
        written = row is not None
        if written:
            setattr(obj, model._meta.pk.attname, row[0])
    else:
        written = rowcount != 0
        if auto_pk and written:
            setattr(obj, model._meta.pk.attname, lastrowid)
    if written:
        obj._state.adding = False
        obj._state.db = using
    return written


class Row:
    """The values of one row written by :func:`insert_row`, as attributes (no model instance)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


_DEFAULTS: dict[type, tuple] = {}


def _defaults(model: type[models.Model]) -> tuple:
    found = _DEFAULTS.get(model)
    if found is None:
        found = _DEFAULTS[model] = tuple(
            (f.attname, f) for f in model._meta.concrete_fields if not f.primary_key
        )
    return found


def insert_row(
    model: type[models.Model],
    values: dict[str, Any],
    *,
    using: str | None = None,
    ignore_conflicts: bool = False,
) -> Row | None:
    """INSERT one row of ``model`` from ``values`` (attribute names) without building an instance.

    Columns not given take their field's default, ``auto_now``/``auto_now_add`` columns are set
    as ``save()`` sets them, and values are converted as :func:`insert` converts them. Returns the
    row written (its primary key and ``auto_now`` values set), or ``None`` when
    ``ignore_conflicts`` left out a row that would break a unique constraint. Models with save
    signal receivers go through :func:`insert` with an instance, so no signal is skipped.
    """
    if _signalled(model):
        # Receivers expect an instance: build one and insert it as :func:`insert` does.
        obj = model(**values)
        if not insert(obj, ignore_conflicts=ignore_conflicts):
            return None
        return Row({f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields})
    using = using or router.db_for_write(model)
    connection = connections[using]
    pk = model._meta.pk
    row = Row(values)
    given = row.__dict__
    for attname, f in _defaults(model):
        if attname not in given:
            given[attname] = f.get_default()
    if pk.attname not in given:
        given[pk.attname] = None if isinstance(pk, models.AutoField) else pk.get_default()
    auto_pk = given[pk.attname] is None and isinstance(pk, models.AutoField)
    sql, plan, returning = _insert_statement(connection, model, auto_pk, ignore_conflicts)
    params = _values(row, plan, connection, True)
    found, rowcount, lastrowid = _execute(connection, sql, params, "one" if returning else None)
    if returning:
        if found is None:
            return None
        given[pk.attname] = found[0]
    else:
        if rowcount == 0:
            return None
        if auto_pk:
            given[pk.attname] = lastrowid
    return row


def execute(
    sql: str, params: list | tuple = (), *, fetch: str | None = None, using: str = "default"
):
    """Run one raw statement inside the caller's transaction (straight to the driver on SQLite,
    as the other helpers here); returns ``fetchone()`` (``fetch="one"``), ``fetchall()``
    (``fetch="all"``) or ``None``."""
    return _execute(connections[using], sql, list(params), fetch)[0]


def update(obj: models.Model, attnames: list[str] | tuple[str, ...]) -> None:
    """UPDATE the columns ``attnames`` of ``obj``'s row (``auto_now`` fields are set as by save).

    Raises :class:`~django.db.DatabaseError` when no row was updated, as
    ``save(update_fields=...)`` does.
    """
    model = type(obj)
    using = obj._state.db or router.db_for_write(model, instance=obj)
    if _signalled(model):
        obj.save(update_fields=list(attnames), using=using)
        return
    connection = connections[using]
    key = ("update", model, tuple(attnames))
    cache = _cache(connection)
    found = cache.get(key)
    if found is None:
        meta = model._meta
        qn = connection.ops.quote_name
        fields = [meta.get_field(name) for name in attnames]
        fields = [f for f in fields if f.concrete and not f.primary_key]
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
        found = cache[key] = (sql, _plan(fields), False)
    sql, plan, _ = found
    values = _values(obj, plan, connection, False)
    pk = model._meta.pk.get_db_prep_value(obj.pk, connection)
    if _execute(connection, sql, [*values, pk], None)[1] == 0:
        raise DatabaseError("Save with update_fields did not affect any rows.")


class Prepared:
    """A queryset compiled once per database alias, then run again with new integer keys.

    ``build(*keys)`` returns the queryset (``filter``, ``order_by``, ``select_related``,
    ``annotate``, ``select_for_update`` are fine); it is compiled with placeholder keys, and each
    :meth:`get`/:meth:`all` runs the same SQL with the real ones and builds the objects the way
    iterating the queryset does (converters, related objects, annotations). The keys must be
    integers (primary or foreign keys). A ``select_for_update`` query is refused outside a
    transaction, like the ORM's.
    """

    _PLACEHOLDER = 918_273_645

    def __init__(self, build: Callable[..., QuerySet], arity: int = 1) -> None:
        self._build = build
        self._arity = arity
        # SQL, row layout and converters per (alias, vendor).
        self._compiled: dict[tuple[str, str], tuple] = {}

    def _compile(self, using: str) -> tuple:
        marks = [self._PLACEHOLDER + i for i in range(self._arity)]
        queryset = self._build(*marks)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        # Each parameter is either one of the keys (its index) or a constant of the query.
        slots = [(marks.index(p), None) if p in marks else (None, p) for p in params]
        if sorted(i for i, _ in slots if i is not None) != list(range(self._arity)):
            raise ValueError("Each key of a prepared query must appear exactly once.")
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return (
            sql,
            slots,
            bool(queryset.query.select_for_update),
            converters(compiler.connection, [s[0] for s in select[: compiler.col_count]]),
            klass_info["model"],
            [f[0].target.attname for f in select[start:end]],
            start,
            end,
            get_related_populators(klass_info, select, using),
            dict(compiler.annotation_col_map or {}),
        )

    def all(self, *keys: int, using: str = "default") -> list:
        """The objects the query finds for ``keys``."""
        connection = connections[using]
        compiled = self._compiled.get((using, connection.vendor))
        if compiled is None:
            compiled = self._compiled[(using, connection.vendor)] = self._compile(using)
        (
            sql,
            slots,
            for_update,
            found_converters,
            model,
            init_list,
            start,
            end,
            populators,
            names,
        ) = compiled
        if for_update and not connection.in_atomic_block:
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = [
            (None if keys[i] is None else int(keys[i])) if i is not None else value
            for i, value in slots
        ]
        rows = _execute(connection, sql, params, "all")[0]
        found = []
        for row in rows:
            row = convert(row, found_converters, connection)
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in names.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def get(self, *keys: int, using: str = "default") -> models.Model | None:
        """The first object the query finds for ``keys``, or ``None``."""
        found = self.all(*keys, using=using)
        return found[0] if found else None
