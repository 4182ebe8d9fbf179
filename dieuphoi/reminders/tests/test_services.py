"""The daily run: the ladder's rungs, urging counts, escalation, recipients,
permissions, the audit trail, and exactly-once under re-runs and crashes."""

import datetime
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dieuphoi.audit.models import AuditEvent
from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from dieuphoi.reminders import services
from dieuphoi.reminders.models import Reminder, TaskEscalation
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskPartFactory

pytestmark = pytest.mark.django_db
D = datetime.date
K = Reminder.Kind


def run(day, **kwargs):
    return services.reminders_run_day(day=day, **kwargs)


def ladder_of(task):
    return sorted(
        Reminder.objects.filter(task=task).values_list("sent_on", "kind", "seq")
    )


def recipients(kind, task=None):
    qs = Notification.objects.filter(kind=kind)
    if task is not None:
        qs = qs.filter(target_id=task.pk)
    return sorted(qs.values_list("recipient__username", flat=True))


def test_before_and_on_the_deadline_the_owner_and_focal_point_are_told(
    make_task, owner, member, leader
):
    task = make_task(owner=owner, deadline=D(2026, 2, 24))
    run(D(2026, 2, 10))
    run(D(2026, 2, 23))
    run(D(2026, 2, 24))
    assert ladder_of(task) == [
        (D(2026, 2, 10), K.BEFORE_DEADLINE, 5),
        (D(2026, 2, 23), K.BEFORE_DEADLINE, 1),
        (D(2026, 2, 24), K.ON_DEADLINE, 0),
    ]
    assert recipients(K.BEFORE_DEADLINE) == ["member", "member", "owner", "owner"]
    assert recipients(K.ON_DEADLINE) == ["member", "owner"]
    titles = list(Notification.objects.values_list("title", flat=True))
    assert all(task.code in title for title in titles)


def test_a_day_off_runs_nothing(make_task, member):
    make_task(deadline=D(2026, 2, 24))
    result = run(D(2026, 2, 17))  # Tết
    assert result.skipped
    assert not Reminder.objects.exists()


def test_urging_every_three_working_days_then_escalation(
    make_task, owner, member, leader, secretariat, deputy
):
    task = make_task(owner=owner, deadline=D(2026, 2, 24))
    for day in (D(2026, 2, 27), D(2026, 3, 4), D(2026, 3, 9), D(2026, 3, 12)):
        run(day)
    assert ladder_of(task) == [
        (D(2026, 2, 27), K.URGING, 1),
        (D(2026, 3, 4), K.URGING, 2),
        (D(2026, 3, 9), K.ESCALATION, 3),
        (D(2026, 3, 9), K.URGING, 3),
        (D(2026, 3, 12), K.URGING, 4),
    ]
    task.refresh_from_db()
    assert task.urge_count == 4
    escalation = TaskEscalation.objects.get(task=task)
    assert escalation.escalated_on == D(2026, 3, 9)
    assert escalation.deadline == D(2026, 2, 24)
    assert not escalation.resolved
    # The leader and the secretariat hear of the escalation (not the deputy).
    assert recipients(K.ESCALATION) == ["leader", "secretariat"]
    assert recipients(K.URGING) == ["member"] * 4 + ["owner"] * 4


def test_days_between_urgings_send_nothing(make_task, member):
    task = make_task(deadline=D(2026, 2, 24))
    for day in (D(2026, 2, 25), D(2026, 2, 26)):
        run(day)
    assert ladder_of(task) == []
    run(D(2026, 2, 27))
    for day in (D(2026, 3, 2), D(2026, 3, 3)):
        run(day)
    assert ladder_of(task) == [(D(2026, 2, 27), K.URGING, 1)]


def test_missed_days_catch_up_with_one_urging_per_run(make_task, leader):
    task = make_task(deadline=D(2026, 2, 24))
    # Nothing ran until 12/03 (the 4th urging day of the old calendar rule):
    # the task is urged once, numbered from its count, and the ladder
    # counts from that day.
    run(D(2026, 3, 12))
    assert ladder_of(task) == [(D(2026, 3, 12), K.URGING, 1)]
    # An earlier day run late (schedule_daily --on) adds nothing: the last
    # urging is after it.
    run(D(2026, 3, 9))
    run(D(2026, 3, 16))
    assert ladder_of(task) == [(D(2026, 3, 12), K.URGING, 1)]
    for day in (D(2026, 3, 17), D(2026, 3, 20), D(2026, 3, 25)):
        run(day)
    assert ladder_of(task) == [
        (D(2026, 3, 12), K.URGING, 1),
        (D(2026, 3, 17), K.URGING, 2),
        (D(2026, 3, 20), K.ESCALATION, 3),
        (D(2026, 3, 20), K.URGING, 3),
        (D(2026, 3, 25), K.URGING, 4),
    ]
    task.refresh_from_db()
    assert task.urge_count == 4
    assert TaskEscalation.objects.get(task=task).escalated_on == D(2026, 3, 20)


