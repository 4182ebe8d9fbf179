"""Buckets and warnings: SQL annotations, Q filters and the Python reference
must agree, on the boundaries and on generated data. The suite runs on SQLite
and on PostgreSQL, so each test checks both databases' SQL."""

import datetime

import pytest
from django.db.models import Count
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieuphoi.core.models import local_today
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory

S = Task.State
D = datetime.date(2025, 6, 30)  # a Monday
DAY = datetime.timedelta(days=1)


def sql_bucket(task, on):
    return buckets.annotate_buckets(Task.objects.filter(pk=task.pk), on).get().bucket


def q_buckets(task, on):
    """Names of the buckets whose Q filter matches the task (both forms)."""
    names = [
        [
            name
            for name in buckets.BUCKETS
            if Task.objects.filter(
                buckets.bucket_q(name, on, indexed=indexed), pk=task.pk
            ).exists()
        ]
        for indexed in (True, False)
    ]
    assert names[0] == names[1]
    return names[0]


def assert_bucket(task, on, expected):
    assert buckets.bucket_of(task, on) == expected
    assert sql_bucket(task, on) == expected
    assert q_buckets(task, on) == ([expected] if expected else [])


@pytest.mark.django_db
class TestBoundaries:
    def test_deadline_today_is_within_deadline(self):
        task = TaskFactory(assigned_on=D - 30 * DAY, deadline=D)
        assert_bucket(task, D, buckets.IN_PROGRESS_WITHIN_DEADLINE)

    def test_deadline_yesterday_is_overdue(self):
        # Tuesday 1 July: Monday's deadline has passed (see TestDeadlineOnADayOff
        # for a deadline on a day off).
        task = TaskFactory(assigned_on=D - 30 * DAY, deadline=D)
        assert_bucket(task, D + DAY, buckets.OVERDUE)

    def test_completed_on_the_deadline_is_on_time(self):
        task = TaskFactory(
            assigned_on=D - 30 * DAY, deadline=D, state=S.COMPLETED, completed_on=D
        )
        assert_bucket(task, D, buckets.COMPLETED_ON_TIME)
        assert_bucket(task, D + 10 * DAY, buckets.COMPLETED_ON_TIME)

    def test_completed_the_day_after_is_late(self):
        task = TaskFactory(
            assigned_on=D - 30 * DAY,
            deadline=D,
            state=S.COMPLETED,
            completed_on=D + DAY,
        )
        assert_bucket(task, D + DAY, buckets.COMPLETED_LATE)

    def test_no_deadline_open_is_within_deadline_and_completed_is_on_time(self):
        open_task = TaskFactory(assigned_on=D - 300 * DAY, deadline=None)
        done = TaskFactory(
            assigned_on=D - 300 * DAY, deadline=None, state=S.COMPLETED, completed_on=D
        )
        assert_bucket(open_task, D, buckets.IN_PROGRESS_WITHIN_DEADLINE)
        assert_bucket(done, D, buckets.COMPLETED_ON_TIME)

    def test_cancelled_has_no_bucket_and_is_not_counted(self):
        task = TaskFactory(
            assigned_on=D - 30 * DAY,
            deadline=D - 5 * DAY,
            state=S.CANCELLED,
            cancelled_on=D - DAY,
        )
        assert_bucket(task, D, None)
        assert not Task.objects.filter(buckets.counted_q(D)).exists()

    def test_cancelled_after_the_as_of_date_counts_as_open(self):
        task = TaskFactory(
            assigned_on=D - 30 * DAY,
            deadline=D - 5 * DAY,
            state=S.CANCELLED,
            cancelled_on=D + DAY,
        )
        assert_bucket(task, D, buckets.OVERDUE)

    def test_extended_deadline_uses_the_current_deadline(self):
        task = TaskFactory(
            assigned_on=D - 60 * DAY,
            original_deadline=D - 10 * DAY,
            deadline=D + 10 * DAY,
            extension_count=1,
        )
        assert_bucket(task, D, buckets.IN_PROGRESS_WITHIN_DEADLINE)
        done = TaskFactory(
            assigned_on=D - 60 * DAY,
            original_deadline=D - 10 * DAY,
            deadline=D + 10 * DAY,
            extension_count=1,
            state=S.COMPLETED,
            completed_on=D,
        )
        assert_bucket(done, D, buckets.COMPLETED_ON_TIME)

    def test_completed_after_the_as_of_date_counts_as_open_then(self):
        task = TaskFactory(
            assigned_on=D - 60 * DAY,
            deadline=D - 5 * DAY,
            state=S.COMPLETED,
            completed_on=D + 3 * DAY,
        )
        assert_bucket(task, D, buckets.OVERDUE)
        assert_bucket(task, D - 10 * DAY, buckets.IN_PROGRESS_WITHIN_DEADLINE)
        assert_bucket(task, D + 3 * DAY, buckets.COMPLETED_LATE)

    def test_reported_done_but_not_confirmed_is_still_open(self):
        task = TaskFactory(
            assigned_on=D - 60 * DAY,
            deadline=D - 3 * DAY,  # Friday
            state=S.REPORTED_DONE,
            reported_done_on=D - 2 * DAY,
            progress=100,
        )
        assert_bucket(task, D, buckets.OVERDUE)

    def test_assigned_after_the_as_of_date_is_not_in_the_view(self):
        task = TaskFactory(assigned_on=D + DAY, deadline=D + 30 * DAY)
        assert not Task.objects.filter(buckets.in_view_q(D), pk=task.pk).exists()
        assert Task.objects.filter(buckets.in_view_q(D + DAY), pk=task.pk).exists()


