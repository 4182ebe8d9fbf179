"""Urging that counts: one count per task (and per co-operating part), the
next urging U working days after the last one whenever the task was first
found overdue, escalation once at the threshold (also for tasks that passed
it while nothing ran), nobody urged about work that waits on someone else,
and the secretariat reminded of reports it has not confirmed."""

import datetime

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieuphoi.audit.models import AuditEvent
from dieuphoi.notifications.models import Notification
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from dieuphoi.reminders import ladder, services
from dieuphoi.reminders.models import Reminder, TaskEscalation
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskPartFactory
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db
D = datetime.date
K = Reminder.Kind
S = Task.State
ONE = datetime.timedelta(days=1)


def run(day, **kwargs):
    return services.reminders_run_day(day=day, **kwargs)


def urgings(task):
    return list(
        Reminder.objects.filter(task=task, kind=K.URGING, part__isnull=True)
        .order_by("sent_on", "seq")
        .values_list("sent_on", "seq")
    )


def recipients(kind, task=None):
    qs = Notification.objects.filter(kind=kind)
    if task is not None:
        qs = qs.filter(target_id=task.pk)
    return sorted(qs.values_list("recipient__username", flat=True))


# --- go-live and missed days ---------------------------------------------------


def test_at_go_live_a_task_far_overdue_is_urged_once_numbered_from_its_count(
    make_task, owner, member
):
    task = make_task(owner=owner, deadline=D(2025, 11, 3), assigned_on=D(2025, 9, 1))
    result = run(D(2026, 3, 2))
    assert urgings(task) == [(D(2026, 3, 2), 1)]
    assert result.inserted[K.URGING] == 1
    task.refresh_from_db()
    assert task.urge_count == 1
    assert recipients(K.URGING) == ["member", "owner"]
    title = Notification.objects.filter(kind=K.URGING).first().title
    assert "1" in title and task.code in title


def test_a_task_that_passed_the_threshold_while_nothing_ran_is_escalated_once(
    make_task, member, leader, secretariat
):
    # Urged five times before the system counted (an import), never
    # escalated: escalated on the first run, with its next urging.
    task = make_task(deadline=D(2025, 11, 3), assigned_on=D(2025, 9, 1), urge_count=5)
    run(D(2026, 3, 2))
    escalation = TaskEscalation.objects.get(task=task)
    assert (escalation.escalated_on, escalation.urge_count) == (D(2026, 3, 2), 6)
    assert urgings(task) == [(D(2026, 3, 2), 6)]
    assert recipients(K.ESCALATION) == ["leader", "secretariat"]
    # Later urgings and re-runs never escalate the same deadline again,
    # resolved or not.
    services.escalation_resolve(
        escalation=escalation, actor=leader, resolution="Đã báo cáo tại cuộc họp."
    )
    for day in (D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 10)):
        run(day)
    assert TaskEscalation.objects.filter(task=task).count() == 1
    assert Reminder.objects.filter(task=task, kind=K.ESCALATION).count() == 1
    assert [seq for _day, seq in urgings(task)] == [6, 7, 8]


def test_a_task_at_the_threshold_not_yet_due_is_escalated_without_an_urging(
    make_task, member, leader
):
    task = make_task(deadline=D(2026, 2, 24), urge_count=3)
    # Only two working days past the deadline: no urging due, but three
    # urgings already: escalated.
    run(D(2026, 2, 26))
    assert urgings(task) == []
    assert TaskEscalation.objects.get(task=task).urge_count == 3
    task.refresh_from_db()
    assert task.urge_count == 3


def test_after_a_server_outage_the_ladder_goes_on_from_the_last_urging(
    make_task, member
):
    task = make_task(deadline=D(2026, 2, 24))
    run(D(2026, 2, 27))
    # Down from 02/03 to 10/03: one urging on the day it is back, the next
    # three working days after that one.
    for day in (D(2026, 3, 11), D(2026, 3, 12), D(2026, 3, 13), D(2026, 3, 16)):
        run(day)
    assert urgings(task) == [
        (D(2026, 2, 27), 1),
        (D(2026, 3, 11), 2),
        (D(2026, 3, 16), 3),
    ]


