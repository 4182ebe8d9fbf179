"""The dated history: the services write it, the "as of" figures read it, and a
figure for a past date never changes afterwards (property-tested on the DB).

"Today" is frozen with freezegun (``timezone.now`` and so ``local_today`` and
every ``auto_now_add``), so a history can be played day by day."""

import datetime
import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, F
from django.urls import get_resolver
from freezegun import freeze_time
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.tasks import buckets, history, selectors, services
from dieuphoi.tasks.extensions import services as extensions
from dieuphoi.tasks.models import (
    DeadlineChange,
    ExtensionRequest,
    Task,
    TaskLeadChange,
    TaskStateChange,
)
from dieuphoi.tasks.tests.factories import TaskFactory
from dieuphoi.workdays import calendar

S = Task.State
DAY = datetime.timedelta(days=1)
START = datetime.date(2025, 3, 3)  # a Monday


@pytest.fixture(autouse=True)
def _urls_loaded_before_freezing():
    """Load the URLconf (and the API schemas it imports) with the real
    clock: pydantic cannot build a schema while ``date`` is freezegun's."""
    get_resolver().url_patterns  # noqa: B018


def at(day: datetime.date):
    """Freeze the clock at noon, Hanoi time, on ``day``."""
    return freeze_time(f"{day.isoformat()} 05:00:00", ignore=["hypothesis"])


def create(actor, body, lead, *, deadline, title="Nhiệm vụ lịch sử"):
    """A task assigned today (the clock must be frozen)."""
    today = datetime.date.today()
    return services.task_create(
        actor=actor,
        body=body,
        title=title,
        assigned_on=today,
        lead_agency=lead,
        deadline=deadline,
    )


def fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


def states(task) -> list[tuple[str, str, datetime.date]]:
    return list(
        TaskStateChange.objects.filter(task=task)
        .order_by("on", "id")
        .values_list("from_state", "to_state", "on")
    )


def bucket_on(task, on, history_=None) -> str | None:
    row = buckets.annotate_buckets(
        Task.objects.filter(pk=task.pk), on, history=history_
    ).get()
    return row.bucket


# --- the services write the history ------------------------------------------------


