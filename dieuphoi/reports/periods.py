"""Reporting periods of Decree 09/2019/NĐ-CP, Art. 12 (``domain.md`` §4).

The data cut-off windows (thời gian chốt số liệu) are calendar dates, never
moved off a weekend or a holiday:

| type | window |
|---|---|
| ``monthly`` | the 15th of the previous month → the 14th |
| ``quarterly`` | the 15th of the month before the quarter → the 14th of its last month |
| ``half_year`` | 15 Dec of the previous year → 14 Jun (1), 15 Jun → 14 Dec (2) |
| ``nine_month`` | 15 Dec of the previous year → 14 Sep (local rules add it: ``REPORT_NINE_MONTH``) |
| ``annual`` | 15 Dec of the previous year → 14 Dec |
| ``ad_hoc`` | the requester's dates |

So 20/12/2026 belongs to January 2027, to Q1 2027 and to the year 2027.
Only the submission deadline counts working days: the cut-off plus
``REPORT_SUBMIT_WORKING_DAYS[type]`` working days (Art. 8(5)(b): at least
one; the workday calendar of ``dieuphoi.workdays``).

Public names: ``PeriodType``, ``Period`` (``type``, ``year``, ``number``,
``start``, ``end``, ``deadline``, ``label``, ``key``), ``period_of(type,
on)``, ``period(type, year, number)``, ``periods_in_year(type, year)``,
``ad_hoc(start, end)``, ``parse_key(key)``, ``enabled_types()``, ``submission_deadline(type, end)``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.workdays import calendar

CUTOFF_DAY = 14  # the window ends on the 14th and the next starts on the 15th


class PeriodType(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-year")
    NINE_MONTH = "nine_month", _("Nine months")
    ANNUAL = "annual", _("Annual")
    AD_HOC = "ad_hoc", _("Ad hoc")


# Periods of each type in a year, numbered from 1.
_COUNT = {
    PeriodType.MONTHLY: 12,
    PeriodType.QUARTERLY: 4,
    PeriodType.HALF_YEAR: 2,
    PeriodType.NINE_MONTH: 1,
    PeriodType.ANNUAL: 1,
}
# The month whose 14th closes period ``n`` of the type.
_LAST_MONTH = {
    PeriodType.MONTHLY: lambda n: n,
    PeriodType.QUARTERLY: lambda n: 3 * n,
    PeriodType.HALF_YEAR: lambda n: 6 * n,
    PeriodType.NINE_MONTH: lambda n: 9,
    PeriodType.ANNUAL: lambda n: 12,
}
# The month whose 14th closed the period before (0 = December of year - 1).
_FIRST_MONTH_BEFORE = {
    PeriodType.MONTHLY: lambda n: n - 1,
    PeriodType.QUARTERLY: lambda n: 3 * n - 3,
    PeriodType.HALF_YEAR: lambda n: 6 * n - 6,
    # Nine months and the year both run from 15 December.
    PeriodType.NINE_MONTH: lambda n: 0,
    PeriodType.ANNUAL: lambda n: 0,
}


@dataclass(frozen=True)
class Period:
    type: str
    year: int
    number: int  # month, quarter or half; 1 for nine months and the year; 0 ad hoc
    start: datetime.date
    end: datetime.date  # the cut-off: the last day whose data the report covers
    deadline: datetime.date  # the submission deadline (working days after ``end``)

    @property
    def key(self) -> str:
        """``monthly-2027-01``, ``quarterly-2027-1``, ``annual-2027``,
        ``ad_hoc-2027-03-01-2027-03-31``: the URL and API form."""
        if self.type == PeriodType.AD_HOC:
            return f"ad_hoc-{self.start.isoformat()}-{self.end.isoformat()}"
        if self.type in (PeriodType.ANNUAL, PeriodType.NINE_MONTH):
            return f"{self.type}-{self.year}"
        if self.type == PeriodType.MONTHLY:
            return f"monthly-{self.year}-{self.number:02d}"
        return f"{self.type}-{self.year}-{self.number}"

    @property
    def label(self) -> str:
        """ "Tháng 01 năm 2027", "Quý I năm 2027", "6 tháng đầu năm 2027"…"""
        values = {"year": self.year, "number": self.number}
        if self.type == PeriodType.MONTHLY:
            return gettext("Month %(number)02d of %(year)d") % values
        if self.type == PeriodType.QUARTERLY:
            return gettext("Quarter %(roman)s of %(year)d") % {
                **values,
                "roman": ("I", "II", "III", "IV")[self.number - 1],
            }
        if self.type == PeriodType.HALF_YEAR:
            if self.number == 1:
                return gettext("First half of %(year)d") % values
            return gettext("Second half of %(year)d") % values
        if self.type == PeriodType.NINE_MONTH:
            return gettext("First nine months of %(year)d") % values
        if self.type == PeriodType.ANNUAL:
            return gettext("Year %(year)d") % values
        return gettext("%(start)s to %(end)s") % {
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y"),
        }

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _fourteenth(year: int, month: int) -> datetime.date:
    """The 14th of ``month`` (0 = December of ``year - 1``)."""
    if month == 0:
        return datetime.date(year - 1, 12, CUTOFF_DAY)
    return datetime.date(year, month, CUTOFF_DAY)


def enabled_types() -> list[str]:
    """The period types offered (nine months only where local rules add it)."""
    out = [t.value for t in PeriodType]
    if not getattr(settings, "REPORT_NINE_MONTH", True):
        out.remove(PeriodType.NINE_MONTH.value)
    return out


def _check_type(type_: str) -> PeriodType:
    try:
        kind = PeriodType(type_)
    except ValueError:
        raise ValidationError(
            {
                "period_type": [
                    gettext("Unknown period type “%(value)s”.") % {"value": type_}
                ]
            }
        ) from None
    if kind.value not in enabled_types():
        raise ValidationError(
            {"period_type": [gettext("This period type is not in use here.")]}
        )
    return kind


def submit_working_days(type_: str) -> int:
    """Working days after the cut-off to send the report (at least one)."""
    table = getattr(settings, "REPORT_SUBMIT_WORKING_DAYS", {}) or {}
    return max(1, int(table.get(str(type_), table.get("default", 3))))


def submission_deadline(type_: str, end: datetime.date) -> datetime.date:
    return calendar.add_working_days(end, submit_working_days(type_))


def period(type_: str, year: int, number: int = 1) -> Period:
    """Period ``number`` of ``type_`` in ``year`` (the year its window ends in)."""
    kind = _check_type(type_)
    if kind == PeriodType.AD_HOC:
        raise ValidationError(
            {"period_type": [gettext("An ad hoc period needs its own dates.")]}
        )
    if not 1 <= number <= _COUNT[kind]:
        raise ValidationError({"number": [gettext("No such period in the year.")]})
    if not datetime.MINYEAR + 1 <= year <= datetime.MAXYEAR:
        raise ValidationError({"year": [gettext("Enter a valid year.")]})
    start = _fourteenth(year, _FIRST_MONTH_BEFORE[kind](number)) + datetime.timedelta(
        days=1
    )
    end = _fourteenth(year, _LAST_MONTH[kind](number))
    return Period(kind.value, year, number, start, end, submission_deadline(kind, end))


def periods_in_year(type_: str, year: int) -> list[Period]:
    """Every period of ``type_`` whose window ends in ``year``, in order."""
    kind = _check_type(type_)
    if kind == PeriodType.AD_HOC:
        raise ValidationError(
            {"period_type": [gettext("An ad hoc period needs its own dates.")]}
        )
    return [period(kind, year, n) for n in range(1, _COUNT[kind] + 1)]


def period_of(type_: str, on: datetime.date) -> Period:
    """The period of ``type_`` whose window holds ``on``.

    A day after the 14th belongs to the next month's window (and after 14
    December to the next year's). The nine-month window holds only 15 Dec →
    14 Sep: a day from 15 Sep to 14 Dec is in none (``ValidationError``)."""
    kind = _check_type(type_)
    if kind == PeriodType.AD_HOC:
        raise ValidationError(
            {"period_type": [gettext("An ad hoc period needs its own dates.")]}
        )
    # The month (1..12, or 13 = January of next year) whose window holds ``on``.
    month = on.month + (1 if on.day > CUTOFF_DAY else 0)
    year = on.year + (1 if month == 13 else 0)
    month = 1 if month == 13 else month
    if kind == PeriodType.MONTHLY:
        return period(kind, year, month)
    if kind == PeriodType.QUARTERLY:
        return period(kind, year, (month - 1) // 3 + 1)
    if kind == PeriodType.HALF_YEAR:
        return period(kind, year, 1 if month <= 6 else 2)
    if kind == PeriodType.NINE_MONTH:
        if month > 9:
            raise ValidationError(
                {
                    "on": [
                        gettext(
                            "No nine-month period holds %(day)s: it runs from "
                            "15 December to 14 September."
                        )
                        % {"day": on.strftime("%d/%m/%Y")}
                    ]
                }
            )
        return period(kind, year, 1)
    return period(kind, year, 1)


def ad_hoc(start: datetime.date, end: datetime.date, deadline=None) -> Period:
    """An ad hoc period with the requester's dates (``deadline`` defaults to
    the usual working days after ``end``)."""
    if end < start:
        raise ValidationError(
            {"end": [gettext("The end of the period is before its start.")]}
        )
    if deadline is not None and deadline < end:
        raise ValidationError(
            {"deadline": [gettext("The deadline is before the end of the period.")]}
        )
    return Period(
        PeriodType.AD_HOC.value,
        end.year,
        0,
        start,
        end,
        deadline or submission_deadline(PeriodType.AD_HOC, end),
    )


def parse_key(key: str) -> Period:
    """The period of a ``Period.key``; ``ValidationError`` on a bad key."""
    error = ValidationError({"period": [gettext("Not a valid period.")]})
    parts = (key or "").strip().split("-")
    try:
        type_ = parts[0]
        if type_ == PeriodType.AD_HOC and len(parts) == 7:
            start = datetime.date(*map(int, parts[1:4]))
            end = datetime.date(*map(int, parts[4:7]))
            return ad_hoc(start, end)
        if type_ in (PeriodType.ANNUAL, PeriodType.NINE_MONTH) and len(parts) == 2:
            return period(type_, int(parts[1]), 1)
        if len(parts) == 3 and type_ in _COUNT:
            return period(type_, int(parts[1]), int(parts[2]))
    except (ValueError, OverflowError):
        raise error from None
    raise error
