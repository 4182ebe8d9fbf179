"""A deadline on a day off under both readings of ``DEADLINE_ON_DAY_OFF``:
``next_working_day`` (Civil Code 2015 Art. 148(5): it ends at the end of the
next working day) and ``as_written`` (met by the working day before it).
The ladder, the urgings, the co-operating parts, the "working days left /
overdue" labels and the letters' column all follow the setting; reminders
keep the written deadline as their key."""

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dieuphoi.letters.services import working_days_overdue
from dieuphoi.notifications.models import Notification
from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.reminders import ladder, services
from dieuphoi.reminders.models import Reminder, TaskEscalation
from dieuphoi.tasks.templatetags import task_tags
from dieuphoi.tasks.tests.factories import TaskPartFactory
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db
D = datetime.date
K = Reminder.Kind
ONE = datetime.timedelta(days=1)
NEXT, AS_WRITTEN = "next_working_day", "as_written"
SATURDAY = D(2026, 3, 7)  # before Monday 09/03/2026
TET_DAY = D(2026, 2, 17)  # Tuesday, in Tết (14-22/02/2026)


@pytest.fixture(autouse=True)
def ladder_settings(settings):
    settings.REMINDER_BEFORE_DAYS = (5, 1)
    settings.URGING_EVERY_WORKING_DAYS = 3
    settings.ESCALATE_AFTER_URGINGS = 3
    settings.CONFIRMATION_REMINDER_WORKING_DAYS = 0
    return settings


def run_days(first, last):
    day = first
    while day <= last:
        services.reminders_run_day(day=day)
        day += ONE


def ladder_of(task, part=None):
    qs = Reminder.objects.filter(task=task, part=part)
    return sorted(qs.values_list("sent_on", "kind", "seq"))


def test_the_rule_is_read_as_the_calendar_says():
    assert calendar.is_working_day(D(2026, 3, 6))
    assert not calendar.is_working_day(SATURDAY)
    assert calendar.is_working_day(D(2026, 3, 9))
    assert not calendar.is_working_day(TET_DAY)
    assert calendar.is_working_day(D(2026, 2, 23))
    assert not calendar.is_working_day(D(2026, 2, 22))


@pytest.mark.parametrize(
    "rule, expected",
    [
        (
            NEXT,
            [
                (D(2026, 3, 2), K.BEFORE_DEADLINE, 5),
                (D(2026, 3, 6), K.BEFORE_DEADLINE, 1),
                (D(2026, 3, 9), K.ON_DEADLINE, 0),  # due on Monday
                (D(2026, 3, 12), K.URGING, 1),  # 3 working days after Monday
                (D(2026, 3, 17), K.URGING, 2),
            ],
        ),
        (
            AS_WRITTEN,
            [
                (D(2026, 2, 27), K.BEFORE_DEADLINE, 5),
                (D(2026, 3, 5), K.BEFORE_DEADLINE, 1),
                (D(2026, 3, 6), K.ON_DEADLINE, 0),  # met by Friday's work
                (D(2026, 3, 11), K.URGING, 1),  # 3 working days after Saturday
                (D(2026, 3, 16), K.URGING, 2),
            ],
        ),
    ],
)
def test_a_deadline_on_a_saturday_before_a_monday(
    rule, expected, settings, make_task, owner, member
):
    settings.DEADLINE_ON_DAY_OFF = rule
    task = make_task(owner=owner, deadline=SATURDAY, assigned_on=D(2026, 2, 2))
    run_days(D(2026, 2, 23), D(2026, 3, 18))
    assert ladder_of(task) == expected
    assert set(Reminder.objects.values_list("deadline", flat=True)) == {SATURDAY}
    task.refresh_from_db()
    assert task.urge_count == 2


@pytest.mark.parametrize(
    "rule, expected",
    [
        (
            NEXT,
            [
                (D(2026, 2, 9), K.BEFORE_DEADLINE, 5),
                (D(2026, 2, 13), K.BEFORE_DEADLINE, 1),
                (D(2026, 2, 23), K.ON_DEADLINE, 0),
                (D(2026, 2, 26), K.URGING, 1),
                (D(2026, 3, 3), K.URGING, 2),
            ],
        ),
        (
            AS_WRITTEN,
            [
                (D(2026, 2, 6), K.BEFORE_DEADLINE, 5),
                (D(2026, 2, 12), K.BEFORE_DEADLINE, 1),
                (D(2026, 2, 13), K.ON_DEADLINE, 0),
                (D(2026, 2, 25), K.URGING, 1),
                (D(2026, 3, 2), K.URGING, 2),
            ],
        ),
    ],
)
def test_a_deadline_on_a_tet_day(rule, expected, settings, make_task, member):
    settings.DEADLINE_ON_DAY_OFF = rule
    task = make_task(deadline=TET_DAY)
    run_days(D(2026, 2, 2), D(2026, 3, 3))
    assert ladder_of(task) == expected
    assert set(Reminder.objects.values_list("deadline", flat=True)) == {TET_DAY}