class TestWorkingDays:
    def test_weekend_is_skipped(self):
        friday = datetime.date(2025, 6, 27)
        assert buckets.add_working_days(friday, 1) == datetime.date(2025, 6, 30)

    def test_national_day_holidays_are_skipped(self):
        friday = datetime.date(2025, 8, 29)
        # Mon 1 and Tue 2 September 2025 are National Day holidays.
        assert buckets.add_working_days(friday, 1) == datetime.date(2025, 9, 3)

    def test_tet_is_skipped(self):
        friday = datetime.date(2026, 2, 13)
        # Tết 2026: Mon 16 to Fri 20 February.
        assert buckets.add_working_days(friday, 5) == datetime.date(2026, 2, 27)

    @override_settings(DUE_SOON_WORKING_DAYS=2)
    def test_limit_follows_the_setting(self):
        assert buckets.due_soon_limit(D) == datetime.date(2025, 7, 2)

    @pytest.mark.django_db
    def test_announced_days_off_in_the_calendar_table_count(self):
        from dieuphoi.workdays.models import CalendarDay

        # Wednesday 2 July 2025 declared a day off: the limit moves a day.
        CalendarDay.objects.create(date=datetime.date(2025, 7, 2), kind="day_off")
        assert buckets.due_soon_limit(D) == datetime.date(2025, 7, 8)


