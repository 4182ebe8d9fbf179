"""Part reminders and urgings reach a party outside the Hanoi team the way
the task notices tell it (``tasks.notices.PartySeats``): every member of
another province's team; an outside agency's people through their seats
elsewhere. The outsider hears nothing; each person hears each reminder once."""

import datetime

import pytest

from dieuphoi.notifications.models import Notification
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from dieuphoi.reminders import services
from dieuphoi.reminders.models import Reminder
from dieuphoi.tasks.tests.factories import TaskPartFactory

pytestmark = pytest.mark.django_db
D = datetime.date
K = Reminder.Kind


def told(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def parties(make_task, hanoi_team, other_team, owner, member, outsider):
    """A task with two parts due 24/02/2026: the Bắc Ninh team (two members)
    and a ministry with one person seated in the Bắc Ninh team."""
    for name in ("bn1", "bn2"):
        MembershipFactory(
            person=UserFactory(username=name),
            body=other_team,
            role=Membership.Role.MEMBER,
            agency=AgencyFactory(),
            valid_from=D(2022, 12, 1),
        )
    ministry = AgencyFactory(code="BXD", name="Bộ Xây dựng")
    MembershipFactory(
        person=UserFactory(username="ministry"),
        body=other_team,
        role=Membership.Role.SPECIALIST,
        agency=ministry,
        valid_from=D(2022, 12, 1),
    )
    task = make_task(owner=owner, deadline=D(2026, 3, 31))
    team_part = TaskPartFactory(
        task=task, agency=None, body=other_team, deadline=D(2026, 2, 24)
    )
    ministry_part = TaskPartFactory(task=task, agency=ministry, deadline=D(2026, 2, 24))
    return {"task": task, "team": team_part, "ministry": ministry_part}


def test_a_team_and_an_outside_agency_get_the_parts_reminder_once(parties):
    services.reminders_run_day(day=D(2026, 2, 23))
    services.reminders_run_day(day=D(2026, 2, 23))  # again: nothing twice
    assert Reminder.objects.filter(kind=K.PART_BEFORE_DEADLINE).count() == 2
    # The team's part: its two members and the ministry's person (a member
    # of the team too); the ministry's part: its person.
    assert told(K.PART_BEFORE_DEADLINE) == ["bn1", "bn2", "ministry", "ministry"]
    team = Reminder.objects.get(part=parties["team"])
    assert sorted(
        Notification.objects.filter(key__startswith=f"reminder:{team.pk}:").values_list(
            "recipient__username", flat=True
        )
    ) == ["bn1", "bn2", "ministry"]


def test_a_team_and_an_outside_agency_are_urged_on_their_overdue_part(parties):
    for day in (D(2026, 2, 26), D(2026, 2, 27), D(2026, 2, 27)):
        services.reminders_run_day(day=day)
    assert sorted(
        Reminder.objects.filter(kind=K.PART_URGING).values_list("part_id", "seq")
    ) == sorted([(parties["team"].pk, 1), (parties["ministry"].pk, 1)])
    assert told(K.PART_URGING) == ["bn1", "bn2", "ministry", "ministry"]
    # Hanoi's own people are not told of another party's part.
    assert not Notification.objects.filter(
        kind__in=[K.PART_URGING, K.PART_BEFORE_DEADLINE],
        recipient__username__in=["member", "owner", "outsider"],
    ).exists()
