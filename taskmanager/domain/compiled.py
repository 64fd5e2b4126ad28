"""Querysets compiled to SQL once per shape, then run again with each request's values.

Building a queryset and compiling it to SQL was most of the CPU of the API's
hot reads (a detail request spent about two thirds of its time in the ORM
before PostgreSQL saw a byte; docs/PERFORMANCE.md has the profile). The SQL
of such a read depends only on its shape (which filters, which ordering,
whose "today"), not on the values that change with every request (the
task's id, the caller's project ids, the current instant). So each read
stays written once, as the queryset its selector builds, and is compiled
once per shape: the builder runs with a marker value in each slot, the
compiled parameters are searched for the markers, and every later call
copies the parameters and puts the request's values where the markers were.

A shape whose markers do not all come out as parameters (a value the ORM
transformed, say) is not cached: it runs through the ORM every time, as
before. Tests count and check the statements as ever: the SQL goes through
Django's cursor wrapper, its execute wrappers and its converters, on a
cursor that binds on the server so that PostgreSQL can keep each shape's
statement prepared (statement_cursor).
"""

import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections, router
from django.db.models import Field, ForeignObject, Lookup, QuerySet

# Shapes kept per compiled query and process (least recently used go first).
MAX_SHAPES = 512


@ForeignObject.register_lookup  # a relation sees only its own class's lookups, not Field's
@Field.register_lookup
class InArray(Lookup):
    """``field = ANY(%s)`` with the whole list as one parameter.

    ``__in`` makes one placeholder per value, so its SQL changes with the
    list's length; this one's does not. PostgreSQL plans both alike (it reads
    ``IN (...)`` as ``= ANY(ARRAY[...])``).
    """

    lookup_name = "in_array"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        return "%s", [[field.get_db_prep_value(item, connection, prepared=False) for item in value]]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


class Slot:
    """A kind of per-request value: how to make a marker of it that no real value equals."""

    def marker(self):
        raise NotImplementedError


class _IntSlot(Slot):
    def marker(self):
        return (1 << 62) | random.getrandbits(61)


class _UuidSlot(Slot):
    def marker(self):
        return uuid.uuid4()


class _UuidListSlot(Slot):
    def marker(self):
        return [uuid.uuid4()]


class _TextListSlot(Slot):
    def marker(self):
        return [f"marker-{uuid.uuid4().hex}"]


class _InstantSlot(Slot):
    def marker(self):
        return datetime(1234, 5, 6, tzinfo=UTC) + timedelta(microseconds=random.getrandbits(40))


class _TextSlot(Slot):
    def marker(self):
        return f"marker-{uuid.uuid4().hex}"


INT = _IntSlot()
UUID = _UuidSlot()
UUID_LIST = _UuidListSlot()
INSTANT = _InstantSlot()
TEXT = _TextSlot()
TEXT_LIST = _TextListSlot()


@dataclass(frozen=True)
class _Shape:
    model: type
    sql: str
    params: tuple
    # slot name -> positions of its marker in params
    positions: dict
    names: tuple
    # column position -> (converters, expression), as Django's compiler applies them
    converters: dict


