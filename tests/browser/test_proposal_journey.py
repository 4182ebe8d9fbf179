"""The proposals' journey in the browser, on the demo data (issue 9's test):
the secretariat opens a round to three Hanoi agencies and the Bắc Ninh team;
Sở Xây dựng answers in the page and the Bắc Ninh team through the API; the
reminder ladder urges the two that stay silent; the round closes and records
their silence; the lead agency fills the synthesis table in place; the
secretariat sends it to the team's review and the leader submits it with a
Tờ trình; the Chairman's decision is recorded with its document; a task is
assigned from the adopted proposal and shows in the task list with the
proposal as its source. Along the way: the board, the diff of two drafts,
and what the Bắc Ninh team's user may not see."""

import io

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document as Docx
from playwright.sync_api import expect

from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.core.models import local_today
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.org.seed import HANOI_TEAM_KEY
from dieuphoi.proposals import services
from dieuphoi.proposals.models import ConsultationRound, Proposal, RoundParty
from dieuphoi.reminders import ladder, obligations
from dieuphoi.tasks.forms import party_value
from dieuphoi.tasks.models import Task

from .helpers import choose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Đề án liên kết hạ tầng giao thông vùng (kiểm thử)"


def _docx(*paragraphs):
    document = Docx()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("du-thao.docx", out.getvalue())


def _setup():
    User = get_user_model()
    team = Body.objects.filter(key=HANOI_TEAM_KEY).order_by("-valid_from").first()
    clerk = User.objects.get(username="thuky")
    sxd = Agency.objects.as_of(local_today()).get(code="SXD")
    proposal = services.proposal_create(
        actor=clerk, body=team, kind=Proposal.Kind.SCHEME, title=TITLE,
        scope=Proposal.Scope.REGIONAL_LINKAGE, proposed_on=local_today(), lead_agency=sxd,
        summary="Kết nối các tuyến vành đai với các tỉnh lân cận.",
    )  # fmt: skip
    services.draft_add(
        actor=clerk, proposal=proposal,
        uploaded_file=_docx("I. Sự cần thiết", "Nội dung cũ", "II. Giải pháp"),
    )  # fmt: skip
    services.draft_add(
        actor=clerk, proposal=proposal,
        uploaded_file=_docx("I. Sự cần thiết", "Nội dung mới", "II. Giải pháp"),
    )  # fmt: skip
    external = User.objects.get(username="bacninh")
    province_team = (
        Membership.objects.as_of(local_today())
        .filter(person=external)
        .select_related("body")
        .first()
        .body
    )
    # The decision the Chairman will take, registered in the team's book.
    decision = DocumentFactory(
        body=team, summary="Ý kiến chỉ đạo thông qua đề án (văn bản kiểm thử)"
    )
    return proposal, province_team, decision


def _option_label(page, select_id, value):
    return page.eval_on_selector(
        f"#{select_id} option[value='{value}']", "o => o.textContent.trim()"
    )


