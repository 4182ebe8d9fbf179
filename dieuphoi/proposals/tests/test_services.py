"""Proposals: the workflow table per role, consultation rounds (parties,
deadline in working days, answers, silence at the close, completeness and
timeliness), the synthesis table and the Tờ trình through the documents
engine; bad input writes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document as Docx

from dieuphoi.core.models import local_today
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.notifications.models import Notification
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    MembershipFactory,
)
from dieuphoi.paperwork.models import IssuingProfile, Paper
from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds
from dieuphoi.proposals import selectors, services, workflow
from dieuphoi.proposals.models import ConsultationRound, Proposal, RoundParty
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db
START = datetime.date(2022, 12, 1)


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


@pytest.fixture
def proposal(team, secretariat, member_agency):
    return services.proposal_create(
        actor=secretariat,
        body=team,
        kind=Proposal.Kind.SCHEME,
        title="Đề án kết nối giao thông vùng",
        scope=Proposal.Scope.REGIONAL_LINKAGE,
        proposed_on=local_today(),
        lead_agency=member_agency,
        summary="Kết nối các tuyến vành đai với các tỉnh lân cận.",
        budget={"budget_central": 1_000_000, "budget_city": "2.000.000"},
        budget_total=3_000_000,
    )


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
def province_team(other_team, external):
    return other_team


def test_create_keeps_the_budget_by_source_and_checks_the_total(proposal):
    assert proposal.budget_central == Decimal(1_000_000)
    assert proposal.budget_city == Decimal(2_000_000)
    assert proposal.budget_total == Decimal(3_000_000)
    assert proposal.state == Proposal.State.DRAFT
    assert [s.action for s in proposal.steps.all()] == ["create"]


@pytest.mark.parametrize(
    ("budget", "total", "field"),
    [
        ({"budget_city": -5}, None, "budget_city"),
        ({"budget_city": "năm tỷ"}, None, "budget_city"),
        ({"budget_city": 1.5}, None, "budget_city"),
        ({"budget_city": 100, "budget_other": 50}, 200, "budget_total"),
    ],
)
def test_a_bad_budget_is_refused_at_the_field(
    team, secretariat, member_agency, budget, total, field
):
    with pytest.raises(ValidationError) as error:
        services.proposal_create(
            actor=secretariat,
            body=team,
            kind=Proposal.Kind.PLAN,
            title="Kế hoạch",
            scope=Proposal.Scope.REGIONAL_LINKAGE,
            proposed_on=local_today(),
            lead_agency=member_agency,
            budget=budget,
            budget_total=total,
        )
    assert field in error.value.message_dict
    assert not Proposal.objects.exists()


def test_another_provinces_agency_cannot_lead(team, secretariat, other_team):
    foreign = AgencyFactory(code="SXD-BN", name="Sở Xây dựng tỉnh Bắc Ninh")
    foreign.unit = other_team.unit
    with pytest.raises(ValidationError) as error:
        services.proposal_create(
            actor=secretariat,
            body=team,
            kind=Proposal.Kind.PLAN,
            title="Kế hoạch",
            scope=Proposal.Scope.REGIONAL_LINKAGE,
            proposed_on=local_today(),
            lead_agency=AgencyFactory(kind="ministry", name="Bộ Xây dựng"),
        )
    assert "lead_agency" in error.value.message_dict


def test_drafts_are_kept_with_their_sections_and_a_diff(proposal, secretariat, draft):
    second = services.draft_add(
        actor=secretariat,
        proposal=proposal,
        uploaded_file=upload(
            "I. Sự cần thiết", "Nội dung 1 đã sửa", "II. Nội dung đề án"
        ),
    )
    assert [d.number for d in proposal.drafts.order_by("number")] == [1, 2]
    assert draft.sections == [
        "I. Sự cần thiết",
        "II. Nội dung đề án",
        "1. Kết nối giao thông",
    ]
    diff = selectors.draft_diff(draft, second)
    assert "-Nội dung 1" in diff and "+Nội dung 1 đã sửa" in diff


def test_a_draft_that_is_not_a_document_is_refused(proposal, secretariat):
    with pytest.raises(ValidationError) as error:
        services.draft_add(
            actor=secretariat,
            proposal=proposal,
            uploaded_file=SimpleUploadedFile("anh.png", b"\x89PNG...."),
        )
    assert "file" in error.value.message_dict
    assert not proposal.drafts.exists()


def test_a_round_asks_the_parties_with_a_letter_and_a_working_day_deadline(
    proposal, draft, secretariat, member_agency, province_team, external
):
    on = local_today()
    ministry = AgencyFactory(kind="ministry", name="Bộ Xây dựng", code="BXD")
    consultation = services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[ministry, province_team],
        working_days=10,
        questions="Phạm vi kết nối\nNguồn vốn",
        on=on,
    )
    assert consultation.deadline == calendar.add_working_days(on, 10)
    assert sorted(p.name for p in consultation.parties.all()) == sorted(
        [ministry.name, province_team.name]
    )
    # The request letter is a draft Công văn of the documents engine.
    paper = consultation.request_paper
    assert paper.state == Paper.State.DRAFT and paper.number is None
    assert paper.kind.key == "cong-van"
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.CONSULTATION
    # The province team's member is told, and may open the round.
    note = Notification.objects.get(recipient=external, kind="round_request")
    assert note.url == consultation.get_absolute_url()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"parties": []}, "parties"),
        ({"working_days": 0}, "working_days"),
        ({"on": datetime.date(2020, 1, 2)}, "on"),
    ],
)
def test_a_bad_round_is_refused_and_writes_nothing(
    proposal, draft, secretariat, province_team, kwargs, field
):
    args = {
        "actor": secretariat,
        "proposal": proposal,
        "draft": draft,
        "parties": [province_team],
        "working_days": 5,
        **kwargs,
    }
    with pytest.raises(ValidationError) as error:
        services.round_open(**args)
    assert field in error.value.message_dict
    assert not ConsultationRound.objects.exists()
    assert not Paper.objects.exists()


def test_answers_completeness_timeliness_and_silence_at_the_close(
    proposal,
    draft,
    secretariat,
    member,
    member_agency,
    province_team,
    external,
    outsider,
):
    consultation = services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[province_team, member_agency],
        working_days=5,
    )
    province = consultation.parties.get(party_body=province_team)
    ours = consultation.parties.get(agency=member_agency)
    # Only who acts for the party answers.
    with pytest.raises(PermissionDenied):
        services.answer_submit(actor=outsider, party=province, answer="agree")
    with pytest.raises(PermissionDenied):
        services.answer_submit(actor=member, party=province, answer="agree")
    # Disagreeing needs comments.
    with pytest.raises(ValidationError):
        services.answer_submit(actor=external, party=province, answer="disagree")
    services.answer_submit(
        actor=external,
        party=province,
        answer="agree_comments",
        comments=[("II. Nội dung đề án", "Bổ sung tuyến kết nối với sân bay.")],
    )
    with pytest.raises(ValidationError):  # once
        services.answer_submit(actor=external, party=province, answer="agree")
    stats = selectors.round_stats(consultation)
    assert (stats.asked, stats.answered, stats.on_time, stats.silent) == (2, 1, 1, 0)

    services.round_close(actor=secretariat, consultation=consultation)
    ours.refresh_from_db()
    assert ours.answer == RoundParty.Answer.SILENT
    stats = selectors.round_stats(consultation)
    assert (stats.asked, stats.answered, stats.silent) == (2, 1, 1)
    # A late answer is kept, flagged late.
    late = services.answer_submit(actor=member, party=ours, answer="agree")
    assert (late.late, late.answer) == (True, "agree")


def test_a_late_answer_is_flagged(
    proposal, draft, secretariat, province_team, external
):
    consultation = services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[province_team],
        working_days=1,
    )
    party = consultation.parties.get()
    after = consultation.deadline + datetime.timedelta(days=3)
    answered = services.answer_submit(
        actor=external, party=party, answer="agree", on=after
    )
    assert answered.late is True
    assert selectors.round_stats(consultation).on_time == 0


def test_the_synthesis_table_is_the_answers_comments_with_responses(
    proposal, draft, secretariat, deputy, leader, province_team, external, member_agency
):
    consultation = services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[province_team],
        working_days=5,
    )
    party = consultation.parties.get()
    services.answer_submit(
        actor=external,
        party=party,
        answer="agree_comments",
        comments=[
            ("II. Nội dung đề án", "Bổ sung tuyến kết nối."),
            ("I. Sự cần thiết", "Nêu rõ căn cứ."),
        ],
    )
    rows = selectors.synthesis_rows(consultation=consultation)
    assert [r.text for r in rows] == ["Nêu rõ căn cứ.", "Bổ sung tuyến kết nối."]
    first = rows[0]
    with pytest.raises(ValidationError):  # partly accepted needs the reason
        services.comment_respond(
            actor=secretariat,
            comment=first,
            version=first.version,
            response="partly",
            text="",
        )
    responded = services.comment_respond(
        actor=secretariat,
        comment=first,
        version=first.version,
        response="accepted",
        text="Đã bổ sung căn cứ.",
    )
    from dieuphoi.api.errors import Conflict

    with pytest.raises(Conflict):  # the version seen is stale
        services.comment_respond(
            actor=secretariat, comment=first, version=first.version, response="explained",
            text="Giải trình.",
        )  # fmt: skip
    assert responded.response == "accepted"
    table = selectors.synthesis_table(
        selectors.synthesis_rows(consultation=consultation)
    )
    texts = [row.cells for row in table.rows]
    assert ("I. Sự cần thiết",) in texts
    assert any(
        r[3] == "Nêu rõ căn cứ." and r[4] == "Tiếp thu" for r in texts if len(r) > 4
    )

    # Close, review, submit: the Tờ trình carries the table as its annex.
    services.round_close(actor=secretariat, consultation=consultation)
    proposal.refresh_from_db()
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="review", version=proposal.version
    )
    with pytest.raises(PermissionDenied):  # the secretariat does not submit
        services.proposal_submit(
            actor=secretariat, proposal=proposal, version=proposal.version
        )
    proposal = services.proposal_submit(
        actor=leader, proposal=proposal, version=proposal.version
    )
    assert proposal.state == Proposal.State.SUBMITTED
    step = proposal.steps.get(action="submit")
    paper = step.paper
    assert paper.kind.key == "to-trinh" and paper.signer == leader
    annex = paper.current.annexes[0]
    assert annex["landscape"] is True
    assert annex["blocks"][0]["columns"][3] == "Nội dung góp ý"


def test_the_workflow_table_per_role(proposal, secretariat, leader, member, outsider):
    # member (a focal point) may not move a proposal; the secretariat may
    # send it to review, not record the Chairman's decision before submit.
    assert [t.action for t in workflow.allowed_actions(member, proposal)] == []
    assert [t.action for t in workflow.allowed_actions(outsider, proposal)] == []
    assert {t.action for t in workflow.allowed_actions(secretariat, proposal)} == {
        "consult",
        "review",
    }
    with pytest.raises(ValidationError):  # out of order
        services.proposal_transition(
            actor=leader, proposal=proposal, action="approve", version=proposal.version,
            document=DocumentFactory(body=proposal.body),
        )  # fmt: skip
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="review", version=proposal.version
    )
    proposal = services.proposal_submit(
        actor=leader, proposal=proposal, version=proposal.version
    )
    # A decision needs the document that carries it.
    with pytest.raises(ValidationError) as error:
        services.proposal_transition(
            actor=secretariat,
            proposal=proposal,
            action="approve",
            version=proposal.version,
        )
    assert "document" in error.value.message_dict
    decision = DocumentFactory(body=proposal.body)
    proposal = services.proposal_transition(
        actor=secretariat,
        proposal=proposal,
        action="return",
        version=proposal.version,
        document=decision,
        comment="Bổ sung nguồn vốn.",
    )
    # Returned: back to draft, keeping everything.
    assert proposal.state == Proposal.State.DRAFT
    assert proposal.steps.get(action="return").document == decision
    assert proposal.steps.filter(action="submit").count() == 1
    # Forwarding to the Council only for a matter beyond the city's competence.
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="review", version=proposal.version
    )
    proposal = services.proposal_submit(
        actor=leader, proposal=proposal, version=proposal.version
    )
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="approve", version=proposal.version,
        document=decision,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.proposal_transition(
            actor=secretariat, proposal=proposal, action="forward", version=proposal.version,
            document=decision,
        )  # fmt: skip
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="adopt", version=proposal.version,
        document=decision,
    )  # fmt: skip
    assert proposal.state == Proposal.State.ADOPTED


def test_an_outsider_cannot_see_and_an_external_party_sees_only_its_round(
    proposal, draft, secretariat, province_team, external, outsider, login
):
    from django.urls import reverse

    consultation = services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[province_team],
        working_days=5,
    )
    assert (
        login(outsider).get(reverse("proposals:detail", args=[proposal.pk])).status_code
        == 404
    )
    assert (
        login(outsider)
        .get(reverse("proposals:round", args=[consultation.pk]))
        .status_code
        == 404
    )
    client = login(external)
    assert (
        client.get(reverse("proposals:detail", args=[proposal.pk])).status_code == 404
    )
    assert (
        client.get(reverse("proposals:round", args=[consultation.pk])).status_code
        == 200
    )
    _ = Membership
    _ = BodyAgencyFactory, MembershipFactory, START