class CompiledQuery:
    """One read, written as ``build(context, **slots) -> values() QuerySet``, compiled once per shape.

    ``slots`` names the per-request values and their kinds. Everything else
    the builder reads (``context``: the caller, its filters, its day) must be
    told apart by the ``shape`` key of each call: two calls with equal keys
    must build the same SQL.
    """

    def __init__(self, build: Callable[..., QuerySet], **slots: Slot):
        self._build = build
        self._slots = slots
        self._shapes: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def uncompiled(self, context=None, **values) -> QuerySet:
        """The builder's queryset itself, for a caller whose values do not fit the slots."""
        return self._build(context, **values)

    def rows(self, shape: Hashable, context=None, *, lock: str = "", **values) -> list[dict]:
        """The rows as dicts (named as ``values()`` names them).

        ``lock``: a locking clause to append (transactions.share_lock_clause).
        """
        compiled = self._shape(shape, context)
        if compiled is None:
            queryset = self._build(context, **values)
            if not lock:
                return list(queryset)
            sql, params = queryset.query.sql_with_params()
            compiled = _Shape(queryset.model, sql, tuple(params), {}, (), {})
            names = (
                *queryset.query.extra_select,
                *queryset.query.values_select,
                *queryset.query.annotation_select,
            )
            rows = self._execute(compiled, f"{sql}{lock}", values, ())
            return [dict(zip(names, row, strict=True)) for row in rows]
        rows = self._execute(compiled, f"{compiled.sql}{lock}", values, ())
        return [dict(zip(compiled.names, row, strict=True)) for row in rows]

    def page(self, shape: Hashable, context, offset: int, limit: int, **values) -> list[dict]:
        """``rows`` from ``offset``, at most ``limit`` (the builder's query must be ordered)."""
        compiled = self._shape(shape, context)
        if compiled is None:
            return list(self._build(context, **values)[offset : offset + limit])
        rows = self._execute(compiled, f"{compiled.sql} LIMIT %s OFFSET %s", values, (limit, offset))
        return [dict(zip(compiled.names, row, strict=True)) for row in rows]

    def count(self, shape: Hashable, context=None, **values) -> int:
        """How many rows ``rows`` would give."""
        compiled = self._shape(shape, context, counting=True)
        if compiled is None:
            return self._build(context, **values).count()
        return self._execute(compiled, compiled.sql, values, ())[0][0]

    def _execute(self, compiled: _Shape, sql: str, values: dict, extra: tuple) -> list:
        params = list(compiled.params)
        for name, positions in compiled.positions.items():
            for position in positions:
                params[position] = values[name]
        connection = connections[router.db_for_read(compiled.model)]
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, (*params, *extra))
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_converted(row, compiled.converters, connection) for row in rows]
        return rows

    def _shape(self, shape: Hashable, context, *, counting: bool = False) -> _Shape | None:
        key = (shape, counting)
        with self._lock:
            found = self._shapes.get(key)
            if found is not None:
                self._shapes.move_to_end(key)
                return found
            if key in self._shapes:  # known not to compile with markers
                return None
        compiled = self._compile(context, counting)
        with self._lock:
            self._shapes[key] = compiled
            while len(self._shapes) > MAX_SHAPES:
                self._shapes.popitem(last=False)
        return compiled

    def _compile(self, context, counting: bool) -> _Shape | None:
        # Compiled twice with different markers: where the two differ is
        # where the request's values go, and nowhere else may they differ (a
        # marker the ORM transformed or wrote into the SQL text would).
        first = {name: slot.marker() for name, slot in self._slots.items()}
        second = {name: slot.marker() for name, slot in self._slots.items()}
        queryset, compiler, sql, params = self._compiled_with(context, first, counting)
        _queryset, _compiler, other_sql, other_params = self._compiled_with(context, second, counting)
        if sql != other_sql or len(params) != len(other_params):
            return None
        positions = {name: [] for name in first}
        for index, (param, other) in enumerate(zip(params, other_params, strict=True)):
            if param == other:
                continue
            slot = next((n for n in first if _same(param, first[n]) and _same(other, second[n])), None)
            if slot is None:
                return None
            positions[slot].append(index)
        query = queryset.query
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = {} if counting else compiler.get_converters(fields)
        return _Shape(queryset.model, sql, tuple(params), positions, names, converters)

    def _compiled_with(self, context, markers: dict, counting: bool):
        queryset = self._build(context, **markers)
        if counting:
            queryset = queryset.order_by().values("pk")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        if counting:
            sql = f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608 (the ORM's own SQL)
        return queryset, compiler, sql, list(params)


def statement_cursor(connection):
    """A cursor for a compiled statement: one PostgreSQL can keep prepared (config/postgresql/base.py).

    Other backends (SQLite, which serves only the lint's migration check) give their own cursor.
    """
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def _same(param, marker) -> bool:
    return type(param) is type(marker) and param == marker


def _converted(row, converters: dict, connection) -> tuple:
    row = list(row)
    for position, (functions, expression) in converters.items():
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return tuple(row)
