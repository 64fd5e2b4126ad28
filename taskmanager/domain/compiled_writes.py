"""Writes compiled to SQL once per shape, then run again with each call's values.

The reads have domain.compiled; a write's statement is built the same way,
by the ORM, once: its per-call values are ``Param`` expressions, which the
ORM's compiler places as plain parameters, so the compiled statement knows
where each goes. Each run then prepares the values as the compiler would
(``get_db_prep_save`` for a column being set, ``get_db_prep_value`` for a
value compared) and sends the same SQL through Django's cursor.

``Model.save()`` and ``QuerySet.update()`` compile their statement on every
call: on the API's PATCH that was a tenth of the request's CPU
(docs/PERFORMANCE.md).
"""

import threading
from collections.abc import Callable, Iterable

from django.db import connections, router
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.sql import DeleteQuery, InsertQuery, UpdateQuery

from taskmanager.domain.compiled import statement_cursor


class Param(Expression):
    """A value given at each run of a compiled statement, called ``name``; ``field`` prepares it.

    ``many``: a list, prepared item by item (for ``__in_array``).
    """

    def __init__(self, name: str, field: Field, *, many: bool = False, for_save: bool = False):
        super().__init__(output_field=field)
        self.name, self.many, self.for_save = name, many, for_save

    def as_sql(self, compiler, connection):
        return "%s", [self]

    def prepared(self, value, connection):
        field = self.output_field
        if self.many:
            return [field.get_db_prep_value(item, connection, prepared=False) for item in value]
        if self.for_save:
            return field.get_db_prep_save(value, connection)
        return field.get_db_prep_value(value, connection, prepared=False)


class CompiledWrite:
    """``UPDATE`` or ``DELETE`` of the rows ``where()`` selects, compiled once per set of columns.

    ``where()`` returns the queryset to change, its per-call values written
    as ``Param``; ``fixed`` names columns an update sets the same way on
    every run (such as ``version=F("version") + 1``). Everything else in the
    statement is fixed when it is first compiled.
    """

    def __init__(self, where: Callable[[], QuerySet], **fixed):
        self._where = where
        self._fixed = fixed
        self._shapes: dict = {}
        self._lock = threading.Lock()

    def update(self, columns: dict, **values) -> int:
        """Set ``columns`` (attribute name -> value) on the rows matching ``values``; how many rows."""
        return self._run(tuple(columns), {**columns, **values})

    def delete(self, **values) -> int:
        """Delete the rows matching ``values`` (no cascades, no signals: a raw delete); how many rows."""
        return self._run(None, values)

    def _run(self, key: tuple | None, given: dict) -> int:
        with self._lock:
            shape = self._shapes.get(key)
        if shape is None:
            shape = self._compile(key)
            with self._lock:
                self._shapes[key] = shape
        model, sql, params = shape
        connection = connections[router.db_for_write(model)]
        sent = [
            param.prepared(given[param.name], connection) if isinstance(param, Param) else param
            for param in params
        ]
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, sent)
            return cursor.rowcount

    def _compile(self, columns: Iterable[str] | None) -> tuple:
        queryset = self._where()
        meta = queryset.model._meta
        if columns is None:
            query = queryset.query.chain(DeleteQuery)  # as QuerySet._raw_delete builds it
        else:
            query = queryset.query.chain(UpdateQuery)
            query.add_update_values(
                {
                    **{name: Param(name, meta.get_field(name), for_save=True) for name in columns},
                    **self._fixed,
                }
            )
        compiler = query.get_compiler(queryset.db)
        compiler.pre_sql_setup()
        sql, params = compiler.as_sql()
        return queryset.model, sql, tuple(params)


