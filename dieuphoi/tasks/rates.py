"""Official rates over the bucket counts, each with its denominator.

The Government Office's reports give rates ("đạt 98,62%", "quá hạn 1,38%")
over different denominators in different years, so a rate here never stands
without the count it is taken over. Public names:

- ``ROUNDING``: the rule, stated on every page that shows a rate: two
  decimals, half away from zero (Decimal ``ROUND_HALF_UP``), computed from
  the exact fraction (never from a rounded intermediate).
- ``Rate``: ``key``, ``numerator``, ``denominator``, ``value`` (a ``Decimal``
  percentage with two decimals, or ``None`` when the denominator is 0), and
  the translated ``label`` and ``denominator_label``.
- ``rates_from_counts(counts) -> list[Rate]``: from a dict with the four
  bucket names (``completed_on_time``, ``completed_late``,
  ``in_progress_within_deadline``, ``overdue``) as keys.
- ``due_count(counts)``: tasks due (đến hạn) = completed + overdue not
  completed.
- ``format_count(n)``, ``format_percent(value)``: numbers in the active
  language's format with thousands grouped (Vietnamese: ``21.914``,
  ``98,62%``), whatever ``USE_THOUSAND_SEPARATOR`` says; ``Rate.display``,
  ``Rate.numerator_display``, ``Rate.denominator_display`` use them.
- ``active_numbers() -> Numbers``: the same two as ``.count`` and
  ``.percent``, the language looked up once (the summary's rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

ROUNDING = _(
    "Rates are rounded to two decimals, halves away from zero, from the exact counts."
)

_TWO_PLACES = Decimal("0.01")


def percent(numerator: int, denominator: int) -> Decimal | None:
    """``100·numerator/denominator`` rounded half-up to two decimals."""
    if not denominator:
        return None
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return exact.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


# Per language, its decimal and thousands separators when numbers are grouped
# by three (``None``: another grouping, left to ``number_format``). A summary
# page prints about 3,000 counts and 500 rates, and ``number_format`` looks
# the formats up again on every call (a tenth of the page's time).
_SYMBOLS: dict[str | None, tuple[str, str] | None] = {}


@receiver(setting_changed)
def _forget_symbols(**kwargs) -> None:
    _SYMBOLS.clear()


def _symbols() -> tuple[str, str] | None:
    language = get_language()
    try:
        return _SYMBOLS[language]
    except KeyError:
        pass
    found = None
    if formats.get_format("NUMBER_GROUPING", language) == 3:
        found = (
            formats.get_format("DECIMAL_SEPARATOR", language),
            formats.get_format("THOUSAND_SEPARATOR", language),
        )
    _SYMBOLS[language] = found
    return found


class Numbers:
    """Counts and rates in one language's format, its symbols looked up once:
    a page that prints thousands of numbers takes ``active_numbers()`` once
    and calls it (``format_count`` and ``format_percent`` look the language
    up on each call, which is most of their cost)."""

    __slots__ = ("_percent", "_symbols")

    def __init__(self) -> None:
        self._symbols = _symbols()
        self._percent = None  # the pattern, translated at the first rate

    def count(self, n) -> str:
        """``21914`` → ``21.914`` under Vietnamese; empty for what is not a
        whole number (a missing cell)."""
        try:
            n = int(n)
        except (TypeError, ValueError):
            return ""
        if self._symbols is None:
            return formats.number_format(n, force_grouping=True)
        return f"{n:,}".replace(",", self._symbols[1])

    def percent(self, value: Decimal | None) -> str:
        """``Decimal("98.62")`` → ``98,62%`` under Vietnamese; ``—`` for none.
        ``value`` has two decimals already (``percent``)."""
        if value is None:
            return "—"
        if self._symbols is None:
            text = formats.number_format(value, decimal_pos=2, force_grouping=True)
        else:
            decimal, thousands = self._symbols
            text = (
                f"{value:,.2f}".replace(",", "\0")
                .replace(".", decimal)
                .replace("\0", thousands)
            )
        if self._percent is None:
            self._percent = gettext("%(value)s%%")
        return self._percent % {"value": text}

    # One call per row rather than per cell: a call from a Jinja template
    # costs more than formatting the number.
    def counted(self, cells: list[dict]) -> list[tuple[dict, str]]:
        """Each summary cell with its ``count`` formatted."""
        return [(cell, self.count(cell["count"])) for cell in cells]

    def rates(self, rates: list[Rate]) -> list[tuple[str, str, str]]:
        """Each rate's value, numerator and denominator, formatted."""
        return [
            (
                self.percent(rate.value),
                self.count(rate.numerator),
                self.count(rate.denominator),
            )
            for rate in rates
        ]


def active_numbers() -> Numbers:
    """The active language's ``Numbers``."""
    return Numbers()


def format_count(n: int) -> str:
    """``21914`` → ``21.914`` under Vietnamese, ``21,914`` under English."""
    return Numbers().count(n)


def format_percent(value: Decimal | None) -> str:
    """``Decimal("98.62")`` → ``98,62%`` under Vietnamese; ``—`` for none.
    ``value`` has two decimals already (``percent``)."""
    return Numbers().percent(value)


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: int
    denominator: int
    label: str
    denominator_label: str
    # ``due``, ``completed`` or ``total``: which count the rate is over.
    denominator_key: str = ""

    @property
    def value(self) -> Decimal | None:
        return percent(self.numerator, self.denominator)

    @property
    def display(self) -> str:
        return format_percent(self.value)

    @property
    def numerator_display(self) -> str:
        return format_count(self.numerator)

    @property
    def denominator_display(self) -> str:
        return format_count(self.denominator)


def due_count(counts: dict) -> int:
    """Tasks due (đến hạn): completed (on time or late) plus overdue."""
    return (
        counts.get("completed_on_time", 0)
        + counts.get("completed_late", 0)
        + counts.get("overdue", 0)
    )


def rates_from_counts(counts: dict) -> list[Rate]:
    on_time = counts.get("completed_on_time", 0)
    late = counts.get("completed_late", 0)
    within = counts.get("in_progress_within_deadline", 0)
    overdue = counts.get("overdue", 0)
    completed = on_time + late
    due = completed + overdue
    total = completed + within + overdue
    return [
        Rate(
            "completion",
            completed,
            due,
            _("Completion rate"),
            _("over tasks due"),
            "due",
        ),
        Rate(
            "on_time",
            on_time,
            completed,
            _("On-time rate"),
            _("over tasks completed"),
            "completed",
        ),
        Rate(
            "overdue_of_due",
            overdue,
            due,
            _("Overdue share"),
            _("over tasks due"),
            "due",
        ),
        Rate(
            "overdue_of_all",
            overdue,
            total,
            _("Overdue share"),
            _("over all tasks"),
            "total",
        ),
    ]
