"""Reads for the working-day calendar page and the days-off endpoint.

Status of a day (``STATUS_*``):

- ``announced``: a table row naming its document ("theo thông báo số …
  ngày …");
- ``confirmed``: a table row an administrator wrote or confirmed without an
  announcement;
- ``derived``: the ``holidays`` package's day for which there is no row
  ("theo Bộ luật Lao động, chưa có thông báo"), until an administrator
  confirms or amends it;
- ``weekend``: an ordinary Saturday or Sunday (days-off endpoint only).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import get_language, gettext

from . import calendar
from .models import CalendarDay

STATUS_ANNOUNCED = CalendarDay.Status.ANNOUNCED.value
STATUS_CONFIRMED = CalendarDay.Status.CONFIRMED.value
STATUS_DERIVED = "derived"
STATUS_WEEKEND = "weekend"

# The days-off endpoint answers for at most this many days at once.
MAX_RANGE_DAYS = 400


def _language() -> str:
    return "vi" if (get_language() or "").startswith("vi") else "en_US"


def basis_text(row: CalendarDay | None) -> str:
    """The sentence that says which is which, for one day."""
    if row is None:
        return gettext("under the Labour Code, not announced yet")
    if row.status == CalendarDay.Status.ANNOUNCED:
        return gettext("under announcement no. %(number)s of %(date)s") % {
            "number": row.basis_number,
            "date": row.basis_date.strftime("%d/%m/%Y") if row.basis_date else "",
        }
    return gettext("confirmed by an administrator")


@dataclass
class CalendarEntry:
    """One line of the calendar page: a table row, a package day, or both."""

    date: datetime.date
    working: bool  # a swapped working day (worked), else a day off
    name: str  # the note of the row, else the package's name
    status: str
    basis: str
    row: CalendarDay | None
    derived_kind: str | None  # what the package alone says, if anything

    @property
    def can_confirm(self) -> bool:
        return self.row is None and self.derived_kind is not None

    @property
    def differs_from_package(self) -> bool:
        """The row amends the package (another kind, or a day it lacks)."""
        if self.row is None:
            return False
        return self.derived_kind != self.row.kind


def calendar_day_list(*, year: int) -> list[CalendarDay]:
    """The table rows of ``year``, by date (one query)."""
    return list(
        CalendarDay.objects.filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        ).order_by("date")
    )


def calendar_entry_list(*, year: int, rows: list[CalendarDay]) -> list[CalendarEntry]:
    """Every day of ``year`` that the table or the package marks, by date,
    each with its status. No queries beyond ``rows``."""
    language = _language()
    names = calendar.package_holidays(year, language)
    swapped = calendar.package_weekend_workdays(year)
    by_date = {row.date: row for row in rows}
    dates = sorted(set(by_date) | set(names) | set(swapped))
    entries = []
    for date in dates:
        row = by_date.get(date)
        derived = (
            CalendarDay.Kind.WORKING_DAY
            if date in swapped
            else CalendarDay.Kind.DAY_OFF
            if date in names
            else None
        )
        if row is not None:
            working = row.kind == CalendarDay.Kind.WORKING_DAY
            name = row.note or names.get(date, "")
            status = row.status
        else:
            working = derived == CalendarDay.Kind.WORKING_DAY
            name = names.get(date, "")
            status = STATUS_DERIVED
        entries.append(
            CalendarEntry(
                date=date,
                working=working,
                name=name,
                status=status,
                basis=basis_text(row),
                row=row,
                derived_kind=derived,
            )
        )
    return entries


def status_counts(entries: list[CalendarEntry]) -> dict[str, int]:
    counts = {STATUS_ANNOUNCED: 0, STATUS_CONFIRMED: 0, STATUS_DERIVED: 0}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    return counts


def days_off_range(*, start: datetime.date, end: datetime.date) -> dict:
    """The days off and swapped working days of ``[start, end]`` for the
    date-field warning (one query). Each day off carries the date a deadline
    written on it ends under ``settings.DEADLINE_ON_DAY_OFF``."""
    language = _language()
    rows = {
        row.date: row
        for row in CalendarDay.objects.filter(date__gte=start, date__lte=end)
    }
    names: dict[datetime.date, str] = {}
    for year in range(start.year, end.year + 1):
        names.update(calendar.package_holidays(year, language))
    days_off = []
    for day in calendar.days_off_between(start, end):
        row = rows.get(day)
        if row is None and day not in names:
            status, name, basis = STATUS_WEEKEND, "", ""
        else:
            status = row.status if row is not None else STATUS_DERIVED
            name = (row.note if row is not None else "") or names.get(day, "")
            basis = basis_text(row)
        effective = calendar.effective_deadline(day)
        days_off.append(
            {
                "date": day.isoformat(),
                "name": name,
                "status": status,
                "basis": basis,
                "effective_deadline": effective.isoformat(),
            }
        )
    working_days = []
    day = start
    while day <= end:
        if day.weekday() >= 5 and calendar.is_working_day(day):
            row = rows.get(day)
            working_days.append(
                {
                    "date": day.isoformat(),
                    "name": (row.note if row is not None else "")
                    or gettext("Swapped working day"),
                    "status": row.status if row is not None else STATUS_DERIVED,
                    "basis": basis_text(row),
                }
            )
        day += datetime.timedelta(days=1)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rule": calendar.deadline_rule(),
        "rule_label": calendar.deadline_rule_label(),
        "days_off": days_off,
        "working_days": working_days,
    }
