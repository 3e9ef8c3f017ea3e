"""What the selectors share: narrowing a list to the filters a caller gave, and reading
a large list as the database driver returns it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Context, Decimal
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import DecimalField, Model, QuerySet

M = TypeVar("M", bound=Model)


def where(rows: QuerySet[M], **lookups: object) -> QuerySet[M]:
    """``rows`` narrowed by each lookup whose value was given: a filter left at ``None``
    keeps every row, so a list's optional filters are one call, not one branch each."""
    return rows.filter(**{lookup: value for lookup, value in lookups.items() if value is not None})


def fetch(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A ``values_list`` query's rows as the database driver returns them.

    The SQL is the ORM's; only its converters are skipped. They cost a generator step
    and a function call per value, which for thousands of rows (the scorecard's values,
    the alignment tree's objectives) is more than the query itself. Integers, text and
    dates come back from both drivers as the ORM would give them; a decimal column is
    made a Decimal by :func:`decimal_reader`.
    """
    try:
        sql, params = rows.query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:  # an empty ``__in``: nothing to read
        return []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# SQLite keeps 15 significant digits; the digits of a float beyond them are noise.
_SQLITE_DIGITS = Context(prec=15)
_EXACT = 10**15  # whole numbers below it have no digits to round to 15


def decimal_reader(field: DecimalField[Any, Any]) -> Callable[[Any], Decimal | None]:
    """What makes a raw value of the decimal column ``field`` the Decimal the ORM would.

    PostgreSQL's driver returns a Decimal already; SQLite's an int or a float, rounded
    here to the column's places as Django's converter rounds it (a whole number more
    directly, to the same Decimal). ``None`` stays ``None``. Decimals are immutable, so
    the reader remembers what it made: a page's values repeat (progress has ten
    thousand possible values), and a lookup costs a tenth of the conversion.
    """
    places = field.decimal_places or 0
    quantum = Decimal(1).scaleb(-places)
    scale = 10**places
    digits = Context(prec=field.max_digits)

    @functools.lru_cache(maxsize=65536)
    def read(value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        if type(value) is int and -_EXACT < value < _EXACT:
            return Decimal(value * scale).scaleb(-places)
        return _SQLITE_DIGITS.create_decimal_from_float(value).quantize(quantum, context=digits)

    return read
