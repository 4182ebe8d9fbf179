"""Fixtures of the activities' tests: the Hanoi team with its paperwork
(kinds, issuing profile), three other provinces' teams with a user each,
and a planned joint meeting a week ahead inviting two of them and Sở Xây
dựng."""

import datetime

import pytest
from django.utils import timezone

from dieuphoi.activities import services
from dieuphoi.activities.models import Activity
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyFactory,
    MembershipFactory,
    UserFactory,
)
from dieuphoi.paperwork.models import IssuingProfile
from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds

START = datetime.date(2020, 1, 1)
LOCAL = services.LOCAL


def at(days: int, hour: int = 8, minute: int = 30) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), LOCAL)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def team(hanoi_team, standing_agency, leader, deputy, secretariat):
    seed_kinds()
    IssuingProfile.objects.create(body=hanoi_team, **HANOI_PROFILE)
    return hanoi_team


def _team_user(body, username, email=True):
    agency = AgencyFactory(code=f"A-{username}", name=f"Sở Tài chính {username}")
    user = UserFactory(
        username=username,
        agency=agency,
        email=f"{username}@example.org" if email else "",
    )
    MembershipFactory(
        person=user,
        body=body,
        role=Membership.Role.MEMBER,
        agency=agency,
        valid_from=START,
    )
    return user


@pytest.fixture
def hung_yen(db):
    return BodyFactory(key="to-dieu-phoi-hung-yen", name="Tổ điều phối vùng tỉnh Hưng Yên",
                       short_name="TĐP Hưng Yên")  # fmt: skip


@pytest.fixture
def phu_tho(db):
    return BodyFactory(key="to-dieu-phoi-phu-tho", name="Tổ điều phối vùng tỉnh Phú Thọ",
                       short_name="TĐP Phú Thọ")  # fmt: skip


@pytest.fixture
def hung_yen_user(hung_yen):
    return _team_user(hung_yen, "hungyen")


@pytest.fixture
def phu_tho_user(phu_tho):
    """A user of a team that is not invited to ``meeting``."""
    return _team_user(phu_tho, "phutho")


@pytest.fixture
def meeting(
    team,
    secretariat,
    other_team,
    external,
    hung_yen,
    hung_yen_user,
    member_agency,
    member,
):
    return services.activity_create(
        actor=secretariat,
        body=team,
        kind=Activity.Kind.JOINT_MEETING,
        title="Hội nghị phối hợp các Tổ điều phối vùng",
        starts_at=at(7),
        ends_at=at(7, 11, 30),
        place="Phòng họp tầng 3",
        agenda=[{"title": "Báo cáo tình hình", "presenter": "Thường trực Tổ"}],
        invitees=[other_team, hung_yen, member_agency],
    )


def issue_invitation(activity, secretariat, leader):
    """Draft, approve and issue the Giấy mời (the body's paperwork)."""
    from dieuphoi.paperwork import services as paper

    p = services.invitation_create(actor=secretariat, activity=activity)
    p = paper.paper_submit(actor=secretariat, paper=p, version=p.version)
    p = paper.paper_approve(actor=leader, paper=p, version=p.version)
    p = paper.paper_issue(actor=secretariat, paper_id=p.pk)
    activity.refresh_from_db()
    return p
