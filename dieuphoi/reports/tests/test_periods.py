"""Decree 09/2019/NĐ-CP Art. 12 windows against a plain reference.

The reference walks the calendar day by day: a day after the 14th belongs to
the next month; months group into quarters and halves; the year (and the
nine months) start on 15 December. ``periods`` computes the same by
arithmetic; the two must agree on every day.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from dieuphoi.reports import periods
from dieuphoi.reports.periods import PeriodType
from dieuphoi.workdays import calendar

D = datetime.date
TYPES = [t for t in PeriodType.values if t != PeriodType.AD_HOC]


def reference(type_: str, day: D) -> tuple[int, int] | None:
    """(year, number) of the window holding ``day``, walked by hand."""
    # The "report month": the month whose 14th closes the window.
    year, month = day.year, day.month
    if day.day >= 15:
        month += 1
        if month == 13:
            year, month = year + 1, 1
    if type_ == "monthly":
        return year, month
    if type_ == "quarterly":
        return year, {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 3, 8: 3, 9: 3}.get(
            month, 4
        )
    if type_ == "half_year":
        return year, 1 if month in (1, 2, 3, 4, 5, 6) else 2
    if type_ == "nine_month":
        return (year, 1) if month <= 9 else None
    return year, 1


# The examples of domain.md §4.
@pytest.mark.parametrize(
    ("type_", "year", "number", "start", "end"),
    [
        ("monthly", 2027, 1, D(2026, 12, 15), D(2027, 1, 14)),
        ("monthly", 2026, 3, D(2026, 2, 15), D(2026, 3, 14)),
        ("quarterly", 2026, 1, D(2025, 12, 15), D(2026, 3, 14)),
        ("quarterly", 2026, 2, D(2026, 3, 15), D(2026, 6, 14)),
        ("quarterly", 2026, 4, D(2026, 9, 15), D(2026, 12, 14)),
        ("half_year", 2026, 1, D(2025, 12, 15), D(2026, 6, 14)),
        ("half_year", 2026, 2, D(2026, 6, 15), D(2026, 12, 14)),
        ("nine_month", 2026, 1, D(2025, 12, 15), D(2026, 9, 14)),
        ("annual", 2026, 1, D(2025, 12, 15), D(2026, 12, 14)),
    ],
)
def test_windows_of_the_decree(type_, year, number, start, end):
    p = periods.period(type_, year, number)
    assert (p.start, p.end) == (start, end)


def test_a_day_after_the_cutoff_belongs_to_the_next_windows():
    day = D(2026, 12, 20)
    assert periods.period_of("monthly", day).key == "monthly-2027-01"
    assert periods.period_of("quarterly", day).key == "quarterly-2027-1"
    assert periods.period_of("annual", day).key == "annual-2027"
    assert periods.period_of("annual", D(2026, 12, 14)).key == "annual-2026"


@pytest.mark.parametrize("year", [2024, 2025, 2028, 2100, 2000])
def test_every_day_of_a_year_in_exactly_one_window_of_each_type(year):
    """Leap years (2024, 2028, 2000) and a century non-leap year (2100)."""
    day = D(year, 1, 1)
    while day.year == year:
        for type_ in TYPES:
            expected = reference(type_, day)
            holding = [
                p
                for y in (year, year + 1)
                for n in range(
                    1, {"monthly": 13, "quarterly": 5, "half_year": 3}.get(type_, 2)
                )
                for p in [periods.period(type_, y, n)]
                if p.contains(day)
            ]
            if expected is None:
                assert holding == []
                with pytest.raises(ValidationError):
                    periods.period_of(type_, day)
                continue
            assert len(holding) == 1, (type_, day, holding)
            found = periods.period_of(type_, day)
            assert (
                (found.year, found.number)
                == expected
                == (
                    holding[0].year,
                    holding[0].number,
                )
            )
        day += datetime.timedelta(days=1)


def test_february_windows_on_leap_years():
    assert periods.period("monthly", 2024, 3).start == D(2024, 2, 15)
    assert (periods.period("monthly", 2024, 3).end - D(2024, 2, 15)).days == 28
    assert (periods.period("monthly", 2025, 3).end - D(2025, 2, 15)).days == 27


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=D(1990, 1, 1), max_value=D(2200, 12, 31)),
    type_=st.sampled_from(TYPES),
)
def test_period_of_matches_the_reference(day, type_):
    expected = reference(type_, day)
    if expected is None:
        with pytest.raises(ValidationError):
            periods.period_of(type_, day)
        return
    p = periods.period_of(type_, day)
    assert (p.year, p.number) == expected
    assert p.start <= day <= p.end
    # The windows tile the calendar: the next one starts the day after.
    assert p.end.day == 14 and p.start.day == 15
    assert periods.parse_key(p.key) == p


@pytest.mark.django_db
def test_the_cutoff_is_never_moved_and_the_deadline_counts_working_days():
    # 14/03/2026 is a Saturday: the window still ends on it.
    p = periods.period("monthly", 2026, 3)
    assert p.end == D(2026, 3, 14) and p.end.weekday() == 5
    assert p.deadline == calendar.add_working_days(p.end, 3)
    assert p.deadline == D(2026, 3, 18)  # Mon 16, Tue 17, Wed 18
    with override_settings(REPORT_SUBMIT_WORKING_DAYS={"monthly": 1}):
        assert periods.period("monthly", 2026, 3).deadline == D(2026, 3, 16)


@pytest.mark.django_db
def test_ad_hoc_and_bad_input():
    p = periods.ad_hoc(D(2026, 3, 1), D(2026, 3, 31))
    assert p.type == "ad_hoc" and p.deadline > p.end
    assert periods.parse_key(p.key) == p
    with pytest.raises(ValidationError) as err:
        periods.ad_hoc(D(2026, 3, 31), D(2026, 3, 1))
    assert "end" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        periods.ad_hoc(D(2026, 3, 1), D(2026, 3, 31), D(2026, 3, 20))
    assert "deadline" in err.value.message_dict
    for bad in ("", "weekly-2026-1", "monthly-2026-13", "quarterly-2026-0",
                "annual-x", "ad_hoc-2026-02-30-2026-03-01", "monthly-2026"):  # fmt: skip
        with pytest.raises(ValidationError):
            periods.parse_key(bad)
    with pytest.raises(ValidationError):
        periods.period("ad_hoc", 2026, 1)


@pytest.mark.django_db
def test_nine_months_can_be_switched_off():
    with override_settings(REPORT_NINE_MONTH=False):
        assert "nine_month" not in periods.enabled_types()
        with pytest.raises(ValidationError):
            periods.period("nine_month", 2026, 1)
    assert "nine_month" in periods.enabled_types()
