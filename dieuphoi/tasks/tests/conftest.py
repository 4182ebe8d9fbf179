import datetime

import pytest
from django.core.cache import cache

from dieuphoi.core import cache as stamps
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)

from .factories import SectorFactory, TaskFactory

START = datetime.date(2022, 12, 1)


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def coop_agency(hanoi_team):
    agency = AgencyFactory(code="SNNMT", name="Sở Nông nghiệp và Môi trường")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    return agency


@pytest.fixture
def coop_member(hanoi_team, coop_agency):
    """Focal point of the co-operating agency."""
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
def sector(db):
    return SectorFactory(key="quy-hoach", name="Quy hoạch")


@pytest.fixture
def province(db):
    return UnitFactory(
        key="ha-noi", name="TP. Hà Nội", valid_from=datetime.date(2008, 8, 1)
    )


@pytest.fixture
def make_task(hanoi_team, member_agency, today):
    """A task of the Hanoi team led by the member's agency (SXD)."""

    def _make(**kwargs):
        kwargs.setdefault("body", hanoi_team)
        kwargs.setdefault("lead_agency", member_agency)
        kwargs.setdefault("assigned_on", today - datetime.timedelta(days=30))
        kwargs.setdefault("deadline", today + datetime.timedelta(days=30))
        return TaskFactory(**kwargs)

    return _make


@pytest.fixture
def caches_on(settings):
    """The production caches of the task pages (counts, summary, rows and
    API pages, registry options), emptied before and after the test."""
    settings.TASK_COUNTS_CACHE_SECONDS = 300
    settings.TASK_SUMMARY_CACHE_SECONDS = 300
    settings.TASK_ROWS_CACHE_SECONDS = 300
    settings.REGISTRY_CHOICES_CACHE = True
    cache.clear()
    stamps.clear_memo()
    yield
    cache.clear()
    stamps.clear_memo()