def test_proposal_journey(seeded, page, new_page, log_in, shot, live_server):
    proposal, province_team, decision = _setup()
    agencies = {
        a.code: a
        for a in Agency.objects.as_of(local_today()).filter(
            code__in=["SXD", "SNNMT", "STC"]
        )
    }

    # The secretariat opens a round from the proposal's page.
    log_in("thuky")
    page.goto("/proposals/board/")
    expect(page.locator(f"#board-card-{proposal.pk}")).to_be_visible()
    shot(page, "proposals-board")
    page.locator(f"#board-card-{proposal.pk}").click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    page.goto(f"/proposals/drafts/{proposal.drafts.get(number=2).pk}/diff/")
    expect(page.locator(".diff-add")).to_contain_text("Nội dung mới")
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#action-consult").click()
    expect(page.locator("#round-form")).to_be_visible()
    for party in [agencies["SXD"], agencies["SNNMT"], agencies["STC"], province_team]:
        label = _option_label(page, "id_parties", party_value(party))
        choose(page, "id_parties", label)
    page.locator("#id_working_days").fill("5")
    shot(page, "round-form")
    page.locator("#round-open").click()
    expect(page.locator("#round-completeness")).to_contain_text("0")
    consultation = ConsultationRound.objects.get(proposal=proposal)
    assert consultation.parties.count() == 4
    assert consultation.request_paper is not None  # the Công văn xin ý kiến

    # Sở Xây dựng answers in the page.
    sxd_page = new_page()
    log_in("daumoi.sxd", on=sxd_page)
    sxd_page.goto(f"/proposals/rounds/{consultation.pk}/")
    card = sxd_page.locator(".answer-card")
    expect(card).to_have_count(1)
    card.locator("input[value=agree_comments]").check()
    rows = card.locator("[data-comment-row]:visible")
    rows.nth(0).locator("select").select_option("II. Giải pháp")
    rows.nth(0).locator("textarea").fill("Bổ sung tuyến nối với sân bay.")
    card.locator("button[type=submit]").click()
    expect(sxd_page.locator(".alert-success, .alert-info").first).to_be_visible()

    # The Bắc Ninh team answers through the API with its own token.
    external = get_user_model().objects.get(username="bacninh")
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(
        user=external, name="journey", prefix=raw[:8], key_hash=hash_token(raw)
    )
    answered = requests.post(
        f"{live_server.url}/api/v1/rounds/{consultation.pk}/answers",
        json={
            "answer": "agree_comments",
            "comments": [
                {
                    "section": "I. Sự cần thiết",
                    "text": "Đề nghị làm rõ nguồn vốn của tỉnh.",
                }
            ],
        },
        headers={"Authorization": f"Bearer {raw}"},
        timeout=30,
    )
    assert answered.status_code == 201, answered.text
    # ... and sees only its own round, not the proposal.
    outside = new_page()
    log_in("bacninh", on=outside)
    outside.goto(f"/proposals/{proposal.pk}/")
    expect(outside.locator("h1")).not_to_contain_text(TITLE)

    # The reminder ladder urges the two that stay silent.
    result = obligations.run_day(
        ladder.urging_day(
            consultation.deadline, 1, ladder.LadderSettings.from_settings().urging_every
        )
    )
    # (The demo key project's late milestone is urged by the same run.)
    assert result.by_source["proposals.round_party"] == 2
    page.goto(f"/proposals/rounds/{consultation.pk}/")
    silent = RoundParty.objects.filter(round=consultation, answer="")
    for party in silent:
        expect(page.locator(f"#party-{party.pk} td").nth(3)).to_have_text("1")
    snnmt = new_page()
    log_in("daumoi.snnmt", on=snnmt)
    snnmt.goto("/notifications/")
    expect(snnmt.locator("body")).to_contain_text("Đôn đốc lần 1")

    # The round closes: silence recorded as "no comment".
    page.locator("#round-close").click()
    expect(page.locator("#round-state")).to_contain_text("Đã đóng")
    assert set(
        RoundParty.objects.filter(round=consultation).values_list("answer", flat=True)
    ) == {"agree_comments", "silent"}
    shot(page, "round-closed")

    # The lead agency (Sở Xây dựng) fills the synthesis table, row by row.
    sxd_page.goto(f"/proposals/rounds/{consultation.pk}/synthesis/")
    table_rows = sxd_page.locator("#synthesis-table tbody tr[id^=synthesis-row-]")
    expect(table_rows).to_have_count(2)
    for i, (response, text) in enumerate(
        [
            ("accepted", "Tiếp thu, đã bổ sung."),
            ("explained", "Giải trình: nguồn vốn theo phân cấp."),
        ]
    ):
        row_id = table_rows.nth(i).get_attribute("id")
        # Each row opens its form in place.
        sxd_page.locator(f"#{row_id} .synthesis-respond").click()
        row = sxd_page.locator(f"#{row_id}")
        expect(row.locator("select")).to_be_visible()
        row.locator("select").select_option(response)
        row.locator("textarea").fill(text)
        row.locator("button[type=submit]").click()
        expect(sxd_page.locator("#synthesis-table")).to_contain_text(text)
    expect(sxd_page.locator("#response-counts")).to_contain_text("1")
    shot(sxd_page, "synthesis")

    # Team review, then the leader submits with a Tờ trình.
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#action-review").click()
    expect(
        page.locator("#proposal-state, .proposal-state, body").first
    ).to_contain_text("Tổ")
    leader = new_page()
    log_in("truongto", on=leader)
    leader.goto(f"/proposals/{proposal.pk}/")
    leader.locator("#action-submit").click()
    expect(leader.locator("#steps")).to_contain_text("Tờ trình")
    shot(leader, "submitted")

    # The Chairman's decision, recorded by the secretariat with its document.
    page.goto(f"/proposals/{proposal.pk}/")
    choose(
        page,
        "id_approve_document",
        _option_label(page, "id_approve_document", str(decision.pk)),
    )
    page.locator("#action-approve").click()
    expect(page.locator("#steps")).to_contain_text(decision.reference)
    choose(
        page,
        "id_adopt_document",
        _option_label(page, "id_adopt_document", str(decision.pk)),
    )
    page.locator("#action-adopt").click()
    expect(page.locator("#proposal-task-form")).to_be_visible()

    # A task carrying it out; it shows in the task list with its source.
    page.locator("#proposal-task-form #id_title").fill(
        "Khảo sát hướng tuyến kết nối (kiểm thử)"
    )
    page.locator("#proposal-task-submit").click()
    task = Task.objects.get(title="Khảo sát hướng tuyến kết nối (kiểm thử)")
    expect(page.locator(f"#proposal-task-{task.pk}")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.IMPLEMENTATION
    page.locator("#proposal-tasks-list").click()
    expect(page.locator("#task-source-filter")).to_contain_text(TITLE)
    expect(page.locator("body")).to_contain_text(task.code)
    shot(page, "tasks-from-proposal")
