"""Deadlines on a day off: ``effective_deadline`` and ``overdue_cutoff``
against a plain day-by-day reference, under both settings."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieuphoi.workdays import calendar
from dieuphoi.workdays.models import CalendarDay, DailyRun

D = datetime.date
ONE = datetime.timedelta(days=1)
START = D(2025, 1, 1)
dates = st.integers(min_value=0, max_value=800).map(lambda n: START + n * ONE)
HYPOTHESIS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def ref_effective(written):
    """The first day on or after ``written`` that is worked (Art. 148(5))."""
    day = written
    while not calendar.is_working_day(day):
        day += ONE
    return day


def ref_overdue(written, on):
    """Open task with deadline ``written`` is overdue on ``on``: ``on`` is
    after the last day the deadline can be met."""
    return on > ref_effective(written)


@pytest.fixture
def as_written(settings):
    settings.DEADLINE_ON_DAY_OFF = "as_written"


class TestNextWorkingDay:
    def test_a_working_day_is_its_own_deadline(self):
        assert calendar.effective_deadline(D(2026, 12, 2)) == D(2026, 12, 2)

    def test_a_saturday_runs_to_monday(self):
        assert calendar.effective_deadline(D(2026, 12, 5)) == D(2026, 12, 7)

    def test_tet_2026_runs_to_the_first_working_day_after_it(self):
        assert calendar.effective_deadline(D(2026, 2, 14)) == D(2026, 2, 23)
        assert calendar.effective_deadline(D(2026, 2, 17)) == D(2026, 2, 23)

    def test_the_announced_new_year_swap_counts(self, db):
        CalendarDay.objects.create(date=D(2026, 1, 2), kind="day_off")
        assert calendar.effective_deadline(D(2026, 1, 1)) == D(2026, 1, 5)

    def test_overdue_cutoff_around_a_weekend(self):
        # Friday 04/12/2026 is worked; the weekend and Monday follow.
        assert calendar.overdue_cutoff(D(2026, 12, 5)) == D(2026, 12, 5)
        assert calendar.overdue_cutoff(D(2026, 12, 7)) == D(2026, 12, 5)
        assert calendar.overdue_cutoff(D(2026, 12, 8)) == D(2026, 12, 8)

    @HYPOTHESIS
    @given(written=dates)
    def test_effective_deadline_matches_the_reference(self, written):
        assert calendar.effective_deadline(written) == ref_effective(written)

    @HYPOTHESIS
    @given(written=dates, on=dates)
    def test_overdue_cutoff_matches_the_reference(self, written, on):
        cutoff = calendar.overdue_cutoff(on)
        assert (written < cutoff) == ref_overdue(written, on)
        assert cutoff <= on

    @HYPOTHESIS
    @given(on=dates)
    def test_the_cutoff_never_goes_back(self, on):
        assert calendar.overdue_cutoff(on) <= calendar.overdue_cutoff(on + ONE)


class TestAsWritten:
    @HYPOTHESIS
    @given(written=dates, on=dates)
    def test_the_written_date_decides(self, as_written, written, on):
        assert calendar.effective_deadline(written) == written
        assert calendar.overdue_cutoff(on) == on
        assert (written < calendar.overdue_cutoff(on)) == (on > written)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offs=st.lists(
        st.integers(min_value=0, max_value=120).map(lambda n: D(2026, 1, 1) + n * ONE),
        max_size=6,
        unique=True,
    ),
    written=st.integers(min_value=0, max_value=120).map(
        lambda n: D(2026, 1, 1) + n * ONE
    ),
    on=st.integers(min_value=0, max_value=130).map(lambda n: D(2026, 1, 1) + n * ONE),
)
def test_with_random_announced_days_the_rules_still_match(offs, written, on):
    """Announced days off (weekdays) and swapped Saturdays from the table."""
    CalendarDay.objects.all().delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, kind="working_day" if day.weekday() >= 5 else "day_off")
        for day in offs
    )
    calendar.invalidate()  # bulk_create sends no signals
    try:
        assert calendar.effective_deadline(written) == ref_effective(written)
        assert (written < calendar.overdue_cutoff(on)) == ref_overdue(written, on)
    finally:
        calendar.reset_for_tests()


def test_days_off_between_and_runs():
    off = calendar.days_off_between(D(2026, 2, 13), D(2026, 2, 24))
    assert off == [D(2026, 2, 14) + i * ONE for i in range(9)]
    assert calendar.day_off_runs(D(2026, 2, 13), D(2026, 2, 24)) == [
        (D(2026, 2, 14), D(2026, 2, 22), D(2026, 2, 23))
    ]
    # A run cut by the end of the range still knows its next working day.
    assert calendar.day_off_runs(D(2026, 2, 12), D(2026, 2, 15)) == [
        (D(2026, 2, 14), D(2026, 2, 15), D(2026, 2, 23))
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("rule", ["next_working_day", "as_written"])
def test_the_sql_expression_matches_effective_deadline(settings, rule):
    settings.DEADLINE_ON_DAY_OFF = rule
    start, end = D(2026, 1, 1), D(2026, 3, 31)
    days = [start + i * ONE for i in range((end - start).days + 1)]
    DailyRun.objects.bulk_create(DailyRun(name="x", day=day) for day in days)
    rows = DailyRun.objects.annotate(
        effective=calendar.effective_deadline_expression("day", start=start, end=end)
    ).values_list("day", "effective")
    got = dict(rows)
    assert got == {day: calendar.effective_deadline(day) for day in days}


class TestDueWorkingDay:
    def test_next_working_day_rule(self):
        assert calendar.due_working_day(D(2026, 12, 5)) == D(2026, 12, 7)
        assert calendar.deadlines_due_on(D(2026, 12, 7)) == [
            D(2026, 12, 5),
            D(2026, 12, 6),
            D(2026, 12, 7),
        ]
        assert calendar.deadlines_due_on(D(2026, 12, 5)) == []

    def test_as_written_rule_keeps_fridays_work(self, as_written):
        assert calendar.due_working_day(D(2026, 12, 5)) == D(2026, 12, 4)
        assert calendar.deadlines_due_on(D(2026, 12, 4)) == [
            D(2026, 12, 4),
            D(2026, 12, 5),
            D(2026, 12, 6),
        ]

    @HYPOTHESIS
    @given(written=dates, rule=st.sampled_from(["next_working_day", "as_written"]))
    def test_each_deadline_is_due_on_exactly_one_working_day(
        self, settings, written, rule
    ):
        settings.DEADLINE_ON_DAY_OFF = rule
        due = calendar.due_working_day(written)
        assert calendar.is_working_day(due)
        assert written in calendar.deadlines_due_on(due)
        for other in (due - ONE, due + ONE):
            assert written not in calendar.deadlines_due_on(other)
        if rule == "next_working_day":
            assert due == calendar.effective_deadline(written)