@pytest.mark.parametrize(
    "rule, escalated_on", [(NEXT, D(2026, 3, 10)), (AS_WRITTEN, D(2026, 3, 9))]
)
def test_escalation_waits_until_the_task_is_overdue(
    rule, escalated_on, settings, make_task, member, leader
):
    """A task already at the threshold (an imported count) is escalated the
    first working day it is overdue: not on the Monday a Saturday deadline
    moved to."""
    settings.DEADLINE_ON_DAY_OFF = rule
    task = make_task(deadline=SATURDAY, urge_count=3)
    run_days(D(2026, 3, 6), D(2026, 3, 10))
    assert list(
        TaskEscalation.objects.filter(task=task).values_list("escalated_on", flat=True)
    ) == [escalated_on]
    assert TaskEscalation.objects.get(task=task).deadline == SATURDAY


@pytest.mark.parametrize(
    "rule, on_deadline_day, first_urging",
    [
        (NEXT, D(2026, 3, 9), D(2026, 3, 12)),
        (AS_WRITTEN, D(2026, 3, 6), D(2026, 3, 11)),
    ],
)
def test_the_notice_names_the_day_the_deadline_falls_due(
    rule, on_deadline_day, first_urging, settings, make_task, member
):
    settings.DEADLINE_ON_DAY_OFF = rule
    task = make_task(deadline=SATURDAY)
    run_days(on_deadline_day, first_urging)
    due_today = Notification.objects.get(kind=K.ON_DEADLINE, target_id=task.pk)
    assert calendar.effective_deadline(SATURDAY).strftime("%d/%m/%Y") in (
        due_today.title
    )
    # The urging says since when the task is overdue: its written deadline.
    urging = Notification.objects.get(kind=K.URGING, target_id=task.pk)
    assert "07/03/2026" in urging.title


@pytest.mark.parametrize(
    "rule, expected",
    [
        (
            NEXT,
            [
                (D(2026, 3, 6), K.PART_BEFORE_DEADLINE, 1),
                (D(2026, 3, 9), K.PART_BEFORE_DEADLINE, 0),
                (D(2026, 3, 12), K.PART_URGING, 1),
                (D(2026, 3, 17), K.PART_URGING, 2),
            ],
        ),
        (
            AS_WRITTEN,
            [
                (D(2026, 3, 5), K.PART_BEFORE_DEADLINE, 1),
                (D(2026, 3, 6), K.PART_BEFORE_DEADLINE, 0),
                (D(2026, 3, 11), K.PART_URGING, 1),
                (D(2026, 3, 16), K.PART_URGING, 2),
            ],
        ),
    ],
)
def test_a_cooperating_parts_sub_deadline_on_a_saturday(
    rule, expected, settings, make_task, member
):
    settings.DEADLINE_ON_DAY_OFF = rule
    settings.REMINDER_BEFORE_DAYS = (1,)
    task = make_task(deadline=D(2026, 3, 31))
    part = TaskPartFactory(task=task, agency=AgencyFactory(), deadline=SATURDAY)
    run_days(D(2026, 3, 4), D(2026, 3, 18))
    assert ladder_of(task, part) == expected
    assert set(
        Reminder.objects.filter(part=part).values_list("deadline", flat=True)
    ) == {SATURDAY}
    assert services.part_urge_counts([part.pk]) == {part.pk: 2}


@pytest.mark.parametrize("rule", [NEXT, AS_WRITTEN])
def test_the_plan_is_set_based_whatever_the_deadlines(rule, settings, make_task):
    """The urging selection compares the written dates with cut-offs
    computed once per run: the same queries for 2 tasks as for 14."""
    settings.DEADLINE_ON_DAY_OFF = rule
    day = D(2026, 3, 12)
    ladder_ = ladder.LadderSettings.from_settings()

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            plan = services.plan_day(day, ladder_)
        return len(ctx.captured_queries), plan

    make_task(deadline=SATURDAY)
    make_task(deadline=D(2026, 3, 6))
    few, plan = count_queries()
    for offset in range(12):
        make_task(deadline=D(2026, 2, 20) + offset * ONE)
    many, plan = count_queries()
    assert few == many
    assert len(plan) > 4


@pytest.mark.parametrize(
    "rule, texts",
    [
        (
            NEXT,
            {
                D(2026, 3, 6): "1 working day left",
                D(2026, 3, 7): "1 working day left",  # Saturday itself
                D(2026, 3, 9): "due today",
                D(2026, 3, 10): "overdue by 1 working day",
                D(2026, 3, 12): "overdue by 3 working days",
            },
        ),
        (
            AS_WRITTEN,
            {
                D(2026, 3, 6): "due today",
                D(2026, 3, 9): "overdue by 1 working day",
                D(2026, 3, 10): "overdue by 2 working days",
                D(2026, 3, 12): "overdue by 4 working days",
            },
        ),
    ],
)
def test_the_labels_and_the_letters_count_from_the_effective_deadline(
    rule, texts, make_task
):
    task = make_task(deadline=SATURDAY)
    with override_settings(DEADLINE_ON_DAY_OFF=rule), translation.override("en"):
        for on, text in texts.items():
            with CaptureQueriesContext(connection) as ctx:
                shown = task_tags.deadline_distances([task], on)
            assert shown == {task.pk: text}, on
            assert len(ctx.captured_queries) == 0
            overdue = calendar.effective_deadline(SATURDAY) < on
            expected = int(text.split()[2]) if overdue else 0
            assert working_days_overdue([task], on) == {task.pk: expected}, on
