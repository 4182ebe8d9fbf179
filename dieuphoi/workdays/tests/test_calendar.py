"""The working-day calendar: package holidays, weekends, the admin table."""

import datetime

import pytest

from dieuphoi.workdays import calendar
from dieuphoi.workdays.models import CalendarDay

D = datetime.date


class TestPackage:
    def test_tet_2026_is_off_from_monday_16_to_friday_20_february(self):
        # The government's 9-day Tết 2026 (14/02-22/02) is these five days
        # plus the weekends around them.
        for day in range(14, 23):
            assert not calendar.is_working_day(D(2026, 2, day)), day
        assert calendar.is_working_day(D(2026, 2, 13))
        assert calendar.is_working_day(D(2026, 2, 23))

    def test_counting_across_tet(self):
        friday_before = D(2026, 2, 13)
        assert calendar.add_working_days(friday_before, 1) == D(2026, 2, 23)
        assert calendar.add_working_days(friday_before, 5) == D(2026, 2, 27)
        assert calendar.add_working_days(D(2026, 2, 23), -1) == friday_before
        assert calendar.working_days_between(friday_before, D(2026, 2, 23)) == 1

    def test_hung_kings_day_on_a_sunday_is_observed_on_monday(self):
        assert not calendar.is_working_day(D(2026, 4, 26))
        assert not calendar.is_working_day(D(2026, 4, 27))
        assert calendar.next_working_day(D(2026, 4, 24)) == D(2026, 4, 28)

    def test_the_packages_swapped_saturday_is_worked(self):
        # National Day 2026: Monday 31/08 off, Saturday 22/08 worked instead.
        assert calendar.is_working_day(D(2026, 8, 22))
        assert not calendar.is_working_day(D(2026, 8, 31))
        assert calendar.next_working_day(D(2026, 8, 21)) == D(2026, 8, 22)

    def test_vietnam_cultural_day_from_2026(self):
        assert not calendar.is_working_day(D(2026, 11, 24))


class TestCounting:
    def test_add_zero_is_the_day_itself(self):
        sunday = D(2025, 6, 29)
        assert calendar.add_working_days(sunday, 0) == sunday
        assert calendar.working_day_on_or_after(sunday) == D(2025, 6, 30)
        assert calendar.working_day_on_or_after(D(2025, 6, 30)) == D(2025, 6, 30)

    def test_positive_and_negative_over_a_weekend(self):
        friday, monday = D(2025, 6, 27), D(2025, 6, 30)
        assert calendar.add_working_days(friday, 1) == monday
        assert calendar.add_working_days(monday, -1) == friday
        assert calendar.previous_working_day(monday) == friday
        assert calendar.add_working_days(monday, -5) == D(2025, 6, 23)

    def test_between_is_antisymmetric_and_inverts_add(self):
        start = D(2026, 1, 30)  # a Friday, two weeks before Tết
        assert calendar.is_working_day(start)
        for n in range(0, 40, 3):
            end = calendar.add_working_days(start, n)
            assert calendar.working_days_between(start, end) == n
            assert calendar.working_days_between(end, start) == -n
            assert calendar.add_working_days(end, -n) == start

    def test_between_a_weekend_counts_nothing(self):
        assert calendar.working_days_between(D(2025, 6, 27), D(2025, 6, 29)) == 0


@pytest.mark.django_db
class TestTable:
    def test_a_swapped_working_saturday_from_the_table(self):
        saturday = D(2026, 12, 12)
        assert not calendar.is_working_day(saturday)
        CalendarDay.objects.create(date=saturday, kind=CalendarDay.Kind.WORKING_DAY)
        assert calendar.is_working_day(saturday)
        assert calendar.next_working_day(D(2026, 12, 11)) == saturday

    def test_an_announced_day_off_on_a_weekday(self):
        thursday = D(2026, 12, 31)
        CalendarDay.objects.create(date=thursday, kind=CalendarDay.Kind.DAY_OFF)
        assert not calendar.is_working_day(thursday)
        assert calendar.add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 4)

    def test_the_table_overrides_the_package_both_ways(self):
        holiday, swapped_saturday = D(2026, 9, 2), D(2026, 8, 22)
        CalendarDay.objects.create(date=holiday, kind=CalendarDay.Kind.WORKING_DAY)
        CalendarDay.objects.create(date=swapped_saturday, kind=CalendarDay.Kind.DAY_OFF)
        assert calendar.is_working_day(holiday)
        assert not calendar.is_working_day(swapped_saturday)
        assert calendar.package_is_working_day(swapped_saturday)

    def test_deleting_a_row_restores_the_package_answer(self):
        row = CalendarDay.objects.create(
            date=D(2026, 12, 12), kind=CalendarDay.Kind.WORKING_DAY
        )
        assert calendar.is_working_day(row.date)
        row.delete()
        assert not calendar.is_working_day(row.date)

    def test_lookups_cost_no_query_once_the_table_is_cached(
        self, django_assert_num_queries
    ):
        CalendarDay.objects.create(date=D(2026, 12, 12), kind="working_day")
        calendar.is_working_day(D(2026, 1, 2))  # reads the table once
        with django_assert_num_queries(0):
            calendar.add_working_days(D(2026, 1, 2), 250)
            calendar.working_days_between(D(2026, 1, 1), D(2026, 12, 31))

    def test_another_process_sees_a_change_through_the_stamp(
        self, settings, django_assert_num_queries
    ):
        # This process cached the table; another process then writes it
        # (simulated by an update, which sends no signal here).
        saturday = D(2026, 12, 12)
        row = CalendarDay.objects.create(date=saturday, kind="working_day")
        assert calendar.is_working_day(saturday)
        CalendarDay.objects.filter(pk=row.pk).update(kind="day_off")
        assert calendar.is_working_day(saturday)  # still cached: no stamp checks

        calendar.invalidate()
        calendar._cache.ttl = 0  # production: check the stamp every time
        with django_assert_num_queries(2):  # stamp, then the rows that changed
            assert not calendar.is_working_day(saturday)
        with django_assert_num_queries(1):  # stamp only: unchanged
            assert not calendar.is_working_day(saturday)

    def test_the_version_changes_with_the_table(self):
        before = calendar.calendar_version()
        CalendarDay.objects.create(date=D(2026, 12, 12), kind="working_day")
        assert calendar.calendar_version() != before

    def test_day_reason(self):
        assert calendar.day_reason(D(2026, 2, 17), "en_US") == "Lunar New Year"
        assert calendar.day_reason(D(2026, 8, 22)) != ""
        CalendarDay.objects.create(
            date=D(2026, 12, 12), kind="working_day", note="Làm bù"
        )
        assert calendar.day_reason(D(2026, 12, 12)) == "Làm bù"
        assert calendar.day_reason(D(2026, 12, 10)) == ""