@pytest.mark.django_db
class TestServicesWriteHistory:
    def test_creation_start_report_and_confirmation_are_dated(
        self, hanoi_team, secretariat, member, member_agency
    ):
        with at(START):
            task = create(secretariat, hanoi_team, member_agency, deadline=START + DAY)
        with at(START + DAY):
            services.task_transition(actor=member, task=task, action="start")
        with at(START + 2 * DAY):
            services.task_transition(
                actor=member, task=task, action="report_done", reported_on=START + DAY
            )
        with at(START + 5 * DAY):
            services.task_transition(actor=secretariat, task=task, action="confirm")
        task = fresh(task)
        assert task.completed_on == START + DAY  # the reported date...
        assert states(task) == [
            ("", S.NEW, START),
            (S.NEW, S.IN_PROGRESS, START + DAY),
            (S.IN_PROGRESS, S.REPORTED_DONE, START + 2 * DAY),
            # ...but completed only from the day it was confirmed
            (S.REPORTED_DONE, S.COMPLETED, START + 5 * DAY),
        ]
        with at(START + 10 * DAY):
            # Before the confirmation it was reported done, i.e. open: overdue
            # once the deadline had passed.
            assert bucket_on(task, START + DAY) == buckets.IN_PROGRESS_WITHIN_DEADLINE
            assert bucket_on(task, START + 4 * DAY) == buckets.OVERDUE
            assert bucket_on(task, START + 5 * DAY) == buckets.COMPLETED_ON_TIME
            assert bucket_on(task, START + 10 * DAY) == buckets.COMPLETED_ON_TIME

    def test_progress_report_reopen_and_cancel_are_recorded(
        self, hanoi_team, secretariat, member, member_agency
    ):
        with at(START):
            task = create(secretariat, hanoi_team, member_agency, deadline=None)
            services.progress_report(
                actor=member, task=task, percent=30, text="Bắt đầu"
            )
        with at(START + DAY):
            services.task_transition(actor=member, task=task, action="report_done")
            services.task_transition(
                actor=secretariat, task=task, action="reopen", reason="Thiếu hồ sơ"
            )
        with at(START + 3 * DAY):
            services.task_transition(
                actor=secretariat, task=task, action="cancel", reason="Trùng lặp"
            )
        assert [(f, t) for f, t, _on in states(task)] == [
            ("", S.NEW),
            (S.NEW, S.IN_PROGRESS),
            (S.IN_PROGRESS, S.REPORTED_DONE),
            (S.REPORTED_DONE, S.IN_PROGRESS),
            (S.IN_PROGRESS, S.CANCELLED),
        ]
        with at(START + 5 * DAY):
            assert (
                bucket_on(task, START + 2 * DAY) == buckets.IN_PROGRESS_WITHIN_DEADLINE
            )
            assert bucket_on(task, START + 3 * DAY) is None

    def test_extension_request_decision_and_withdrawal_are_recorded(
        self, hanoi_team, secretariat, member, leader, member_agency
    ):
        with at(START):
            task = create(
                secretariat, hanoi_team, member_agency, deadline=START + 5 * DAY
            )
            first = extensions.extension_request_create(
                actor=member,
                task=task,
                requested_deadline=START + 20 * DAY,
                reason="Chờ ý kiến Bộ",
            )
        with at(START + 2 * DAY):
            extensions.extension_request_decide(
                actor=leader, task=task, extension=first, decision="approve"
            )
            second = extensions.extension_request_create(
                actor=member,
                task=task,
                requested_deadline=START + 30 * DAY,
                reason="Chờ thêm",
            )
        with at(START + 3 * DAY):
            extensions.extension_request_withdraw(
                actor=member, task=task, extension=second
            )
        assert [(t, on) for _f, t, on in states(task)] == [
            (S.NEW, START),
            (S.EXTENSION_REQUESTED, START),
            (S.NEW, START + 2 * DAY),
            (S.EXTENSION_REQUESTED, START + 2 * DAY),
            (S.NEW, START + 3 * DAY),
        ]
        change = DeadlineChange.objects.get(task=task)
        assert change.effective_on == START + 2 * DAY

    def test_lead_change_in_an_edit_is_recorded_and_counts_from_its_day(
        self, hanoi_team, secretariat, member_agency, coop_agency, admin_user
    ):
        with at(START):
            task = create(
                secretariat, hanoi_team, member_agency, deadline=START + 2 * DAY
            )
        with at(START + 5 * DAY):
            services.task_update(
                actor=secretariat,
                task=task,
                version=fresh(task).version,
                lead_agency=coop_agency,
            )
            change = TaskLeadChange.objects.get(task=task)
            assert (change.old_agency, change.new_agency, change.on) == (
                member_agency,
                coop_agency,
                START + 5 * DAY,
            )
        with at(START + 10 * DAY):
            past = selectors.task_summary(user=admin_user, on=START + 4 * DAY)
            now = selectors.task_summary(user=admin_user)
            assert [r["id"] for r in past["by_agency"]] == [member_agency.pk]
            assert [r["id"] for r in now["by_agency"]] == [coop_agency.pk]
            # The list filter by lead agency follows the lead of record too.
            for on, lead, expected in (
                (START + 4 * DAY, member_agency, 1),
                (START + 4 * DAY, coop_agency, 0),
                (START + 10 * DAY, coop_agency, 1),
            ):
                filters = selectors.TaskFilters(lead_agency=lead.pk, on=on)
                page = selectors.task_list(user=admin_user, filters=filters)
                assert len(page.items) == expected, (on, lead)
            counts = selectors.task_bucket_counts(
                user=admin_user,
                filters=selectors.TaskFilters(lead_agency=member_agency.pk),
                on=START + 4 * DAY,
            )
            assert counts["overdue"] == 1