def test_every_reminder_is_on_the_task_timeline(make_task, owner, member):
    task = make_task(owner=owner, deadline=D(2026, 2, 24))
    run(D(2026, 2, 23))
    run(D(2026, 2, 27))
    ct = ContentType.objects.get_for_model(Task)
    events = list(
        AuditEvent.objects.filter(target_type=ct, target_id=str(task.pk)).order_by("id")
    )
    assert [e.action for e in events] == [
        "reminders.before_deadline_1",
        "reminders.urging",
    ]
    assert all(e.actor_id is None for e in events)
    assert events[0].changes == {"deadline": "2026-02-24"}
    assert events[1].changes == {"urge_count": 1}


def test_completed_and_future_tasks_get_nothing(make_task, member):
    make_task(
        deadline=D(2026, 2, 24),
        state=Task.State.COMPLETED,
        completed_on=D(2026, 2, 20),
    )
    make_task(deadline=D(2026, 2, 24), assigned_on=D(2026, 2, 24))
    run(D(2026, 2, 23))
    assert not Reminder.objects.exists()


def test_progress_request_for_tasks_without_deadline_each_month(make_task, member):
    task = make_task(deadline=None, original_deadline=None)
    run(D(2026, 3, 2))  # first working day of March
    run(D(2026, 3, 3))
    run(D(2026, 4, 1))
    assert ladder_of(task) == [
        (D(2026, 3, 2), K.PROGRESS_REQUEST, 0),
        (D(2026, 4, 1), K.PROGRESS_REQUEST, 0),
    ]
    assert recipients(K.PROGRESS_REQUEST) == ["member", "member"]


def test_cooperating_agency_is_reminded_before_its_sub_deadline(
    hanoi_team, make_task, member
):
    coop = AgencyFactory(code="SNNMT", name="Sở Nông nghiệp và Môi trường")
    focal = UserFactory(username="coop")
    MembershipFactory(
        person=focal,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=coop,
        valid_from=D(2022, 12, 1),
    )
    task = make_task(deadline=D(2026, 3, 31))
    part = TaskPartFactory(task=task, agency=coop, deadline=D(2026, 2, 24))
    TaskPartFactory(
        task=task,
        agency=AgencyFactory(),
        deadline=D(2026, 2, 24),
        completed_on=D(2026, 2, 1),
    )
    run(D(2026, 2, 23))
    run(D(2026, 2, 24))
    assert sorted(Reminder.objects.filter(part=part).values_list("sent_on", "seq")) == [
        (D(2026, 2, 23), 1),
        (D(2026, 2, 24), 0),
    ]
    assert Reminder.objects.filter(part__isnull=False).count() == 2
    assert recipients(K.PART_BEFORE_DEADLINE) == ["coop", "coop"]


def test_no_notification_for_a_task_the_recipient_can_no_longer_see(
    make_task, member, outsider
):
    # The owner left the body: the task is no longer theirs to see.
    task = make_task(owner=outsider, deadline=D(2026, 2, 24))
    Membership.objects.filter(person=member).update(valid_to=D(2026, 2, 20))
    late_member = UserFactory(username="late")
    MembershipFactory(
        person=late_member,
        body=task.body,
        role=Membership.Role.MEMBER,
        agency=task.lead_agency,
        valid_from=D(2026, 2, 1),
    )
    run(D(2026, 2, 24))
    assert Reminder.objects.filter(task=task).count() == 1
    assert recipients(K.ON_DEADLINE) == ["late"]