# --- not urged -------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, extra",
    [
        (S.REPORTED_DONE, {"reported_done_on": D(2026, 3, 2)}),
        (S.COMPLETED, {"completed_on": D(2026, 3, 2)}),
        (S.CANCELLED, {"cancelled_on": D(2026, 3, 2)}),
        (S.EXTENSION_REQUESTED, {}),
    ],
)
def test_tasks_waiting_on_someone_else_or_closed_are_not_urged(
    state, extra, make_task, member
):
    task = make_task(deadline=D(2026, 2, 24), state=state, urge_count=4, **extra)
    TaskPartFactory(task=task, agency=AgencyFactory(), deadline=D(2026, 2, 20))
    run(D(2026, 3, 4))
    assert not Reminder.objects.filter(
        kind__in=[K.URGING, K.ESCALATION, K.PART_URGING]
    ).exists()
    assert not TaskEscalation.objects.exists()


def test_a_task_whose_extension_is_decided_is_urged_again(make_task, member):
    task = make_task(deadline=D(2026, 2, 24), state=S.EXTENSION_REQUESTED)
    run(D(2026, 3, 4))
    assert urgings(task) == []
    # Refused: back in progress with the same deadline, urged on the next run.
    Task.objects.filter(pk=task.pk).update(state=S.IN_PROGRESS)
    run(D(2026, 3, 5))
    assert urgings(task) == [(D(2026, 3, 5), 1)]


# --- co-operating parts ----------------------------------------------------------


@pytest.fixture
def coop(hanoi_team):
    agency = AgencyFactory(code="SNNMT", name="Sở Nông nghiệp và Môi trường")
    MembershipFactory(
        person=UserFactory(username="coop"),
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=agency,
        valid_from=D(2022, 12, 1),
    )
    return agency


def test_a_late_cooperating_part_has_its_own_count_and_ladder(
    make_task, member, owner, coop
):
    task = make_task(owner=owner, deadline=D(2026, 3, 31))
    part = TaskPartFactory(task=task, agency=coop, deadline=D(2026, 2, 24))
    done = TaskPartFactory(
        task=task,
        agency=AgencyFactory(),
        deadline=D(2026, 2, 24),
        completed_on=D(2026, 2, 20),
    )
    for day in (D(2026, 2, 26), D(2026, 2, 27), D(2026, 3, 3), D(2026, 3, 4)):
        run(day)
    assert list(
        Reminder.objects.filter(part=part, kind=K.PART_URGING)
        .order_by("sent_on")
        .values_list("sent_on", "seq")
    ) == [(D(2026, 2, 27), 1), (D(2026, 3, 4), 2)]
    assert services.part_urge_counts([part.pk, done.pk]) == {part.pk: 2}
    # The part's agency is urged; the task's own count and people are not.
    assert recipients(K.PART_URGING) == ["coop", "coop"]
    task.refresh_from_db()
    assert task.urge_count == 0
    assert not TaskEscalation.objects.exists()
    event = (
        AuditEvent.objects.filter(action="reminders.part_urging").order_by("id").last()
    )
    assert event.changes["urge_count"] == 2


# --- reported done, not confirmed ---------------------------------------------------


def test_an_unconfirmed_report_reminds_the_secretariat_once(
    make_task, owner, member, leader, secretariat, settings
):
    settings.CONFIRMATION_REMINDER_WORKING_DAYS = 3
    task = make_task(
        owner=owner,
        deadline=D(2026, 3, 31),
        state=S.REPORTED_DONE,
        reported_done_on=D(2026, 3, 2),
    )
    run(D(2026, 3, 4))
    assert not Reminder.objects.exists()
    for day in (D(2026, 3, 5), D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 12)):
        run(day)
    assert list(Reminder.objects.values_list("kind", "deadline", "sent_on")) == [
        (K.CONFIRMATION_PENDING, D(2026, 3, 2), D(2026, 3, 5))
    ]
    assert recipients(K.CONFIRMATION_PENDING) == ["secretariat"]
    # Returned for more work and reported done again: a new report, a new
    # reminder when it waits too.
    Task.objects.filter(pk=task.pk).update(reported_done_on=D(2026, 3, 16))
    run(D(2026, 3, 19))
    assert Reminder.objects.filter(kind=K.CONFIRMATION_PENDING).count() == 2