# --- deadlines in force ---------------------------------------------------------------


@pytest.mark.django_db
class TestDeadlineInForce:
    def test_a_late_deadline_change_does_not_rewrite_the_past(
        self, hanoi_team, secretariat, member_agency, admin_user
    ):
        """The issue's case: a deadline moved 18 months after it passed."""
        with at(START):
            task = create(secretariat, hanoi_team, member_agency, deadline=START + DAY)
        day = START + 30 * DAY
        with at(day):
            before = selectors.task_summary(user=admin_user)["totals"]
            assert before["overdue"] == 1
        later = START + 550 * DAY
        with at(later):
            services.task_transition(
                actor=secretariat,
                task=task,
                action="change_deadline",
                new_deadline=later + 10 * DAY,
                reason="Điều chỉnh theo chỉ đạo mới",
            )
            assert bucket_on(task, day) == buckets.OVERDUE
            assert (
                selectors.task_summary(user=admin_user, on=day)["totals"]["overdue"]
                == 1
            )
            assert bucket_on(task, later) == buckets.IN_PROGRESS_WITHIN_DEADLINE
            assert history.task_deadline_on(task, day) == START + DAY
            assert history.task_deadline_on(task, later) == later + 10 * DAY
            # The list as of that day shows it overdue, the list today not.
            page = selectors.task_list(
                user=admin_user, filters=selectors.TaskFilters(on=day)
            )
            assert [t.bucket for t in page.items] == [buckets.OVERDUE]

    def test_a_dated_change_takes_effect_on_its_date(
        self, hanoi_team, secretariat, member_agency
    ):
        with at(START):
            task = create(secretariat, hanoi_team, member_agency, deadline=START + DAY)
        with at(START + 10 * DAY):
            services.task_transition(
                actor=secretariat,
                task=task,
                action="change_deadline",
                new_deadline=START + 20 * DAY,
                reason="Quyết định ngày 05/3",
                effective_on=START + 2 * DAY,
            )
            assert DeadlineChange.objects.get(task=task).effective_on == START + 2 * DAY
            assert bucket_on(task, START + DAY) == buckets.IN_PROGRESS_WITHIN_DEADLINE
            assert (
                bucket_on(task, START + 2 * DAY) == buckets.IN_PROGRESS_WITHIN_DEADLINE
            )
            assert history.task_deadline_on(task, START + DAY) == START + DAY

    @pytest.mark.parametrize(
        "offset, message",
        [
            (-1, "before the task was assigned"),
            (11, "in the future"),
        ],
    )
    def test_a_dated_change_before_assignment_or_in_the_future_is_refused(
        self, hanoi_team, secretariat, member_agency, offset, message
    ):
        from django.utils import translation

        with at(START):
            task = create(secretariat, hanoi_team, member_agency, deadline=START + DAY)
        with at(START + 10 * DAY):
            before = (
                DeadlineChange.objects.count(),
                AuditEvent.objects.writes().count(),
                TaskStateChange.objects.count(),
            )
            with translation.override("en"), pytest.raises(ValidationError) as exc:
                services.task_transition(
                    actor=secretariat,
                    task=task,
                    action="change_deadline",
                    new_deadline=START + 20 * DAY,
                    reason="Lùi ngày",
                    effective_on=START + offset * DAY,
                )
            assert message in exc.value.message_dict["effective_on"][0]
            after = (
                DeadlineChange.objects.count(),
                AuditEvent.objects.writes().count(),
                TaskStateChange.objects.count(),
            )
            assert after == before  # nothing written
            current = fresh(task)
            assert (current.deadline, current.version) == (START + DAY, task.version)

    def test_a_dated_change_before_the_previous_change_is_refused(
        self, hanoi_team, secretariat, member_agency
    ):
        with at(START):
            task = create(secretariat, hanoi_team, member_agency, deadline=START + DAY)
        with at(START + 5 * DAY):
            services.task_transition(
                actor=secretariat,
                task=task,
                action="change_deadline",
                new_deadline=START + 20 * DAY,
                reason="Lần 1",
            )
        with at(START + 6 * DAY), pytest.raises(ValidationError) as exc:
            services.task_transition(
                actor=secretariat,
                task=task,
                action="change_deadline",
                new_deadline=START + 30 * DAY,
                reason="Lần 2",
                effective_on=START + 4 * DAY,
            )
        assert set(exc.value.message_dict) == {"effective_on"}
        assert DeadlineChange.objects.filter(task=task).count() == 1


