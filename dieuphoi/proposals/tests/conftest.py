"""Fixtures of the proposals' page and API tests: a team with its issuing
profile, a proposal with two DOCX drafts, a round asking the member agency
and another province's team."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document as Docx

from dieuphoi.core.models import local_today
from dieuphoi.paperwork.models import IssuingProfile
from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds
from dieuphoi.proposals import services
from dieuphoi.proposals.models import Proposal


def docx_bytes(*paragraphs: str) -> bytes:
    document = Docx()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(*paragraphs: str, name: str = "du-thao.docx"):
    return SimpleUploadedFile(name, docx_bytes(*paragraphs))


@pytest.fixture
def media(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def team(hanoi_team, standing_agency, leader, deputy, secretariat, media):
    seed_kinds()
    IssuingProfile.objects.create(body=hanoi_team, **HANOI_PROFILE)
    return hanoi_team


def make_proposal(team, actor, lead, title="Đề án kết nối giao thông vùng", **kw):
    args = {
        "actor": actor,
        "body": team,
        "kind": Proposal.Kind.SCHEME,
        "title": title,
        "scope": Proposal.Scope.REGIONAL_LINKAGE,
        "proposed_on": local_today(),
        "lead_agency": lead,
        "summary": "Kết nối các tuyến vành đai với các tỉnh lân cận.",
        "budget": {"budget_central": 1_000_000, "budget_city": "2.000.000"},
        "budget_total": 3_000_000,
        **kw,
    }
    return services.proposal_create(**args)


@pytest.fixture
def proposal(team, secretariat, member_agency):
    return make_proposal(team, secretariat, member_agency)


@pytest.fixture
def draft(proposal, secretariat):
    return services.draft_add(
        actor=secretariat,
        proposal=proposal,
        uploaded_file=upload(
            "I. Sự cần thiết",
            "Nội dung 1",
            "II. Nội dung đề án",
            "1. Kết nối giao thông",
        ),
    )


@pytest.fixture
def consultation(proposal, draft, secretariat, member_agency, other_team, external):
    return services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[member_agency, other_team],
        working_days=5,
    )
