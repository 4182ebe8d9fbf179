"""Fixtures of the documents pages' tests: the engine set up for the Hanoi
team (kinds, issuing profile, register), one user per role, a specialist of
another body, and helpers that drive a paper through its life cycle."""

import pytest

from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    MembershipFactory,
    UserFactory,
)
from dieuphoi.paperwork import content as c
from dieuphoi.paperwork import services
from dieuphoi.paperwork.models import IssuingProfile, PaperKind
from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds

START = "2022-12-01"


@pytest.fixture
def paper_media(tmp_path, settings):
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
def paper_body(hanoi_team, standing_agency, paper_media):
    """The Hanoi team with its kinds, issuing profile and register."""
    seed_kinds()
    IssuingProfile.objects.create(body=hanoi_team, **HANOI_PROFILE)
    return hanoi_team


@pytest.fixture
def specialist(hanoi_team, standing_agency):
    user = UserFactory(username="specialist", full_name="Chuyên viên Một")
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.SPECIALIST,
        agency=standing_agency,
        valid_from=START,
    )
    return user


@pytest.fixture
def other_specialist(other_team):
    agency = AgencyFactory(code="SNV-BN", name="Sở Nội vụ tỉnh Bắc Ninh")
    user = UserFactory(username="other-specialist")
    MembershipFactory(
        person=user,
        body=other_team,
        role=Membership.Role.SPECIALIST,
        agency=agency,
        valid_from=START,
    )
    return user


@pytest.fixture
def recipient_agency(hanoi_team):
    """A member agency of the team with a focal point (who receives papers)."""
    agency = AgencyFactory(code="SGTVT", name="Sở Giao thông vận tải")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    focal = UserFactory(username="focal", full_name="Đầu mối Sở GTVT", agency=agency)
    MembershipFactory(
        person=focal,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=agency,
        valid_from=START,
    )
    return agency, focal


BLOCKS = [
    c.Heading(text="Tình hình thực hiện", level=1),
    c.Paragraph(text="Tổ điều phối đã rà soát các nhiệm vụ."),
    c.Table(columns=("STT", "Nội dung"), rows=(c.TableRow(cells=("1", "Việc A")),)),
]


@pytest.fixture
def make_paper(paper_body):
    def _make(actor, *, signer, kind="cong-van", authority="TM", **kwargs):
        return services.paper_create(
            actor=actor,
            body=paper_body,
            kind=PaperKind.objects.get(key=kind),
            subject=kwargs.pop("subject", "Về việc đôn đốc thực hiện nhiệm vụ"),
            blocks=kwargs.pop("blocks", BLOCKS),
            authority=authority,
            signer=signer,
            render=kwargs.pop("render", False),
            **kwargs,
        )

    return _make