# --- today: the fast columns equal the history -----------------------------------------


@pytest.mark.django_db
def test_rows_without_history_fall_back_to_the_dated_columns(make_task, today):
    task = make_task(
        assigned_on=today - 30 * DAY,
        deadline=today - 10 * DAY,
        state=S.COMPLETED,
        completed_on=today - 5 * DAY,
    )
    assert not TaskStateChange.objects.exists()
    assert bucket_on(task, today - 8 * DAY) == buckets.OVERDUE
    assert bucket_on(task, today - 5 * DAY) == buckets.COMPLETED_LATE
    assert history.task_state_on(task, today - 8 * DAY) == S.IN_PROGRESS
    assert history.task_lead_on(task, today - 8 * DAY) == task.lead_agency_id


# --- the property -----------------------------------------------------------------------

DAYS = 15

event = st.tuples(
    st.integers(0, DAYS - 1),  # day
    st.sampled_from(
        [
            "create",
            "progress",
            "start",
            "report_done",
            "confirm",
            "reopen",
            "cancel",
            "change_deadline",
            "lead",
            "request_extension",
            "approve",
            "refuse",
            "withdraw",
        ]
    ),
    st.integers(0, 2),  # task index
    st.integers(0, 12),  # a number: days, percent / 10
)


# The reference query's SQL depends on the day asked about, on whether the
# history is forced, on today, on the deadline rule and on the days-off table,
# never on the rows: within a test it is compiled once per key and run for
# every example (compiling it each time was most of this module's time).
_FIGURES_SQL: dict[tuple, tuple[str, tuple]] = {}


@pytest.fixture(autouse=True)
def _figures_compiled_per_test():
    """A test may change the days off: no SQL outlives the test."""
    _FIGURES_SQL.clear()
    yield
    _FIGURES_SQL.clear()


