"""The daily reminder of extension requests awaiting the leaders' decision."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dieuphoi.notifications.models import Notification
from dieuphoi.reminders import jobs, services
from dieuphoi.tasks.models import ExtensionRequest, Task
from dieuphoi.workdays.scheduler import daily_jobs

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = D(2026, 2, 10)  # a Tuesday
KIND = "extension_pending"


@pytest.fixture
def make_request(make_task, member_agency, member):
    def _make(state=ExtensionRequest.State.PENDING, **kwargs):
        task = make_task(state=Task.State.EXTENSION_REQUESTED, **kwargs)
        decided = state != ExtensionRequest.State.PENDING
        return ExtensionRequest.objects.create(
            task=task,
            requested_by=member,
            agency=member_agency,
            current_deadline=task.deadline,
            requested_deadline=task.deadline + datetime.timedelta(days=30),
            reason="Chờ ý kiến của Bộ Xây dựng",
            previous_state=Task.State.IN_PROGRESS,
            state=state,
            approved_deadline=(
                task.deadline + datetime.timedelta(days=30)
                if state in ExtensionRequest.APPROVED_STATES
                else None
            ),
            decided_on=DAY if decided else None,
        )

    return _make


def told():
    return sorted(
        Notification.objects.filter(kind=KIND).values_list(
            "recipient__username", "target_id", "day"
        )
    )


def test_the_leader_and_deputy_are_told_once_a_day(
    make_request, leader, deputy, member, secretariat
):
    extension = make_request()
    task_id = extension.task_id
    assert services.extension_pending_notify(day=DAY) == 2
    assert told() == [("deputy", task_id, DAY), ("leader", task_id, DAY)]
    # The same day again: nothing new.
    services.extension_pending_notify(day=DAY)
    assert told() == [("deputy", task_id, DAY), ("leader", task_id, DAY)]
    # The next working day: told again.
    services.extension_pending_notify(day=DAY + datetime.timedelta(days=1))
    assert Notification.objects.filter(kind=KIND).count() == 4
    assert not Notification.objects.filter(
        kind=KIND, recipient__in=[member, secretariat]
    ).exists()
    title = Notification.objects.filter(kind=KIND).first().title
    assert extension.task.code in title


def test_the_title_is_in_the_recipients_language(make_request, leader):
    make_request()
    services.extension_pending_notify(day=DAY)
    # The recipient's language is the default (vi): not the English source.
    with translation.override("en"):
        english = services.extension_pending_title("X", DAY, "t")
    assert "awaiting your decision" in english
    title = Notification.objects.get(kind=KIND).title
    assert "awaiting your decision" not in title


@pytest.mark.parametrize(
    "state",
    [
        ExtensionRequest.State.APPROVED,
        ExtensionRequest.State.REFUSED,
        ExtensionRequest.State.WITHDRAWN,
    ],
)
def test_a_decided_request_is_not_reminded(make_request, leader, deputy, state):
    make_request(state=state)
    assert services.extension_pending_notify(day=DAY) == 0
    assert told() == []


def test_nothing_on_a_day_off(make_request, leader, deputy):
    make_request()
    assert services.extension_pending_notify(day=D(2026, 2, 14)) == 0  # Saturday
    assert told() == []


def test_the_queries_do_not_grow_with_the_requests(make_request, leader, deputy):
    make_request()
    ContentType.objects.get_for_model(Task)  # cached for the process
    with CaptureQueriesContext(connection) as one:
        services.extension_pending_notify(day=DAY)
    Notification.objects.all().delete()
    for _ in range(5):
        make_request()
    with CaptureQueriesContext(connection) as six:
        assert services.extension_pending_notify(day=DAY) == 12
    assert len(six) == len(one)


def test_the_daily_job_is_registered_for_working_days():
    entry = {job.name: job for job in daily_jobs()}["reminders.extension_pending"]
    assert entry.working_days_only
    assert entry.job.module_path == jobs.extension_pending_daily.module_path
