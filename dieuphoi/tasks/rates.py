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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: int
    denominator: int
    label: str
    denominator_label: str

    @property
    def value(self) -> Decimal | None:
        return percent(self.numerator, self.denominator)


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
        ),
        Rate(
            "on_time",
            on_time,
            completed,
            _("On-time rate"),
            _("over tasks completed"),
        ),
        Rate(
            "overdue_of_due",
            overdue,
            due,
            _("Overdue share"),
            _("over tasks due"),
        ),
        Rate(
            "overdue_of_all",
            overdue,
            total,
            _("Overdue share"),
            _("over all tasks"),
        ),
    ]