def figures(on, *, history_=None) -> dict:
    """Counts per bucket and warning, per lead agency (of record), as of ``on``."""
    key = (connection.vendor, on, history_, local_today(), calendar.deadline_rule())
    if key not in _FIGURES_SQL:
        _FIGURES_SQL[key] = _figures_query(on, history_).query.sql_with_params()
    sql, params = _FIGURES_SQL[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    out = {}
    for row in rows:
        counts = {n: row[n] for n in (*buckets.BUCKETS, *buckets.WARNINGS)}
        if any(counts[n] for n in buckets.BUCKETS):
            out[row["lead_id"]] = counts
    return out


def _figures_query(on, history_):
    past = buckets.use_history(on, history_)
    lead = history.lead_on(on) if past else F("lead_agency_id")
    return (
        Task.objects.filter(buckets.in_view_q(on))
        .order_by()
        .values(lead_id=lead)
        .annotate(
            **{
                n: Count(
                    "id",
                    filter=buckets.bucket_q(n, on, indexed=False, history=history_),
                )
                for n in buckets.BUCKETS
            },
            **{
                n: Count(
                    "id",
                    filter=buckets.warning_q(n, on, indexed=False, history=history_),
                )
                for n in buckets.WARNINGS
            },
        )
    )


def summary_figures(user, on) -> dict:
    summary = selectors.task_summary(user=user, on=on)
    keys = (*buckets.BUCKETS, *buckets.WARNINGS, "total", "due")

    def pick(row):
        return {k: row[k] for k in keys} | {
            "rates": [(r.key, r.value) for r in row["rates"]]
        }

    return {
        "totals": pick(summary["totals"]),
        "by_agency": {r["id"]: pick(r) for r in summary["by_agency"]},
    }


def reference(records: dict, on) -> dict:
    """``figures`` by the plain-Python reference (``history.snapshot``)."""
    out: dict = {}
    for record in records.values():
        if record["assigned_on"] > on:
            continue
        snap = history.snapshot(record, on)
        bucket = buckets.bucket_of(snap, on)
        if bucket is None:
            continue
        row = out.setdefault(
            snap["lead"], dict.fromkeys((*buckets.BUCKETS, *buckets.WARNINGS), 0)
        )
        row[bucket] += 1
        for name in buckets.warnings_of(snap, on):
            row[name] += 1
    return out


def split_buckets(on) -> dict:
    """The bucket counts per lead agency as the reports count them
    (``selectors.grouped_counts`` without the warnings: the tasks with no
    change after ``on`` by their columns, the others from the history)."""
    _totals, by_agency, _sectors = selectors.grouped_counts(
        Task.objects.filter(buckets.in_view_q(on)), on, warnings=False
    )
    return {
        lead: {n: row[n] for n in buckets.BUCKETS}
        for lead, row in by_agency.items()
        if row["total"]
    }


def reference_buckets(records: dict, on) -> dict:
    return {
        lead: {n: row[n] for n in buckets.BUCKETS}
        for lead, row in reference(records, on).items()
    }


def play(event_, tasks, records, actors, agencies, body):
    """Take one event through the services; a refused one writes nothing."""
    _day, kind, index, number = event_
    today = datetime.date.today()
    secretariat, member, leader = actors
    if kind == "create" or not tasks:
        task = create(
            secretariat,
            body,
            agencies[0],
            deadline=None if number == 12 else today + number * DAY,
        )
        tasks.append(task)
        records[task.pk] = {
            "assigned_on": today,
            "lead": agencies[0].pk,
            "deadline": task.deadline,
            "completed_on": None,
            "states": [],
            "deadlines": [],
            "leads": [],
            "progress": [],
        }
        return
    task = fresh(tasks[index % len(tasks)])
    record = records[task.pk]
    pending = ExtensionRequest.objects.filter(task=task, state="pending").first()
    try:
        if kind == "progress":
            services.progress_report(
                actor=member,
                task=task,
                percent=min(100, number * 10),
                text="Cập nhật",
                reason="Điều chỉnh",
            )
        elif kind in ("start", "report_done"):
            services.task_transition(actor=member, task=task, action=kind)
        elif kind in ("confirm",):
            services.task_transition(actor=secretariat, task=task, action=kind)
        elif kind in ("reopen", "cancel"):
            services.task_transition(
                actor=secretariat, task=task, action=kind, reason="Lý do"
            )
        elif kind == "change_deadline":
            services.task_transition(
                actor=secretariat,
                task=task,
                action=kind,
                # Mostly later than the current deadline, as extensions are;
                # sometimes earlier.
                new_deadline=max(task.deadline or today, today) + (number - 2) * DAY,
                reason="Điều chỉnh hạn",
            )
        elif kind == "lead":
            services.task_update(
                actor=secretariat,
                task=task,
                version=task.version,
                lead_agency=agencies[1]
                if task.lead_agency_id == agencies[0].pk
                else agencies[0],
            )
        elif kind == "request_extension":
            extensions.extension_request_create(
                actor=member,
                task=task,
                requested_deadline=today + (number + 1) * DAY,
                reason="Xin gia hạn",
            )
        elif kind in ("approve", "refuse") and pending is not None:
            extensions.extension_request_decide(
                actor=leader,
                task=task,
                extension=pending,
                decision=kind,
                reason="Ý kiến",
            )
        elif kind == "withdraw" and pending is not None:
            extensions.extension_request_withdraw(
                actor=member, task=task, extension=pending
            )
    except (ValidationError, PermissionDenied, Conflict):
        return
    after = fresh(task)
    if after.state != task.state:
        record["states"].append((today, after.state))
    if after.deadline != task.deadline:
        record["deadlines"].append((today, after.deadline))
    if after.lead_agency_id != task.lead_agency_id:
        record["leads"].append((today, after.lead_agency_id))
    if after.last_update_on != task.last_update_on or after.progress != task.progress:
        record["progress"].append((today, after.progress))
    if after.completed_on and not task.completed_on:
        record["completed_on"] = after.completed_on


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(event, min_size=1, max_size=14))
@example(
    events=[
        (0, "create", 0, 2),  # due on day 2
        (0, "create", 1, 12),  # no deadline
        (1, "progress", 1, 3),
        (3, "report_done", 0, 0),
        (5, "change_deadline", 1, 4),
        (6, "lead", 0, 0),
        (6, "change_deadline", 0, 6),  # extended after it was overdue
        (8, "confirm", 0, 0),
        (9, "request_extension", 1, 3),
        (10, "approve", 1, 0),
        (11, "cancel", 1, 0),
    ]
)
def test_figures_as_of_a_day_never_change_afterwards(
    hanoi_team,
    secretariat,
    member,
    leader,
    member_agency,
    coop_agency,
    admin_user,
    events,
):
    """For a random history: the figures as of D taken on D (current columns)
    equal the history's on D, the figures as of D taken after every later
    event, and the plain-Python reference."""
    Task.objects.all().delete()
    actors = (secretariat, member, leader)
    agencies = (member_agency, coop_agency)
    tasks: list[Task] = []
    records: dict = {}
    taken: dict = {}
    # One frozen clock moved day by day (starting freezegun is slow).
    with at(START) as clock:
        for offset in range(DAYS):
            day = START + offset * DAY
            clock.move_to(f"{day.isoformat()} 05:00:00")
            for e in sorted(events, key=lambda e: e[0]):
                if e[0] == offset:
                    play(e, tasks, records, actors, agencies, hanoi_team)
            now = figures(day)
            assert now == figures(day, history_=True), day
            assert now == reference(records, day), day
            taken[day] = summary_figures(admin_user, day)
        clock.move_to(f"{(START + (DAYS + 400) * DAY).isoformat()} 05:00:00")
        for day, then in taken.items():
            assert summary_figures(admin_user, day) == then, day
            assert figures(day) == reference(records, day), day
            assert split_buckets(day) == reference_buckets(records, day), day