@pytest.mark.django_db
class TestWarnings:
    def warnings(self, task, on):
        row = buckets.annotate_buckets(Task.objects.filter(pk=task.pk), on).get()
        sql = buckets.task_warnings(row)
        for name in buckets.WARNINGS:
            for indexed in (True, False):
                matched = Task.objects.filter(
                    buckets.warning_q(name, on, indexed=indexed), pk=task.pk
                ).exists()
                assert matched == (name in sql)
        assert buckets.warnings_of(task, on) == sql
        return sql

    def test_due_soon_counts_working_days(self):
        # D is Monday 30 June 2025; five working days later is Monday 7 July.
        inside = TaskFactory(
            assigned_on=D - 30 * DAY, deadline=datetime.date(2025, 7, 7), progress=90
        )
        outside = TaskFactory(
            assigned_on=D - 30 * DAY, deadline=datetime.date(2025, 7, 8), progress=90
        )
        today = TaskFactory(assigned_on=D - 30 * DAY, deadline=D, progress=100)
        assert self.warnings(inside, D) == [buckets.DUE_SOON]
        assert self.warnings(outside, D) == []
        assert self.warnings(today, D) == [buckets.DUE_SOON]

    def test_completed_task_is_never_due_soon(self):
        task = TaskFactory(
            assigned_on=D - 30 * DAY,
            deadline=D + DAY,
            state=S.COMPLETED,
            completed_on=D,
            progress=100,
        )
        assert self.warnings(task, D) == []

    def test_at_risk_when_progress_is_far_behind_time(self):
        # 100 days, 80 elapsed: expected 80%; 54% is 26 points behind.
        assigned = D - 80 * DAY
        behind = TaskFactory(
            assigned_on=assigned, deadline=assigned + 100 * DAY, progress=54
        )
        on_edge = TaskFactory(
            assigned_on=assigned, deadline=assigned + 100 * DAY, progress=55
        )
        assert self.warnings(behind, D) == [buckets.AT_RISK]
        assert self.warnings(on_edge, D) == []
        with translation.override("en"):
            reason = buckets.why_at_risk(behind, D)
        assert "54%" in reason and "80%" in reason and "80 of 100" in reason
        assert buckets.why_at_risk(on_edge, D) is None

    @override_settings(TASK_AT_RISK_GAP=10)
    def test_at_risk_threshold_is_a_setting(self):
        assigned = D - 80 * DAY
        task = TaskFactory(
            assigned_on=assigned, deadline=assigned + 100 * DAY, progress=65
        )
        assert self.warnings(task, D) == [buckets.AT_RISK]

    def test_overdue_and_no_deadline_tasks_are_not_at_risk(self):
        overdue = TaskFactory(
            assigned_on=D - 80 * DAY, deadline=D - 3 * DAY, progress=0
        )
        no_deadline = TaskFactory(assigned_on=D - 80 * DAY, deadline=None, progress=0)
        assert self.warnings(overdue, D) == []
        assert self.warnings(no_deadline, D) == []


# --- property test against the reference -------------------------------------------

# Dates up to 200 days after BASE, completions up to 150 days later: all in
# the past, as the services guarantee; "as of" dates reach 60 days past
# today, so both forms of the SQL (past dates, today and later) are tested.
BASE = local_today() - datetime.timedelta(days=400)
day_offsets = st.integers(min_value=0, max_value=200)


@st.composite
def task_rows(draw):
    assigned = BASE + datetime.timedelta(days=draw(day_offsets))
    deadline = draw(
        st.one_of(
            st.none(),
            st.integers(0, 120).map(lambda n: assigned + datetime.timedelta(days=n)),
        )
    )
    state = draw(st.sampled_from(list(S.values)))
    after = st.integers(0, 150).map(lambda n: assigned + datetime.timedelta(days=n))
    return {
        "assigned_on": assigned,
        "deadline": deadline,
        "state": state,
        "completed_on": draw(after) if state == S.COMPLETED else None,
        "cancelled_on": draw(after) if state == S.CANCELLED else None,
        "progress": draw(st.integers(0, 100)),
    }


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(task_rows(), min_size=1, max_size=12),
    on_offset=st.integers(min_value=0, max_value=460),
)
def test_sql_buckets_and_warnings_match_the_reference(
    hanoi_team, member_agency, rows, on_offset
):
    on = BASE + datetime.timedelta(days=on_offset)
    Task.objects.all().delete()
    tasks = Task.objects.bulk_create(
        Task(
            body=hanoi_team,
            lead_agency=member_agency,
            year=row["assigned_on"].year,
            seq=i + 1,
            code=f"NV-{i}",
            title="t",
            original_deadline=row["deadline"],
            **row,
        )
        for i, row in enumerate(rows)
    )
    by_id = dict(zip((t.pk for t in tasks), rows, strict=True))
    # Rows written without history: the history form (forced, or for a past
    # date) falls back to the dated columns and agrees with the reference.
    for history in (None, True):
        annotated = buckets.annotate_buckets(
            Task.objects.filter(buckets.in_view_q(on)), on, history=history
        ).values("pk", "bucket", "is_due_soon", "is_at_risk")
        seen = set()
        for row in annotated:
            ref = by_id[row["pk"]]
            seen.add(row["pk"])
            assert row["bucket"] == buckets.bucket_of(ref, on)
            assert row["is_due_soon"] == buckets.is_due_soon(ref, on)
            assert row["is_at_risk"] == buckets.is_at_risk(ref, on)
        assert seen == {pk for pk, ref in by_id.items() if ref["assigned_on"] <= on}

    in_view = [r for r in rows if r["assigned_on"] <= on]
    for indexed in (True, False):
        counts = Task.objects.filter(buckets.in_view_q(on)).aggregate(
            **{
                n: Count("id", filter=buckets.bucket_q(n, on, indexed=indexed))
                for n in buckets.BUCKETS
            },
            **{
                n: Count("id", filter=buckets.warning_q(n, on, indexed=indexed))
                for n in buckets.WARNINGS
            },
        )
        for name in buckets.BUCKETS:
            expected = sum(1 for r in in_view if buckets.bucket_of(r, on) == name)
            assert counts[name] == expected, (name, indexed)
        for name in buckets.WARNINGS:
            expected = sum(1 for r in in_view if name in buckets.warnings_of(r, on))
            assert counts[name] == expected, (name, indexed)