class CompiledInsert:
    """``INSERT`` of rows of ``model`` with ``columns`` (attribute names), skipping those that conflict.

    The ORM writes a multi-row insert as ``SELECT * FROM UNNEST(...)``, one
    array parameter per column, whatever the number of rows: that statement
    is compiled once and reused for any number of rows. Should the ORM ever
    write it otherwise, every call goes through ``bulk_create`` as before.
    """

    def __init__(self, model: type[Model], *columns: str):
        self._model = model
        self._fields = [model._meta.get_field(name) for name in columns]
        self._compiled: tuple | None = None
        self._lock = threading.Lock()

    def run(self, rows: list[dict]) -> None:
        if not rows:
            return
        connection = connections[router.db_for_write(self._model)]
        arrays = [
            [field.get_db_prep_save(row[field.attname], connection) for row in rows] for field in self._fields
        ]
        compiled = _kept(self, lambda: self._compile(rows, arrays, connection))
        if compiled is False:
            objects = [self._model(**row) for row in rows]
            self._model._default_manager.bulk_create(objects, ignore_conflicts=True)
            return
        with statement_cursor(connection) as cursor:
            cursor.execute(compiled, arrays)

    def _compile(self, rows: list[dict], arrays: list, connection) -> str | bool:
        # Two rows at least, so that the ORM takes its many-rows form.
        doubled = (rows * 2)[: max(2, len(rows))]
        query = InsertQuery(self._model, on_conflict=OnConflict.IGNORE)
        query.insert_values(self._fields, [self._model(**row) for row in doubled])
        [(sql, params)] = query.get_compiler(connection=connection).as_sql()
        expected = [(column * 2)[: len(doubled)] for column in arrays]
        return sql if list(params) == expected else False


class CompiledCreate:
    """``INSERT`` of one new instance of ``model``: the statement ``save()`` sends for it, compiled once.

    ``save()`` builds and compiles that statement on every call (0.4 ms of
    the API's 5 ms create here; docs/PERFORMANCE.md). Each field's value is taken
    as ``save()`` takes it (``pre_save(add=True)``, so ``auto_now`` fields get
    the time, then ``get_db_prep_save``), and the columns the database fills
    (generated ones, those with a ``db_default``) are read back into the
    instance. Like ``bulk_create``, it sends no ``pre_save``/``post_save``
    signal. A value that is an expression, an instance without its primary
    key, or a statement the ORM writes otherwise goes through ``save()``.
    """

    def __init__(self, model: type[Model]):
        meta = model._meta
        self._model = model
        self._fields = [field for field in meta.local_concrete_fields if not field.generated]
        self._returning = list(meta.db_returning_fields)
        self._compiled: str | bool | None = None
        self._lock = threading.Lock()

    def insert(self, instance: Model) -> None:
        values = [field.pre_save(instance, add=True) for field in self._fields]
        if instance.pk is None or any(hasattr(value, "resolve_expression") for value in values):
            instance.save(force_insert=True)
            return
        connection = connections[router.db_for_write(self._model)]
        pairs = zip(self._fields, values, strict=True)
        params = [field.get_db_prep_save(value, connection) for field, value in pairs]
        compiled = _kept(self, lambda: self._compile(instance, params, connection))
        if compiled is False:
            instance.save(force_insert=True)
            return
        with statement_cursor(connection) as cursor:
            cursor.execute(compiled, params)
            returned = cursor.fetchone() if self._returning else ()
        for field, value in zip(self._returning, returned, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding, instance._state.db = False, connection.alias

    def _compile(self, instance: Model, params: list, connection) -> str | bool:
        # raw: the values as pre_save() just left them on the instance, so the parameters can be compared.
        query = InsertQuery(self._model)
        query.insert_values(self._fields, [instance], raw=True)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = self._returning
        [(sql, sent)] = compiler.as_sql()
        table = self._model._meta.db_table
        converted = compiler.get_converters([field.get_col(table) for field in self._returning])
        return sql if list(sent) == params and not converted else False


def _kept(holder, compile_statement: Callable[[], str | bool]) -> str | bool:
    """``holder``'s statement, compiled at its first use (False: the ORM writes it another way)."""
    with holder._lock:
        compiled = holder._compiled
    if compiled is None:
        compiled = compile_statement()
        with holder._lock:
            holder._compiled = compiled
    return compiled


def saved_columns(instance: Model, *, leave_out: Iterable[str] = ()) -> dict:
    """The columns ``save()`` would write for an existing row, by attribute name, with their values.

    Fields with ``auto_now`` get the current time, as ``save()`` gives them.
    """
    left_out = set(leave_out)
    columns = {}
    for field in instance._meta.local_concrete_fields:
        if field.primary_key or field.generated or field.attname in left_out:
            continue
        columns[field.attname] = field.pre_save(instance, add=False)
    return columns