# --- the backfill migration ---------------------------------------------------------------


@pytest.mark.django_db
def test_backfill_dates_history_from_the_audit_log_and_the_columns(
    hanoi_team, secretariat, member, member_agency, admin_user
):
    backfill = importlib.import_module(
        "dieuphoi.tasks.migrations.0007_backfill_history"
    ).backfill
    with at(START):
        logged = create(secretariat, hanoi_team, member_agency, deadline=START + DAY)
    with at(START + 2 * DAY):
        services.task_transition(actor=member, task=logged, action="report_done")
    with at(START + 6 * DAY):
        services.task_transition(actor=secretariat, task=logged, action="confirm")
    # Rows written outside the services: no history, no audit events.
    bare = TaskFactory(
        body=hanoi_team,
        lead_agency=member_agency,
        assigned_on=START,
        deadline=START + 3 * DAY,
        state=S.COMPLETED,
        reported_done_on=START + 4 * DAY,
        completed_on=START + 4 * DAY,
    )
    cancelled = TaskFactory(
        body=hanoi_team,
        lead_agency=member_agency,
        assigned_on=START,
        state=S.CANCELLED,
        cancelled_on=START + 2 * DAY,
    )
    change = DeadlineChange.objects.create(
        task=bare,
        old_deadline=START + 2 * DAY,
        new_deadline=START + 3 * DAY,
        reason="r",
    )
    DeadlineChange.objects.filter(pk=change.pk).update(
        changed_at=datetime.datetime(2025, 3, 4, 20, 0, tzinfo=datetime.UTC)
    )
    TaskStateChange.objects.all().delete()  # as before 0007

    with at(START + 20 * DAY):
        backfill(django_apps, None)
        assert [(t, on) for _f, t, on in states(logged)] == [
            (S.NEW, START),
            (S.REPORTED_DONE, START + 2 * DAY),
            (S.COMPLETED, START + 6 * DAY),
        ]
        assert [(t, on) for _f, t, on in states(bare)] == [
            (S.NEW, START),
            (S.IN_PROGRESS, START),
            (S.REPORTED_DONE, START + 4 * DAY),
            (S.COMPLETED, START + 4 * DAY),
        ]
        assert [(t, on) for _f, t, on in states(cancelled)] == [
            (S.NEW, START),
            (S.IN_PROGRESS, START),
            (S.CANCELLED, START + 2 * DAY),
        ]
        # 20:00 UTC on 4 March is 5 March in Hanoi.
        assert DeadlineChange.objects.get(pk=change.pk).effective_on == START + 2 * DAY
        assert bucket_on(logged, START + 4 * DAY) == buckets.OVERDUE
        assert bucket_on(logged, START + 6 * DAY) == buckets.COMPLETED_LATE
        # Running it again writes nothing.
        count = TaskStateChange.objects.count()
        backfill(django_apps, None)
        assert TaskStateChange.objects.count() == count


