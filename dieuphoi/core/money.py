"""Amounts in VND and capital sources that add up to a total: one parser
for every app that takes money (a proposal's budget by source, a key
project's capital).

- ``parse_amount(value, field, errors)``: ``None`` for blank, else a whole,
  non-negative ``Decimal`` below 10^20; a string may group thousands with
  dots or spaces (1.000.000). A bad value adds a message to ``errors[field]``
  and returns ``None``.
- ``total_of_sources(sources, total, *, total_field, errors)``: the total
  when it is given (the sources given must then add up to it, else a message
  at ``total_field``), their sum when only sources are given, ``None`` when
  nothing is.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

LIMIT = Decimal(10) ** 20


def vnd(amount: Decimal) -> str:
    """1.000.000 (Vietnamese grouping), for messages."""
    return f"{int(amount):,}".replace(",", ".")


def money_text(value) -> str:
    """1.000.000 for a form's initial value; blank for no amount."""
    return "" if value is None else vnd(value)


def parse_amount(value: Any, field: str, errors: dict) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.setdefault(field, []).append(gettext("Write an amount in VND."))
        return None
    try:
        amount = (
            Decimal(value.replace(".", "").replace(" ", "").strip())
            if isinstance(value, str)
            else Decimal(value)
        )
    except (InvalidOperation, ValueError, TypeError):
        errors.setdefault(field, []).append(gettext("Write an amount in VND."))
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        errors.setdefault(field, []).append(
            gettext("An amount is a whole, non-negative number of VND.")
        )
        return None
    if amount >= LIMIT:
        errors.setdefault(field, []).append(gettext("The amount is too large."))
        return None
    return amount.quantize(Decimal(1))


def total_of_sources(
    sources: dict[str, Decimal | None],
    total: Decimal | None,
    *,
    total_field: str,
    errors: dict,
) -> Decimal | None:
    given = [a for a in sources.values() if a is not None]
    if not given:
        return total
    added = sum(given, Decimal(0))
    if total is None:
        if added >= LIMIT:
            errors.setdefault(total_field, []).append(
                gettext("The amount is too large.")
            )
            return None
        return added
    if added != total:
        errors.setdefault(total_field, []).append(
            gettext("The sources add up to %(sum)s VND, not the total %(total)s VND.")
            % {"sum": vnd(added), "total": vnd(total)}
        )
    return total
