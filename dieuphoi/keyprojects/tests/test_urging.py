"""Open milestones are reminded, urged, counted and escalated by the reminder
ladder (``reminders.obligations``), once per rung; a milestone done stops."""

import datetime

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.keyprojects import services, urging
from dieuphoi.keyprojects.models import KeyProject
from dieuphoi.notifications.models import Notification
from dieuphoi.notifications.registry import target_for_model
from dieuphoi.reminders import ladder, obligations
from dieuphoi.reminders.models import ObligationReminder
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def settings_ladder(settings):
    settings.REMINDER_BEFORE_DAYS = (1,)
    settings.URGING_EVERY_WORKING_DAYS = 2
    settings.ESCALATE_AFTER_URGINGS = 2
    return settings


@pytest.fixture
def milestone(project, secretariat, member_agency, member):
    """Planned on a working day ten working days from today."""
    planned = calendar.add_working_days(local_today(), 10)
    return services.milestone_add(
        actor=secretariat,
        project=project,
        name="Thông xe kỹ thuật",
        planned_on=planned,
        responsible_agency=member_agency,
    )


def notices(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def test_the_source_is_registered():
    keys = [s.key for s in obligations.obligation_sources()]
    assert urging.SOURCE in keys


def test_reminded_before_and_on_the_planned_date_once(
    settings_ladder, milestone, member, outsider, secretariat, external
):
    planned = milestone.planned_on
    day_before = calendar.add_working_days(calendar.due_working_day(planned), -1)
    obligations.run_day(day_before)
    obligations.run_day(day_before)  # a second run sends nothing again
    # The responsible agency's focal point in the project's body, nobody else.
    assert notices("obligation_reminder") == ["member"]
    assert (
        ObligationReminder.objects.filter(source=urging.SOURCE, kind="before").count()
        == 1
    )
    notice = Notification.objects.get(kind="obligation_reminder")
    assert planned.strftime("%d/%m/%Y") in notice.title
    assert milestone.name in notice.title
    assert f"#milestone-row-{milestone.pk}" in notice.url

    obligations.run_day(calendar.due_working_day(planned))
    assert notices("obligation_reminder") == ["member", "member"]


def test_urged_after_the_planned_date_counted_and_escalated_once(
    settings_ladder, milestone, member, leader, secretariat
):
    planned = milestone.planned_on
    first = ladder.urging_day(planned, 1, 2)
    obligations.run_day(first)
    obligations.run_day(first)
    milestone.refresh_from_db()
    assert milestone.urge_count == 1
    assert notices("obligation_urging") == ["member"]
    assert notices("obligation_escalation") == []

    # The day between two urgings sends nothing.
    obligations.run_day(calendar.add_working_days(first, 1))
    assert notices("obligation_urging") == ["member"]

    second = ladder.urging_day(planned, 2, 2)
    obligations.run_day(second)
    milestone.refresh_from_db()
    assert milestone.urge_count == 2
    assert notices("obligation_urging") == ["member", "member"]
    # The body's leader and secretariat, once per planned date.
    assert notices("obligation_escalation") == ["leader", "secretariat"]

    obligations.run_day(ladder.urging_day(planned, 3, 2))
    assert notices("obligation_escalation") == ["leader", "secretariat"]
    milestone.refresh_from_db()
    assert milestone.urge_count == 3
    # The urgings are in the project's history.
    from dieuphoi.audit.models import AuditEvent

    assert (
        AuditEvent.objects.filter(
            action="reminders.obligation_urge", target_id=str(milestone.project_id)
        ).count()
        == 3
    )


def test_a_milestone_done_is_no_longer_urged(settings_ladder, milestone, secretariat):
    planned = milestone.planned_on
    obligations.run_day(ladder.urging_day(planned, 1, 2))
    milestone.refresh_from_db()
    services.milestone_complete(
        actor=secretariat,
        milestone=milestone,
        version=milestone.version,
        actual_on=milestone.project.starts_on,
    )
    obligations.run_day(ladder.urging_day(planned, 2, 2))
    assert notices("obligation_urging") == ["member"]
    milestone.refresh_from_db()
    assert milestone.urge_count == 1


def test_a_planned_date_moved_later_starts_a_new_ladder(
    settings_ladder, milestone, secretariat
):
    planned = milestone.planned_on
    obligations.run_day(ladder.urging_day(planned, 1, 2))
    milestone.refresh_from_db()
    later = calendar.add_working_days(planned, 30)
    services.milestone_update(
        actor=secretariat,
        milestone=milestone,
        version=milestone.version,
        planned_on=later,
    )
    # What was the second urging day of the old date is now before the new
    # date: nothing is due.
    result = obligations.run_day(ladder.urging_day(planned, 2, 2))
    assert result.by_source.get(urging.SOURCE, 0) == 0


def test_an_agency_without_a_focal_point_in_the_body_is_reached_elsewhere(
    settings_ladder, project, secretariat, external
):
    # The external user's home agency (Bắc Ninh's finance department) has no
    # seat in the Hanoi team: its people's seats elsewhere are told.
    agency = external.memberships.get().agency
    milestone = services.milestone_add(
        actor=secretariat,
        project=project,
        name="Hoàn thành giải phóng mặt bằng phía Bắc Ninh",
        planned_on=calendar.add_working_days(local_today(), 10),
        responsible_agency=agency,
    )
    obligations.run_day(ladder.urging_day(milestone.planned_on, 1, 2))
    assert notices("obligation_urging") == ["external"]


def test_the_project_is_a_notification_target_with_its_view_rule(
    project, external, outsider
):
    entry = target_for_model(KeyProject)
    assert entry.can_view(external, project)
    assert not entry.can_view(outsider, project)


def test_days_off_send_nothing(settings_ladder, milestone):
    day = milestone.planned_on
    while calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    result = obligations.run_day(day)
    assert result.planned == 0
    assert not ObligationReminder.objects.filter(source=urging.SOURCE).exists()
