"""Fixtures of the inspections' tests: two inspected Hanoi agencies (Sở Xây
dựng, the member's, and Sở Giao thông), an inspection of the Hanoi team in
progress with a visit last week, and the document kinds and the Hanoi
team's issuing profile the conclusion needs."""

import datetime

import pytest
from django.utils import timezone

from dieuphoi.core.models import local_today
from dieuphoi.inspections import services
from dieuphoi.inspections.models import Finding, Inspection
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    BodyFactory,
    MembershipFactory,
    UserFactory,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture
def team(hanoi_team, standing_agency, leader, deputy, secretariat):
    return hanoi_team


@pytest.fixture
def transport_agency(hanoi_team):
    agency = AgencyFactory(code="SGT", name="Sở Giao thông", short_name="Sở GT")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    return agency


@pytest.fixture
def paper_setup(team):
    from dieuphoi.paperwork.seed import seed_issuing_profiles, seed_kinds

    seed_kinds()
    seed_issuing_profiles()


def visit_times(days_ago: int = 7):
    start = timezone.make_aware(
        datetime.datetime.combine(local_today() - days_ago * DAY, datetime.time(8, 30))
    )
    return start, start + datetime.timedelta(hours=8)


def make_inspection(team, actor, agencies, **kw):
    start, end = visit_times()
    args = {
        "actor": actor,
        "body": team,
        "title": "Kiểm tra việc thực hiện nhiệm vụ liên kết vùng",
        "planned_on": local_today() - 30 * DAY,
        "subject_agencies": list(agencies),
        "scope": "Việc triển khai các nhiệm vụ liên kết vùng năm 2026.",
        "period_from": datetime.date(2026, 1, 1),
        "period_to": local_today() - 31 * DAY,
        "visit_from": start,
        "visit_to": end,
        "place": "Trụ sở Sở Xây dựng",
        **kw,
    }
    return services.inspection_create(**args)


@pytest.fixture
def inspection(team, secretariat, member_agency, transport_agency):
    inspection = make_inspection(team, secretariat, [member_agency, transport_agency])
    return services.inspection_transition(
        actor=secretariat, inspection=inspection, action="start"
    )


def add_finding(inspection, actor, agency, **kw):
    args = {
        "actor": actor,
        "inspection": inspection,
        "description": "Chậm triển khai nhiệm vụ phối hợp liên vùng.",
        "severity": Finding.Severity.HIGH,
        "recommendation": "Khẩn trương hoàn thành và báo cáo kết quả.",
        "agency": agency,
        "deadline": local_today() + 30 * DAY,
        **kw,
    }
    return services.finding_add(**args)


@pytest.fixture
def findings(inspection, secretariat, member_agency, transport_agency):
    return [
        add_finding(inspection, secretariat, member_agency),
        add_finding(
            inspection,
            secretariat,
            transport_agency,
            description="Hồ sơ theo dõi chưa đầy đủ.",
            severity=Finding.Severity.LOW,
            recommendation="Bổ sung hồ sơ theo dõi.",
        ),
        add_finding(
            inspection,
            secretariat,
            None,
            description="Phối hợp tốt với các tỉnh.",
            severity=Finding.Severity.LOW,
            recommendation="",
        ),
    ]


@pytest.fixture
def council_focal(transport_agency):
    """A focal point of Sở Giao thông sitting in another body (not the
    Hanoi team's): sees the inspection of their agency, read only."""
    council = BodyFactory(key="hoi-dong-vung", name="Hội đồng điều phối vùng")
    user = UserFactory(username="focal-sgt", agency=transport_agency)
    MembershipFactory(
        person=user,
        body=council,
        role=Membership.Role.MEMBER,
        agency=transport_agency,
        valid_from=datetime.date(2020, 1, 1),
    )
    return user


__all__ = ["Inspection"]