@pytest.mark.django_db
def test_bucket_counts_are_the_same_on_every_database(hanoi_team, member_agency):
    """A fixed data set with hand-counted buckets: the figures below must
    come out on SQLite and on PostgreSQL alike (the suite runs on both)."""
    on = D
    spec = [
        # (assigned offset, deadline offset or None, state, completion offset)
        (-40, 0, S.IN_PROGRESS, None),  # within (deadline today)
        (-40, 5, S.NEW, None),  # within
        (-40, None, S.IN_PROGRESS, None),  # within (no deadline)
        (-40, -3, S.IN_PROGRESS, None),  # overdue (Friday)
        (-40, -1, S.IN_PROGRESS, None),  # within (Sunday: due Monday)
        (-40, -10, S.REPORTED_DONE, None),  # overdue
        (-40, -5, S.COMPLETED, 2),  # overdue (completed after D)
        (-40, 0, S.COMPLETED, 0),  # on time
        (-40, None, S.COMPLETED, -3),  # on time
        (-40, -3, S.COMPLETED, -1),  # late (Friday's deadline, done Sunday)
        (-40, -2, S.COMPLETED, 0),  # on time (Saturday's deadline, done Monday)
        (-40, -2, S.CANCELLED, -1),  # not counted
        (5, 10, S.NEW, None),  # not in view (assigned after D)
    ]
    for i, (a, d, state, c) in enumerate(spec):
        TaskFactory(
            body=hanoi_team,
            lead_agency=member_agency,
            seq=i + 1,
            assigned_on=on + a * DAY,
            deadline=on + d * DAY if d is not None else None,
            state=state,
            completed_on=on + c * DAY if state == S.COMPLETED else None,
            cancelled_on=on + c * DAY if state == S.CANCELLED else None,
        )
    counts = Task.objects.filter(buckets.in_view_q(on)).aggregate(
        **{n: Count("id", filter=buckets.bucket_q(n, on)) for n in buckets.BUCKETS}
    )
    assert counts == {
        "completed_on_time": 3,
        "completed_late": 1,
        "in_progress_within_deadline": 4,
        "overdue": 3,
    }


def test_labels_are_the_domain_labels():
    assert str(buckets.BUCKET_LABELS[buckets.COMPLETED_ON_TIME]) in (
        "Completed on time",
        "Đã hoàn thành đúng hạn",
    )
    assert set(buckets.BUCKET_LABELS) == set(buckets.BUCKETS)


# --- deadlines on a day off (settings.DEADLINE_ON_DAY_OFF) --------------------------