def test_an_overdue_task_reported_done_is_not_urged_but_confirmation_is_asked(
    make_task, member, secretariat
):
    task = make_task(
        deadline=D(2026, 2, 10), state=S.REPORTED_DONE, reported_done_on=D(2026, 2, 24)
    )
    run(D(2026, 3, 2))
    assert urgings(task) == []
    assert recipients(K.CONFIRMATION_PENDING) == ["secretariat"]
    assert recipients(K.URGING) == []


# --- the ladder as a property --------------------------------------------------------


def _window_days(first, count):
    days, day = [], first
    while len(days) < count:
        if calendar.is_working_day(day):
            days.append(day)
        day += ONE
    return days


WINDOW_SIZE = 45


def window():
    """45 working days from 26/01/2026, across Tết (read in a test: the
    calendar's admin table is in the database)."""
    return _window_days(D(2026, 1, 26), WINDOW_SIZE)


class _Rollback(Exception):
    pass


RULES = pytest.mark.parametrize("rule", ["next_working_day", "as_written"])


def effective(deadline, rule):
    """The last day a deadline is met on, read plainly from the rule."""
    if rule == "as_written":
        return deadline
    while not calendar.is_working_day(deadline):
        deadline += ONE
    return deadline


@RULES
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    deadline_offset=st.integers(min_value=-60, max_value=20),
    initial=st.integers(min_value=0, max_value=4),
    ran=st.lists(st.booleans(), min_size=WINDOW_SIZE, max_size=WINDOW_SIZE),
)
def test_the_ladder_on_any_pattern_of_missed_days(
    rule, make_task, member, deadline_offset, initial, ran
):
    """Whatever days the job missed: at most one urging per run, numbered
    on from the count, U working days apart and after the effective
    deadline, sent on every run day one was due, and escalation once, on
    the first run day the count reached the threshold (while overdue)."""
    every, threshold = 3, 3
    days = window()
    deadline = days[0] + deadline_offset * ONE
    days = [day for day, yes in zip(days, ran, strict=True) if yes]
    try:
        with transaction.atomic(), override_settings(DEADLINE_ON_DAY_OFF=rule):
            task = make_task(
                deadline=deadline,
                assigned_on=min(deadline, D(2025, 10, 1)),
                urge_count=initial,
            )
            # The reference: the rule read plainly, one day at a time.
            ends = effective(deadline, rule)
            count, last, expected, escalated_on = initial, None, [], None
            for day in days:
                run(day)
                base = max(ends, last) if last else ends
                if ends < day and calendar.working_days_between(base, day) >= every:
                    count += 1
                    last = day
                    expected.append((day, count))
                if escalated_on is None and ends < day and count >= threshold:
                    escalated_on = day
            assert urgings(task) == expected
            task.refresh_from_db()
            assert task.urge_count == count
            escalations = list(
                TaskEscalation.objects.filter(task=task).values_list(
                    "escalated_on", flat=True
                )
            )
            assert escalations == ([escalated_on] if escalated_on else [])
            raise _Rollback
    except _Rollback:
        pass


