import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.tasks.tests.factories import TaskFactory

D = datetime.date
START = D(2022, 12, 1)
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def owner(hanoi_team, standing_agency):
    """The task's owner: a specialist of the standing agency."""
    user = UserFactory(username="owner", agency=standing_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.SPECIALIST,
        agency=standing_agency,
        valid_from=START,
    )
    return user


@pytest.fixture
def make_task(hanoi_team, member_agency):
    def _make(**kwargs):
        kwargs.setdefault("body", hanoi_team)
        kwargs.setdefault("lead_agency", member_agency)
        kwargs.setdefault("assigned_on", D(2026, 1, 5))
        kwargs.setdefault("deadline", D(2026, 2, 24))
        return TaskFactory(**kwargs)

    return _make


@pytest.fixture
def db_jobs(settings):
    """The database job backend, drained in-process by ``db_worker --batch``;
    failed e-mails are retried at once."""
    settings.TASKS = DB_BACKEND
    settings.NOTIFICATION_EMAIL_RETRY_SECONDS = 0
    return settings


def schedule(day: datetime.date, *extra) -> str:
    out = StringIO()
    call_command("schedule_daily", "--on", day.isoformat(), *extra, stdout=out)
    return out.getvalue()


def drain() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def run_days(first: datetime.date, last: datetime.date) -> None:
    """Time travel: each day's schedule, then the worker drains the queue."""
    day = first
    while day <= last:
        schedule(day)
        drain()
        day += datetime.timedelta(days=1)