@pytest.mark.django_db
def test_api_refuses_a_deadline_change_dated_before_the_assignment(
    client, secretariat, make_task, today
):
    from dieuphoi.tasks.tests.test_api import Api

    task = make_task(assigned_on=today - 10 * DAY, deadline=today + DAY)
    response = Api(client, secretariat).post(
        f"/{task.pk}/transitions",
        {
            "action": "change_deadline",
            "new_deadline": (today + 30 * DAY).isoformat(),
            "reason": "Lùi hạn",
            "effective_on": (today - 11 * DAY).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "effective_on" in json.dumps(response.json())
    assert not DeadlineChange.objects.filter(task=task).exists()
    assert fresh(task).deadline == today + DAY
    ok = Api(client, secretariat).post(
        f"/{task.pk}/transitions",
        {
            "action": "change_deadline",
            "new_deadline": (today + 30 * DAY).isoformat(),
            "reason": "Lùi hạn",
            "effective_on": (today - 2 * DAY).isoformat(),
        },
    )
    assert ok.status_code == 200, ok.content
    assert DeadlineChange.objects.get(task=task).effective_on == today - 2 * DAY


@pytest.mark.django_db
def test_past_summary_and_list_keep_a_fixed_number_of_queries(
    hanoi_team, secretariat, member_agency, coop_agency
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n: int) -> int:
        Task.objects.all().delete()
        with at(START):
            for i in range(n):
                lead = member_agency if i % 2 else coop_agency
                task = create(secretariat, hanoi_team, lead, deadline=START + DAY)
        with at(START + 3 * DAY):
            services.task_transition(
                actor=secretariat,
                task=task,
                action="change_deadline",
                new_deadline=START + 9 * DAY,
                reason="Gia hạn",
            )
        with at(START + 10 * DAY):
            secretariat_ = type(secretariat).objects.get(pk=secretariat.pk)
            with CaptureQueriesContext(connection) as ctx:
                summary = selectors.task_summary(user=secretariat_, on=START + 2 * DAY)
                page = selectors.task_list(
                    user=secretariat_,
                    filters=selectors.TaskFilters(bucket="overdue", on=START + 2 * DAY),
                )
            assert summary["totals"]["overdue"] == n
            assert len(page.items) == n
            return len(ctx.captured_queries)

    assert queries(3) == queries(12)
