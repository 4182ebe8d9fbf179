"""Proposals in the browser, on the demo data: the secretariat sees the list
and the board, opens a proposal, the Bắc Ninh team's user answers its round
with comment rows added by the page's script and sees nothing else, and the
secretariat fills a row of the synthesis table in place."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document as Docx
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.org.seed import HANOI_TEAM_KEY
from dieuphoi.proposals import services
from dieuphoi.proposals.models import Proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _docx(*paragraphs):
    document = Docx()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("du-thao.docx", out.getvalue())


def _data():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    team = Body.objects.filter(key=HANOI_TEAM_KEY).order_by("-valid_from").first()
    secretariat = User.objects.get(username="thuky")
    member = User.objects.get(username="daumoi.sxd")
    external = User.objects.get(username="bacninh")
    lead = member.agency
    province_team = (
        Membership.objects.as_of(local_today())
        .filter(person=external)
        .select_related("body")
        .first()
        .body
    )
    ministry = Agency.objects.filter(kind="ministry").order_by("name").first()
    titles = [
        ("Đề án kết nối giao thông vùng Thủ đô", "scheme"),
        ("Kế hoạch xử lý ô nhiễm sông Nhuệ - Đáy với các tỉnh hạ lưu", "plan"),
        ("Dự án đường nối Hà Nội với Cảng hàng không Gia Bình", "key_project"),
        ("Cơ chế chia sẻ dữ liệu quan trắc môi trường vùng", "mechanism"),
    ]
    proposals = [
        services.proposal_create(
            actor=secretariat,
            body=team,
            kind=kind,
            title=title,
            scope=Proposal.Scope.REGIONAL_LINKAGE,
            proposed_on=local_today(),
            lead_agency=lead,
            summary="Phối hợp với các tỉnh trong vùng.",
            budget={"budget_central": "120.000.000.000", "budget_city": 80_000_000_000},
        )
        for title, kind in titles
    ]
    proposal = proposals[0]
    services.draft_add(
        actor=secretariat,
        proposal=proposal,
        uploaded_file=_docx("I. Sự cần thiết", "Nội dung cũ", "II. Giải pháp"),
    )
    draft = services.draft_add(
        actor=secretariat,
        proposal=proposal,
        uploaded_file=_docx("I. Sự cần thiết", "Nội dung mới", "II. Giải pháp"),
    )
    parties = [lead, province_team] + ([ministry] if ministry else [])
    consultation = services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=parties,
        working_days=10,
        questions="Phạm vi kết nối\nNguồn vốn",
    )
    proposals[3].refresh_from_db()
    services.proposal_transition(
        actor=secretariat,
        proposal=proposals[3],
        action="review",
        version=proposals[3].version,
    )
    return proposal, consultation, draft


def test_proposal_pages(seeded, page, new_page, log_in, shot):
    proposal, consultation, draft = _data()
    log_in("thuky")
    page.goto("/proposals/")
    expect(page.locator(f"#proposal-row-{proposal.pk}")).to_be_visible()
    shot(page, "proposals-list")
    page.goto("/proposals/board/")
    expect(page.locator("#board-column-consultation .proposal-card")).to_have_count(1)
    shot(page, "proposals-board")
    page.locator(f"#board-card-{proposal.pk}").click()
    expect(page.locator("#rounds")).to_contain_text("1")
    shot(page, "proposal-detail")
    page.goto(f"/proposals/drafts/{draft.pk}/diff/")
    expect(page.locator(".diff-add")).to_contain_text("Nội dung mới")
    shot(page, "proposal-diff")

    # The Bắc Ninh team answers: a fourth row added by the script.
    outside = new_page()
    log_in("bacninh", on=outside)
    outside.goto(f"/proposals/rounds/{consultation.pk}/")
    card = outside.locator(".answer-card")
    expect(card).to_have_count(1)
    card.locator("input[value=agree_comments]").check()
    rows = card.locator("[data-comment-row]:visible")
    expect(rows).to_have_count(3)
    card.locator("[data-add-row]").click()
    expect(rows).to_have_count(4)
    rows.nth(0).locator("select").select_option("II. Giải pháp")
    rows.nth(0).locator("textarea").fill("Bổ sung tuyến nối với sân bay Gia Bình.")
    rows.nth(3).locator("textarea").fill("Đề nghị làm rõ nguồn vốn của tỉnh.")
    shot(outside, "round-answer-form")
    card.locator("button[type=submit]").click()
    expect(outside.locator(".alert-success, .alert-info").first).to_be_visible()
    shot(outside, "round-external")
    outside.goto(f"/proposals/{proposal.pk}/")
    assert "404" in outside.title() or outside.locator("h1").count() <= 1

    page.goto(f"/proposals/rounds/{consultation.pk}/")
    expect(page.locator("#round-completeness")).to_contain_text("1")
    shot(page, "round-detail")
    page.goto(f"/proposals/rounds/{consultation.pk}/synthesis/")
    row = page.locator("#synthesis-table tbody tr[id^=synthesis-row-]").first
    row.locator("select").select_option("accepted")
    row.locator("textarea").fill("Tiếp thu, đã bổ sung tại mục II.")
    row.locator("button[type=submit]").click()
    expect(page.locator("#synthesis-table")).to_contain_text(
        "Tiếp thu, đã bổ sung tại mục II."
    )
    shot(page, "synthesis")
