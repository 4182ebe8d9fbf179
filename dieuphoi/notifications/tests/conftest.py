import datetime

import pytest

from dieuphoi.tasks.tests.factories import TaskFactory

D = datetime.date


@pytest.fixture
def task(hanoi_team, member_agency):
    return TaskFactory(
        body=hanoi_team,
        lead_agency=member_agency,
        assigned_on=D(2026, 1, 5),
        deadline=D(2026, 2, 24),
        code="NV-2026-0042",
        title="Đẩy nhanh tiến độ dự án đường Vành đai 4",
    )


@pytest.fixture
def other_task(other_team):
    return TaskFactory(
        body=other_team, assigned_on=D(2026, 1, 5), deadline=D(2026, 3, 31)
    )
