"""Fixtures of the calendar's tests: the Hanoi team with tasks, a proposal
with a consultation round asking the Bắc Ninh team, a key project located in
Hà Nội and Bắc Ninh with milestones (fixtures of the proposals' and key
projects' tests, reused)."""

import datetime

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.keyprojects.tests.conftest import (  # noqa: F401
    decision,
    hanoi_only,
    milestones,
    project,
    province_team,
    units,
)
from dieuphoi.paperwork.models import IssuingProfile
from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds
from dieuphoi.proposals.tests.conftest import (  # noqa: F401
    consultation,
    draft,
    media,
    proposal,
)
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory, TaskPartFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def team(hanoi_team, standing_agency, leader, deputy, secretariat, media):  # noqa: F811
    seed_kinds()
    IssuingProfile.objects.create(body=hanoi_team, **HANOI_PROFILE)
    return hanoi_team


def make_tasks(body, lead, n, *, first=None, **kw):
    """``n`` open tasks of ``body`` due from ``first`` (default today) on."""
    first = first or local_today()
    today = local_today()
    return [
        TaskFactory(
            body=body,
            lead_agency=lead,
            assigned_on=min(today, first) - 10 * DAY,
            deadline=first + (i % 20) * DAY,
            **kw,
        )
        for i in range(n)
    ]


@pytest.fixture
def tasks(team, member_agency, other_team, external):
    """Three open Hanoi tasks due this week (one shared with the Bắc Ninh
    team), one completed, one overdue."""
    today = local_today()
    own = make_tasks(team, member_agency, 2, first=today + DAY)
    shared = make_tasks(team, member_agency, 1, first=today + 2 * DAY)[0]
    TaskPartFactory(task=shared, agency=None, body=other_team)
    done = make_tasks(
        team,
        member_agency,
        1,
        first=today + DAY,
        state=Task.State.COMPLETED,
        completed_on=today,
    )[0]
    overdue = make_tasks(team, member_agency, 1, first=today - 3 * DAY)[0]
    return {"own": own, "shared": shared, "done": done, "overdue": overdue}
