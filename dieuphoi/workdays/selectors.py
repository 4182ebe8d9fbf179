"""Reads for the working-day calendar page (administrators)."""

from __future__ import annotations

import datetime

from django.utils.translation import get_language

from . import calendar
from .models import CalendarDay


def calendar_day_list(*, year: int) -> list[CalendarDay]:
    """The table rows of ``year``, by date (one query)."""
    return list(
        CalendarDay.objects.filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        ).order_by("date")
    )


def package_day_list(*, year: int, rows: list[CalendarDay]) -> list[dict]:
    """The package's holidays and swapped working days of ``year``, marking the
    ones a table row overrides. No queries."""
    language = "vi" if (get_language() or "").startswith("vi") else "en_US"
    overridden = {row.date: row for row in rows}
    days = [
        {"date": day, "name": name, "working": False, "row": overridden.get(day)}
        for day, name in calendar.package_holidays(year, language).items()
    ]
    days += [
        {"date": day, "name": "", "working": True, "row": overridden.get(day)}
        for day in calendar.package_weekend_workdays(year)
    ]
    return sorted(days, key=lambda d: d["date"])