def test_the_same_day_twice_sends_nothing_new(make_task, owner, member, leader):
    make_task(owner=owner, deadline=D(2026, 2, 24))
    # Nine working days overdue on 24/02 (Tết in between), urged twice
    # before: the 3rd urging and the escalation, e-mailed at once to the
    # leader.
    make_task(owner=owner, deadline=D(2026, 2, 4), urge_count=2)
    first = run(D(2026, 2, 24))
    assert dict(first.inserted) == {
        K.ON_DEADLINE: 1,
        K.URGING: 1,
        K.ESCALATION: 1,
    }
    assert OutgoingEmail.objects.filter(recipient=leader).count() == 1
    counts = (
        Reminder.objects.count(),
        Notification.objects.count(),
        OutgoingEmail.objects.count(),
        AuditEvent.objects.writes().count(),
    )
    second = run(D(2026, 2, 24))
    assert sum(second.inserted.values()) == 0
    assert second.notifications == 0
    assert counts == (
        Reminder.objects.count(),
        Notification.objects.count(),
        OutgoingEmail.objects.count(),
        AuditEvent.objects.writes().count(),
    )


def test_a_crash_half_way_then_a_rerun_sends_each_reminder_exactly_once(
    make_task, owner, member
):
    tasks = [make_task(owner=owner, deadline=D(2026, 2, 24)) for _ in range(5)]
    calls = {"n": 0}
    real = services.notify_many

    def crash_on_second_batch(specs, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(specs, **kwargs)

    with (
        mock.patch.object(services, "notify_many", side_effect=crash_on_second_batch),
        pytest.raises(RuntimeError),
    ):
        run(D(2026, 2, 24), batch_size=2)
    # The first batch is complete, the second rolled back, the rest never ran.
    assert Reminder.objects.count() == 2
    assert Notification.objects.count() == 4

    run(D(2026, 2, 24), batch_size=2)
    for task in tasks:
        assert Reminder.objects.filter(task=task).count() == 1
        assert (
            Notification.objects.filter(target_id=task.pk)
            .values("recipient")
            .distinct()
            .count()
            == Notification.objects.filter(target_id=task.pk).count()
            == 2
        )
    assert AuditEvent.objects.filter(action="reminders.on_deadline").count() == 5


def test_urge_count_survives_an_extension(make_task, member):
    task = make_task(deadline=D(2026, 2, 24))
    run(D(2026, 2, 27))
    run(D(2026, 3, 4))
    # Extended to 10/03: nothing while the new deadline runs, then overdue
    # again: the first urging U working days after it, the count goes on
    # from 2 and reaches the threshold: escalated for the new deadline.
    Task.objects.filter(pk=task.pk).update(deadline=D(2026, 3, 10))
    run(D(2026, 3, 9))
    run(D(2026, 3, 12))
    assert not TaskEscalation.objects.exists()
    run(D(2026, 3, 13))
    task.refresh_from_db()
    assert task.urge_count == 3
    assert TaskEscalation.objects.get().deadline == D(2026, 3, 10)


def per_batch_queries(day, batch_size):
    """Queries of the whole run, and of each batch."""
    real = services._run_batch
    counts = []

    def counted(*args, **kwargs):
        with CaptureQueriesContext(connection) as ctx:
            real(*args, **kwargs)
        counts.append(len(ctx.captured_queries))

    with (
        mock.patch.object(services, "_run_batch", side_effect=counted),
        CaptureQueriesContext(connection) as total,
    ):
        result = run(day, batch_size=batch_size)
    return len(total.captured_queries), counts, result


@pytest.mark.parametrize("tasks", [20, 60])
def test_queries_per_batch_are_constant(tasks, make_task, owner, member):
    """Batches of 10 reminders cost the same queries whatever the number of
    tasks: the run is set-based, not a loop of queries over tasks."""
    for _ in range(tasks):
        make_task(owner=owner, deadline=D(2026, 2, 24))
    ContentType.objects.get_for_model(Task)  # cached, as in a running worker
    total, batches, result = per_batch_queries(D(2026, 2, 24), batch_size=10)
    assert sum(result.inserted.values()) == tasks
    # Each batch: reminders in and back; audit; visibility (4); recipients;
    # their settings per kind; notifications in; e-mails (the owner, a
    # specialist, wants each event at once): select, insert, select back.
    assert batches == [13] * (tasks // 10)
    # Before the batches: tasks by deadline, urging candidates, reported
    # done, parts (before, urging), people; each batch's transaction adds a
    # savepoint and its release (inside the test's transaction).
    assert total == 6 + sum(batches) + 2 * len(batches)
