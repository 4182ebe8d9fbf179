# ruff: noqa: F811 -- the fixtures of test_contributions are imported by name
"""Contributions not submitted are reminded, urged, counted and escalated by
the reminder ladder (``reminders.obligations``), once per rung, and no more
once submitted or once the report is no longer open."""

import datetime

import pytest

from dieuphoi.notifications.models import Notification
from dieuphoi.reminders import ladder, obligations
from dieuphoi.reminders.models import ObligationReminder
from dieuphoi.reports import contributions as services
from dieuphoi.reports.models import Contribution, Report
from dieuphoi.workdays import calendar

from .test_contributions import (  # noqa: F401
    _registered,
    asked,
    party,
    planner,
    planning,
    report,
)


@pytest.fixture
def settings_ladder(settings):
    settings.REMINDER_BEFORE_DAYS = (1,)
    settings.URGING_EVERY_WORKING_DAYS = 2
    settings.ESCALATE_AFTER_URGINGS = 2
    return settings


def notices(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def test_the_source_is_registered():
    assert "reports.contribution" in {s.key for s in obligations.obligation_sources()}


def test_reminded_before_and_on_the_deadline_once(
    settings_ladder, asked, member, planner, external, outsider, secretariat
):
    deadline = asked.deadline
    day_before = calendar.add_working_days(calendar.due_working_day(deadline), -1)
    obligations.run_day(day_before)
    obligations.run_day(day_before)  # a second run sends nothing again
    assert notices("obligation_reminder") == ["external", "member", "planner"]
    assert ObligationReminder.objects.filter(kind="before").count() == 3
    reminder = Notification.objects.filter(
        kind="obligation_reminder", recipient=member
    ).get()
    assert deadline.strftime("%d/%m/%Y") in reminder.title
    assert reminder.url == party(asked, member.agency).get_absolute_url()
    obligations.run_day(calendar.due_working_day(deadline))
    assert notices("obligation_reminder").count("member") == 2
    assert "outsider" not in notices("obligation_reminder")
    assert "secretariat" not in notices("obligation_reminder")


def test_urged_after_the_deadline_counted_and_escalated_once(
    settings_ladder, asked, member, planner, external, leader, secretariat, other_team
):
    deadline = asked.deadline
    theirs = party(asked, body=other_team)
    ours = party(asked, member.agency)
    services.contribution_submit(
        actor=external, contribution=theirs, sections={"results": "Đã xong"}
    )
    # A draft is still missing: urged like a contribution not started.
    services.contribution_save(
        actor=planner,
        contribution=party(asked, planner.agency),
        version=None,
        sections={"results": "Đang viết"},
    )

    first = ladder.urging_day(deadline, 1, 2)
    obligations.run_day(first)
    obligations.run_day(first)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.urge_count, theirs.urge_count) == (1, 0)
    assert notices("obligation_urging") == ["member", "planner"]
    assert notices("obligation_escalation") == []

    obligations.run_day(calendar.add_working_days(first, 1))  # nothing between
    assert notices("obligation_urging") == ["member", "planner"]

    second = ladder.urging_day(deadline, 2, 2)
    obligations.run_day(second)
    ours.refresh_from_db()
    assert ours.urge_count == 2
    # Escalated to the leader and the secretariat, once per contribution.
    escalations = notices("obligation_escalation")
    assert set(escalations) == {"leader", "secretariat"}
    obligations.run_day(ladder.urging_day(deadline, 3, 2))
    assert notices("obligation_escalation") == escalations
    ours.refresh_from_db()
    assert ours.urge_count == 3
    # The count is what the report's partial and the API show.
    stats = services.contribution_stats(asked.report)
    assert {c.name: c.urge_count for c in stats.contributions}[ours.name] == 3


@pytest.mark.parametrize("state", [Report.State.APPROVED, Report.State.WITHDRAWN])
def test_a_closed_report_is_no_longer_chased(settings_ladder, asked, report, state):
    Report.objects.filter(pk=report.pk).update(state=state)
    obligations.run_day(ladder.urging_day(asked.deadline, 1, 2))
    assert not Notification.objects.filter(kind="obligation_urging").exists()
    assert not Contribution.objects.filter(urge_count__gt=0).exists()


def test_days_off_send_nothing(settings_ladder, asked):
    day = asked.deadline
    while calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    assert obligations.run_day(day).planned == 0