@RULES
def test_run_every_working_day_the_ladder_is_the_calendar_rule(
    rule, make_task, member, settings
):
    """With no missed day, the counted ladder sends urging k on the day the
    calendar rule (``ladder.urging_rungs``) gives, ``ladder.urging_day``:
    k·U working days after the effective deadline."""
    settings.DEADLINE_ON_DAY_OFF = rule
    deadlines = [
        D(2026, 1, 31),  # a Saturday
        D(2026, 2, 4),
        D(2026, 2, 13),  # the Friday before Tết
        D(2026, 2, 15),  # a Sunday in Tết
        D(2026, 2, 17),  # Tết
        D(2026, 2, 24),
    ]
    tasks = {make_task(deadline=d).pk: d for d in deadlines}
    expected = []
    for day in window():
        run(day)
        rungs = ladder.urging_rungs(day, 3, min(deadlines))
        expected += [(pk, day, rungs[d].seq) for pk, d in tasks.items() if d in rungs]
    got = list(
        Reminder.objects.filter(kind=K.URGING).values_list("task_id", "sent_on", "seq")
    )
    assert sorted(got) == sorted(expected)
    last = window()[-1]
    by_formula = [
        (pk, ladder.urging_day(d, k, 3), k)
        for pk, d in tasks.items()
        for k in range(1, 20)
        if ladder.urging_day(d, k, 3) <= last
    ]
    assert sorted(got) == sorted(by_formula)
    # Urgings keep the written deadline as their key.
    assert set(
        Reminder.objects.filter(kind=K.URGING).values_list("deadline", flat=True)
    ) == set(deadlines)


def test_the_cutoff_is_the_last_date_u_working_days_before():
    for day in window():
        for every in (1, 2, 3, 5):
            cutoff = ladder.urging_cutoff(day, every)
            assert calendar.working_days_between(cutoff, day) >= every
            assert calendar.working_days_between(cutoff + ONE, day) < every


@RULES
def test_working_days_from_counts_to_the_effective_deadline(rule):
    with override_settings(DEADLINE_ON_DAY_OFF=rule):
        for day in (D(2026, 2, 13), D(2026, 2, 25), D(2026, 3, 6), D(2026, 3, 9)):
            dates = [D(2026, 1, 1) + i * ONE for i in range(120)]
            distances = ladder.working_days_from(day, dates)
            assert all(
                distances[d] == calendar.working_days_between(day, effective(d, rule))
                for d in dates
            )
        assert ladder.working_days_from(day, [None]) == {}


# --- a plan gone stale before its batch ----------------------------------------------


def _run_stale(plan, day):
    settings_ = ladder.LadderSettings.from_settings()
    ctx = services._RunContext.load(day, plan, settings_)
    result = services.RunResult(day=day)
    with transaction.atomic():
        services._run_batch(plan, ctx, result)
    return result


def test_a_batch_sends_no_urging_another_run_sent_since_its_plan(make_task, member):
    task = make_task(deadline=D(2026, 2, 24))
    day = D(2026, 2, 27)
    plan = services.plan_day(day, ladder.LadderSettings.from_settings())
    assert [(p.kind, p.seq) for p in plan] == [(K.URGING, 1)]
    run(day)  # another worker ran the day meanwhile
    result = _run_stale(plan, day)
    assert sum(result.inserted.values()) == 0
    task.refresh_from_db()
    assert task.urge_count == 1
    assert Notification.objects.filter(kind=K.URGING).count() == 1


def test_a_batch_numbers_the_urging_from_the_count_under_its_lock(
    make_task, member, leader
):
    task = make_task(deadline=D(2026, 2, 24))
    day = D(2026, 2, 27)
    plan = services.plan_day(day, ladder.LadderSettings.from_settings())
    # Counted up meanwhile (urgings recorded elsewhere): the batch numbers
    # on from the locked count and escalates at the threshold.
    Task.objects.filter(pk=task.pk).update(urge_count=4)
    result = _run_stale(plan, day)
    assert dict(result.inserted) == {K.URGING: 1, K.ESCALATION: 1}
    assert urgings(task) == [(day, 5)]
    task.refresh_from_db()
    assert task.urge_count == 5
    assert TaskEscalation.objects.get(task=task).urge_count == 5


def test_a_task_reported_done_gets_no_reminder_before_its_deadline(
    make_task, member, secretariat, settings
):
    settings.CONFIRMATION_REMINDER_WORKING_DAYS = 0  # never: only the ladder
    task = make_task(
        deadline=D(2026, 3, 31), state=S.REPORTED_DONE, reported_done_on=D(2026, 3, 2)
    )
    for day in (D(2026, 3, 24), D(2026, 3, 30), D(2026, 3, 31), D(2026, 4, 3)):
        run(day)
    assert not Reminder.objects.filter(task=task).exists()