SAT = datetime.date(2025, 6, 28)  # Monday 30 June is a working day
NEXT = "next_working_day"
WRITTEN = "as_written"


def every_form(task, on):
    """The bucket and warnings of ``task`` on ``on`` by the reference, and
    check every SQL form agrees: the current columns and the history, each
    as an annotation and as indexed and unindexed filters."""
    expected = buckets.bucket_of(task, on)
    warnings = buckets.warnings_of(task, on)
    for history in (False, True):
        row = buckets.annotate_buckets(
            Task.objects.filter(pk=task.pk), on, history=history
        ).get()
        assert row.bucket == expected, history
        assert buckets.task_warnings(row) == warnings, history
        for indexed in (True, False):
            matched = [
                name
                for name in buckets.BUCKETS
                if Task.objects.filter(
                    buckets.bucket_q(name, on, indexed=indexed, history=history),
                    pk=task.pk,
                ).exists()
            ]
            assert matched == ([expected] if expected else []), (history, indexed)
            matched = [
                name
                for name in buckets.WARNINGS
                if Task.objects.filter(
                    buckets.warning_q(name, on, indexed=indexed, history=history),
                    pk=task.pk,
                ).exists()
            ]
            assert matched == warnings, (history, indexed)
    return expected


@pytest.mark.django_db
class TestDeadlineOnADayOff:
    @override_settings(DEADLINE_ON_DAY_OFF=NEXT)
    def test_saturday_deadline_is_overdue_from_tuesday(self):
        task = TaskFactory(assigned_on=SAT - 30 * DAY, deadline=SAT)
        for on in (SAT, SAT + DAY, SAT + 2 * DAY):  # Saturday, Sunday, Monday
            assert every_form(task, on) == buckets.IN_PROGRESS_WITHIN_DEADLINE, on
        assert every_form(task, SAT + 3 * DAY) == buckets.OVERDUE

    @override_settings(DEADLINE_ON_DAY_OFF=WRITTEN)
    def test_saturday_deadline_as_written_is_overdue_from_sunday(self):
        task = TaskFactory(assigned_on=SAT - 30 * DAY, deadline=SAT)
        assert every_form(task, SAT) == buckets.IN_PROGRESS_WITHIN_DEADLINE
        assert every_form(task, SAT + DAY) == buckets.OVERDUE

    @pytest.mark.parametrize(
        ("rule", "expected"),
        [(NEXT, buckets.COMPLETED_ON_TIME), (WRITTEN, buckets.COMPLETED_LATE)],
    )
    def test_completed_the_monday_after_a_saturday_deadline(self, rule, expected):
        monday = SAT + 2 * DAY
        with override_settings(DEADLINE_ON_DAY_OFF=rule):
            task = TaskFactory(
                assigned_on=SAT - 30 * DAY,
                deadline=SAT,
                state=S.COMPLETED,
                completed_on=monday,
            )
            assert every_form(task, monday) == expected
            assert every_form(task, monday + 30 * DAY) == expected
            tuesday = TaskFactory(
                assigned_on=SAT - 30 * DAY,
                deadline=SAT,
                state=S.COMPLETED,
                completed_on=monday + DAY,
            )
            assert every_form(tuesday, monday + DAY) == buckets.COMPLETED_LATE

    @override_settings(DEADLINE_ON_DAY_OFF=NEXT)
    def test_tet_moves_the_deadline_to_the_first_working_day_after(self):
        # Tết 2026: Saturday 14 to Sunday 22 February off; Monday 23 worked.
        deadline = datetime.date(2026, 2, 17)
        first_day_back = datetime.date(2026, 2, 23)
        task = TaskFactory(assigned_on=deadline - 60 * DAY, deadline=deadline)
        for on in (deadline, deadline + DAY, first_day_back):
            assert every_form(task, on) == buckets.IN_PROGRESS_WITHIN_DEADLINE
        assert every_form(task, first_day_back + DAY) == buckets.OVERDUE
        done = TaskFactory(
            assigned_on=deadline - 60 * DAY,
            deadline=deadline,
            state=S.COMPLETED,
            completed_on=first_day_back,
        )
        assert every_form(done, first_day_back) == buckets.COMPLETED_ON_TIME
        with override_settings(DEADLINE_ON_DAY_OFF=WRITTEN):
            assert every_form(task, deadline + DAY) == buckets.OVERDUE
            assert every_form(done, first_day_back) == buckets.COMPLETED_LATE

    @override_settings(DEADLINE_ON_DAY_OFF=NEXT)
    def test_an_announced_day_off_moves_the_deadline(self):
        from dieuphoi.workdays.models import CalendarDay

        friday = datetime.date(2025, 7, 4)
        task = TaskFactory(assigned_on=friday - 30 * DAY, deadline=friday)
        done = TaskFactory(
            assigned_on=friday - 30 * DAY,
            deadline=friday,
            state=S.COMPLETED,
            completed_on=friday + 3 * DAY,  # Monday
        )
        assert every_form(task, friday + 3 * DAY) == buckets.OVERDUE
        assert every_form(done, friday + 3 * DAY) == buckets.COMPLETED_LATE
        # The table changes the answer at once (the cache follows the table).
        CalendarDay.objects.create(date=friday, kind="day_off")
        assert every_form(task, friday + 3 * DAY) == buckets.IN_PROGRESS_WITHIN_DEADLINE
        assert every_form(task, friday + 4 * DAY) == buckets.OVERDUE
        assert every_form(done, friday + 3 * DAY) == buckets.COMPLETED_ON_TIME

    @override_settings(DEADLINE_ON_DAY_OFF=NEXT, DUE_SOON_WORKING_DAYS=2)
    def test_warnings_follow_the_moved_deadline(self):
        monday = SAT + 2 * DAY
        # Monday: Saturday's deadline is still ahead (due that day).
        task = TaskFactory(assigned_on=SAT - 10 * DAY, deadline=SAT, progress=0)
        assert every_form(task, monday) == buckets.IN_PROGRESS_WITHIN_DEADLINE
        assert buckets.warnings_of(task, monday) == [buckets.DUE_SOON]
        # Sunday: 11 of 10 days elapsed, progress 0: at risk, not overdue.
        assert buckets.warnings_of(task, SAT + DAY) == [
            buckets.DUE_SOON,
            buckets.AT_RISK,
        ]
        every_form(task, SAT + DAY)
        # Monday is the last day: no longer "ahead", so not at risk.
        assert buckets.AT_RISK not in buckets.warnings_of(task, monday)
        with override_settings(DEADLINE_ON_DAY_OFF=WRITTEN):
            assert buckets.warnings_of(task, SAT + DAY) == []
            every_form(task, SAT + DAY)

    @override_settings(DEADLINE_ON_DAY_OFF=NEXT)
    def test_why_at_risk_with_a_deadline_on_the_assignment_day(self):
        task = TaskFactory(assigned_on=SAT, deadline=SAT, progress=0)
        assert buckets.is_at_risk(task, SAT + DAY)
        with translation.override("en"):
            assert "100%" in buckets.why_at_risk(task, SAT + DAY)


@override_settings(DEADLINE_ON_DAY_OFF=NEXT)
def test_days_off_table_matches_the_calendar():
    """The per-day table behind ``late_condition`` is ``x - overdue_cutoff(x)``."""
    end = datetime.date(2026, 12, 31)
    table = buckets.days_off_table(end)
    assert len(table) == (end - buckets.TABLE_START).days + 1
    day = datetime.date(2024, 12, 1)
    while day <= end:
        i = (day - buckets.TABLE_START).days
        assert table[i] - 48 == (day - buckets.overdue_cutoff(day)).days, day
        day += DAY
    # Monday 23 February 2026 follows Tết (14-22 February): nine days off.
    assert table[(datetime.date(2026, 2, 23) - buckets.TABLE_START).days] - 48 == 9
