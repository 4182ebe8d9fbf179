"""Moving time with ``schedule_daily --on`` and the database job worker, as
the system runs for real: across Tết 2026 and a swapped working Saturday."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.reminders import services
from dieuphoi.reminders.models import Reminder, TaskEscalation
from dieuphoi.workdays.models import CalendarDay

from .conftest import drain, run_days, schedule

pytestmark = pytest.mark.django_db
D = datetime.date
K = Reminder.Kind


def ladder_of(task):
    return sorted(
        Reminder.objects.filter(task=task).values_list("sent_on", "kind", "seq")
    )


IN_TET_LADDER = {
    # Civil Code 2015 Art. 148(5): a deadline in Tết ends on Mon 23/02.
    "next_working_day": [
        (D(2026, 2, 9), K.BEFORE_DEADLINE, 5),
        (D(2026, 2, 13), K.BEFORE_DEADLINE, 1),
        (D(2026, 2, 23), K.ON_DEADLINE, 0),  # the first working day after it
        (D(2026, 2, 26), K.URGING, 1),  # 3 working days after 23/02
        (D(2026, 3, 3), K.URGING, 2),
        (D(2026, 3, 6), K.ESCALATION, 3),
        (D(2026, 3, 6), K.URGING, 3),
        (D(2026, 3, 11), K.URGING, 4),
    ],
    "as_written": [
        (D(2026, 2, 6), K.BEFORE_DEADLINE, 5),
        (D(2026, 2, 12), K.BEFORE_DEADLINE, 1),
        (D(2026, 2, 13), K.ON_DEADLINE, 0),  # the last working day before it
        (D(2026, 2, 25), K.URGING, 1),  # 3 working days after 15/02
        (D(2026, 3, 2), K.URGING, 2),
        (D(2026, 3, 5), K.ESCALATION, 3),
        (D(2026, 3, 5), K.URGING, 3),
        (D(2026, 3, 10), K.URGING, 4),
        (D(2026, 3, 13), K.URGING, 5),
    ],
}


@pytest.mark.parametrize(
    "rule, owner_mail_count, member_day_count",
    [("next_working_day", 14, 13), ("as_written", 15, 15)],
)
def test_a_month_across_tet(
    rule,
    owner_mail_count,
    member_day_count,
    db_jobs,
    make_task,
    owner,
    member,
    leader,
    secretariat,
):
    db_jobs.DEADLINE_ON_DAY_OFF = rule
    after_tet = make_task(owner=owner, deadline=D(2026, 2, 24))
    in_tet = make_task(owner=owner, deadline=D(2026, 2, 15))  # a Sunday in Tết

    run_days(D(2026, 2, 2), D(2026, 3, 13))

    assert ladder_of(after_tet) == [
        (D(2026, 2, 10), K.BEFORE_DEADLINE, 5),  # 5 working days: Tết skipped
        (D(2026, 2, 23), K.BEFORE_DEADLINE, 1),
        (D(2026, 2, 24), K.ON_DEADLINE, 0),
        (D(2026, 2, 27), K.URGING, 1),
        (D(2026, 3, 4), K.URGING, 2),
        (D(2026, 3, 9), K.ESCALATION, 3),
        (D(2026, 3, 9), K.URGING, 3),
        (D(2026, 3, 12), K.URGING, 4),
    ]
    assert ladder_of(in_tet) == IN_TET_LADDER[rule]
    # The reminders keep the written deadline as their key.
    assert set(
        Reminder.objects.filter(task=in_tet).values_list("deadline", flat=True)
    ) == {D(2026, 2, 15)}
    # Nothing ran on the Tết days or weekends.
    assert not Reminder.objects.filter(
        sent_on__range=(D(2026, 2, 14), D(2026, 2, 22))
    ).exists()
    after_tet.refresh_from_db()
    in_tet.refresh_from_db()
    assert (after_tet.urge_count, in_tet.urge_count) == (
        4,
        len([r for r in IN_TET_LADDER[rule] if r[1] == K.URGING]),
    )
    assert TaskEscalation.objects.filter(resolved=False).count() == 2

    # Every job succeeded.
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    # The owner (a specialist) gets each notification by e-mail at once; the
    # member one digest per day with reminders; the leader and secretariat
    # each escalation at once.
    owner_mails = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(owner_mails) == Notification.objects.filter(recipient=owner).count()
    assert len(owner_mails) == owner_mail_count
    member_days = set(
        Notification.objects.filter(recipient=member).values_list("day", flat=True)
    )
    member_mails = [m for m in mail.outbox if m.to == [member.email]]
    assert len(member_mails) == len(member_days) == member_day_count
    assert len([m for m in mail.outbox if m.to == [leader.email]]) == 2
    assert OutgoingEmail.objects.exclude(status="sent").count() == 0
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_a_swapped_working_saturday_counts(db_jobs, make_task, owner, member, leader):
    CalendarDay.objects.create(
        date=D(2026, 2, 28), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù"
    )
    on_saturday = make_task(owner=owner, deadline=D(2026, 2, 28))
    after_tet = make_task(owner=owner, deadline=D(2026, 2, 24))

    run_days(D(2026, 2, 23), D(2026, 3, 10))

    # Saturday 28/02 is worked: its deadline is due that day, and it counts
    # in the urging rhythm (27/02, 03/03, 06/03 instead of 27/02, 04/03, 09/03).
    assert (D(2026, 2, 28), K.ON_DEADLINE, 0) in ladder_of(on_saturday)
    assert (D(2026, 2, 27), K.BEFORE_DEADLINE, 1) in ladder_of(on_saturday)
    assert [
        (sent_on, seq)
        for sent_on, kind, seq in ladder_of(after_tet)
        if kind == K.URGING
    ] == [(D(2026, 2, 27), 1), (D(2026, 3, 3), 2), (D(2026, 3, 6), 3)]
    assert TaskEscalation.objects.get(task=after_tet).escalated_on == D(2026, 3, 6)


def test_twice_the_same_day_sends_nothing_twice(db_jobs, make_task, owner, member):
    make_task(owner=owner, deadline=D(2026, 2, 24))
    schedule(D(2026, 2, 24))
    drain()
    out = schedule(D(2026, 2, 24))
    assert "already ran" in out
    schedule(D(2026, 2, 24), "--force")
    drain()
    assert Reminder.objects.count() == 1
    assert Notification.objects.count() == 2
    # The owner's e-mail and the member's digest, once each.
    assert sorted(m.to[0] for m in mail.outbox) == [member.email, owner.email]
    assert OutgoingEmail.objects.count() == 2


def test_a_job_dying_half_way_then_a_rerun_sends_each_once(
    db_jobs, settings, make_task, owner, member
):
    settings.REMINDER_BATCH_SIZE = 2
    tasks = [make_task(owner=owner, deadline=D(2026, 2, 24)) for _ in range(5)]
    real = services.notify_many
    calls = {"n": 0}

    def die_in_the_second_batch(specs, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database connection lost")
        return real(specs, **kwargs)

    schedule(D(2026, 2, 24))
    with mock.patch.object(
        services, "notify_many", side_effect=die_in_the_second_batch
    ):
        drain()
    assert Reminder.objects.count() == 2
    failed = DBTaskResult.objects.get(
        task_path__endswith="reminders_daily", status="FAILED"
    )
    assert "database connection lost" in failed.traceback
    # The operator re-runs the day; later the job's own retry runs too.
    schedule(D(2026, 2, 24), "--force")
    drain()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    drain()
    assert Reminder.objects.count() == 5
    for task in tasks:
        assert Notification.objects.filter(target_id=task.pk).count() == 2
    owner_mails = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(owner_mails) == 5
    assert DBTaskResult.objects.filter(status="READY").count() == 0
