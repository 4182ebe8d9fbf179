import datetime

import pytest

from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    MembershipFactory,
    UserFactory,
)
from dieuphoi.tasks.models import TaskPart
from dieuphoi.tasks.tests.factories import TaskFactory

START = datetime.date(2022, 12, 1)


@pytest.fixture
def coop_agency(hanoi_team):
    agency = AgencyFactory(code="SNNMT", name="Sở Nông nghiệp và Môi trường")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    return agency


@pytest.fixture
def coop_member(hanoi_team, coop_agency):
    user = UserFactory(username="coop", agency=coop_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=coop_agency,
        valid_from=START,
    )
    return user


@pytest.fixture
def task(hanoi_team, member_agency):
    today = local_today()
    return TaskFactory(
        body=hanoi_team,
        lead_agency=member_agency,
        assigned_on=today - datetime.timedelta(days=10),
        deadline=today + datetime.timedelta(days=30),
        title="Đẩy nhanh tiến độ dự án đường Vành đai 4",
    )


@pytest.fixture
def part(task, coop_agency):
    return TaskPart.objects.create(
        task=task, agency=coop_agency, description="Mặt bằng"
    )


@pytest.fixture
def api_client(client):
    def _for(user):
        raw = ApiToken.generate_raw()
        ApiToken.objects.create(
            user=user, name="test", prefix=raw[:8], key_hash=hash_token(raw)
        )
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return _for
