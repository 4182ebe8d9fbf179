"""Small queries every request runs, compiled once instead of on each run.

The ORM builds a query's SQL every time it runs. For the few small queries a
signed-in request always makes (the user with its menu flags, the
second-factor device, the user's seats), building the SQL costs three to
four times as much as running it (docs/performance.md, "The signed-in
floor"). ``Prepared`` builds such a query once per database and key (the
day, for a query "as of today"), with one value left open, the id or the
person, and only fills that value in on each run.

    USER = Prepared(lambda mark, day: User.objects.filter(pk=mark).annotate(...))
    user = USER.first(user_id, key=(today,))

The open value is marked by ``MARK`` when the query is built: it must reach
the parameters unchanged (an integer compared with an integer column) and
exactly once; anything else is refused when the query is first built, so a
query that does not fit fails loudly in the tests, never silently.

A query may leave several values open, of the kinds ``"int"`` (``MARK``,
then ``MARK - 1`` for a second one, and so on),
``"str"`` (``STR_MARK``, compared with a text column) and ``"datetime"``
(``TIME_MARK``, compared with a date-time column: filled in as the database
takes it, ``adapt_datetimefield_value``); ``build`` gets one mark per kind
given, in order, and the run methods a tuple of values:

    TOKEN = Prepared(lambda key, now: Token.objects.filter(
        key_hash=key, expires_at__gt=now), opens=("str", "datetime"))
    token = TOKEN.first((key_hash, timezone.now()))
Results are what the ORM gives: model instances through ``raw()`` (with the
fields' converters) or plain rows; annotations that are not model fields
come back as the database gives them (``EXISTS`` is 0/1 on SQLite).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

# An id no row has, where the open value goes: negative, and within a 32-bit
# integer column's range (out of range, Django compiles the lookup away).
MARK = -2_013_265_921
STR_MARK = "dieuphoi-prepared-open-value"
TIME_MARK = datetime.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)
_MARKS = {"int": MARK, "str": STR_MARK, "datetime": TIME_MARK}


class Prepared:
    """A query compiled once per (database, key), run with other values.

    ``build(*marks, *key) -> QuerySet`` builds it, one mark per open value
    (``opens``: their kinds, ``("int",)`` by default); each mark must appear
    once among the compiled parameters. At most ``size`` compiled forms are
    kept (the key is usually the day)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        opens: Sequence[str] = ("int",),
        size: int = 8,
    ) -> None:
        unknown = set(opens) - _MARKS.keys()
        if unknown or not opens:
            raise ValueError(f"open values are int, str or datetime: {opens!r}")
        if any(opens.count(kind) > 1 for kind in ("str", "datetime")):
            raise ValueError(f"one str and one datetime open value at most: {opens!r}")
        self._build = build
        self._opens = tuple(opens)
        self._size = size
        self._compiled: dict[tuple, tuple[type[Model], str, tuple, tuple]] = {}

    def clear(self) -> None:
        """Forget the compiled forms (what ``build`` makes has changed)."""
        self._compiled.clear()

    def _marks(self) -> list:
        """One mark per open value; the second int is ``MARK - 1``, etc."""
        marks, ints = [], 0
        for kind in self._opens:
            if kind == "int":
                marks.append(MARK - ints)
                ints += 1
            else:
                marks.append(_MARKS[kind])
        return marks

    def _adapt(self, kind: str, value, connection):
        if kind == "datetime":
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def _get(self, key: tuple[Hashable, ...], using: str):
        connection = connections[using]
        cache_key = (using, connection.vendor, key)
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            marks = self._marks()
            qs = self._build(*marks, *key)
            sql, params = qs.query.get_compiler(using).as_sql()
            slots = []
            for kind, mark in zip(self._opens, marks, strict=True):
                wanted = self._adapt(kind, mark, connection)
                found = [
                    i
                    for i, p in enumerate(params)
                    if type(p) is type(wanted) and p == wanted
                ]
                if len(found) != 1:
                    raise ValueError(
                        f"the open value must appear once in the parameters: {params!r}"
                    )
                slots.append(found[0])
            compiled = (qs.model, sql, tuple(params), tuple(slots))
            if len(self._compiled) >= self._size:
                self._compiled.clear()
            self._compiled[cache_key] = compiled
        return compiled

    def _params(self, compiled, value: Any, using: str) -> list:
        _model, _sql, params, slots = compiled
        values = value if len(self._opens) > 1 else (value,)
        if len(values) != len(self._opens):
            raise ValueError(f"{len(self._opens)} values expected, got {value!r}")
        filled = list(params)
        connection = connections[using]
        for kind, slot, one in zip(self._opens, slots, values, strict=True):
            filled[slot] = self._adapt(kind, one, connection)
        return filled

    def objects(
        self, value: Any, *, key: tuple = (), using: str = DEFAULT_DB_ALIAS
    ) -> list[Model]:
        """The model instances the query gives with ``value`` filled in."""
        compiled = self._get(key, using)
        model, sql = compiled[0], compiled[1]
        raw = model._default_manager.db_manager(using).raw(
            sql, self._params(compiled, value, using)
        )
        return list(raw)

    def first(
        self, value: Any, *, key: tuple = (), using: str = DEFAULT_DB_ALIAS
    ) -> Model | None:
        found = self.objects(value, key=key, using=using)
        return found[0] if found else None

    def rows(
        self, value: Any, *, key: tuple = (), using: str = DEFAULT_DB_ALIAS
    ) -> list[tuple]:
        """The rows as the database gives them (for ``values_list`` queries:
        no field converters are applied)."""
        compiled = self._get(key, using)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled[1], self._params(compiled, value, using))
            return cursor.fetchall()


def loaded(
    model: type[Model], values: dict[str, Any], *, using: str = DEFAULT_DB_ALIAS
) -> Model:
    """An instance of ``model`` with only ``values`` loaded (``{field name:
    value as the database gave it}``, the rest deferred), each value
    converted as the ORM converts its field's column: for a related row's
    columns brought as annotations of a prepared query, which ``raw()``
    leaves unconverted (a date-time is text on SQLite, JSON is text)."""
    connection = connections[using]
    found = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        col = field.get_col(model._meta.db_table)
        if value is not None:
            for convert in connection.ops.get_db_converters(
                col
            ) + col.get_db_converters(connection):
                value = convert(value, col, connection)
        found[field.attname] = value
    # ``from_db`` takes a partial row's values in the model's field order.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in found]
    return model.from_db(using, names, [found[name] for name in names])
