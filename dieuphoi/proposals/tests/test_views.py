"""Pages of proposals: who sees what (outsider 404, external party only its
round, member no actions), the secretariat's and leader's journey from
creation to the decision, conflicts, exports and fixed query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from docx import Document as Docx
from openpyxl import load_workbook

from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.proposals import services
from dieuphoi.proposals.models import Proposal, RoundComment, RoundParty

from .conftest import make_proposal, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"proposals:{name}", args=args)


def answered_round(consultation, external, member):
    province = consultation.parties.get(party_body__isnull=False)
    services.answer_submit(
        actor=external,
        party=province,
        answer="agree_comments",
        comments=[
            ("II. Nội dung đề án", "Bổ sung tuyến kết nối với sân bay."),
            ("", '=HYPERLINK("http://x")'),
        ],
    )
    return province


# --- who sees what ---------------------------------------------------------------


def test_outsider_gets_404_everywhere_and_an_empty_list(
    login, outsider, proposal, consultation, draft
):
    client = login(outsider)
    for name, args in [
        ("detail", [proposal.pk]),
        ("edit", [proposal.pk]),
        ("round-new", [proposal.pk]),
        ("synthesis", [proposal.pk]),
        ("synthesis-export", [proposal.pk, "xlsx"]),
        ("round", [consultation.pk]),
        ("round-draft", [consultation.pk]),
        ("round-synthesis", [consultation.pk]),
        ("diff", [draft.pk]),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    for name, args in [
        ("action", [proposal.pk]),
        ("draft-add", [proposal.pk]),
        ("round-close", [consultation.pk]),
    ]:
        assert client.post(url(name, *args), {"action": "review"}).status_code == 404
    page = client.get(url("list")).content.decode()
    assert proposal.title not in page
    assert proposal.title not in client.get(url("board")).content.decode()
    assert client.get(url("create")).status_code == 403


def test_external_party_sees_only_its_round(
    login, external, proposal, consultation, member_agency
):
    client = login(external)
    assert client.get(url("detail", proposal.pk)).status_code == 404
    assert client.get(url("synthesis", proposal.pk)).status_code == 404
    assert client.get(url("round-synthesis", consultation.pk)).status_code == 404
    assert client.get(url("round-new", proposal.pk)).status_code == 404
    response = client.get(url("round", consultation.pk))
    assert response.status_code == 200
    page = response.content.decode()
    # Its own party and answer form only: not the other parties, not the
    # request letter of the body, not the proposal's link.
    assert "Tổ điều phối vùng tỉnh Bắc Ninh" in page
    assert member_agency.name not in page
    assert "round-request-letter" not in page
    assert url("detail", proposal.pk) not in page
    # The draft asked about can be downloaded from the round.
    draft = client.get(url("round-draft", consultation.pk))
    assert draft.status_code == 200
    # It cannot answer for another party.
    ours = consultation.parties.get(agency=member_agency)
    response = client.post(
        url("answer", consultation.pk, ours.pk),
        {"answer": "agree", "version": ours.version},
    )
    assert response.status_code == 403
    assert client.post(url("round-close", consultation.pk)).status_code == 403
    assert not client.get(url("list")).content.decode().count(proposal.title)


def test_external_answers_with_comment_rows(login, external, consultation):
    party = consultation.parties.get(party_body__isnull=False)
    client = login(external)
    page = client.get(url("round", consultation.pk)).content.decode()
    # Three comment rows without JavaScript, sections from the draft.
    assert f'name="comments-{party.pk}-TOTAL_FORMS" value="3"' in page
    assert "II. Nội dung đề án" in page
    prefix = f"comments-{party.pk}"
    data = {
        "answer": "agree_comments",
        "version": party.version,
        f"{prefix}-TOTAL_FORMS": "3",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-section": "II. Nội dung đề án",
        f"{prefix}-0-text": "Bổ sung tuyến kết nối.",
        f"{prefix}-1-section": "",
        f"{prefix}-1-text": "",
        f"{prefix}-2-section": "",
        f"{prefix}-2-text": "Ý kiến chung.",
    }
    # A section that is not in the draft is refused at the field.
    bad = {**data, f"{prefix}-0-section": "IX. Không có"}
    assert client.post(url("answer", consultation.pk, party.pk), bad).status_code == 422
    assert not RoundComment.objects.exists()
    response = client.post(url("answer", consultation.pk, party.pk), data)
    assert response.status_code == 302
    party.refresh_from_db()
    assert party.answer == "agree_comments"
    assert [(c.section, c.text) for c in party.comments.all()] == [
        ("II. Nội dung đề án", "Bổ sung tuyến kết nối."),
        ("", "Ý kiến chung."),
    ]


def test_disagreeing_without_comments_keeps_the_form_with_a_message(
    login, external, consultation
):
    party = consultation.parties.get(party_body__isnull=False)
    client = login(external)
    client.cookies["django_language"] = "en"
    response = client.post(
        url("answer", consultation.pk, party.pk),
        {
            "answer": "disagree",
            "version": party.version,
            f"comments-{party.pk}-TOTAL_FORMS": "3",
            f"comments-{party.pk}-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 422
    assert "Write the comments (at least one)" in response.content.decode()
    party.refresh_from_db()
    assert party.answer == ""


def test_member_sees_no_action_and_every_post_is_403(
    login, member, proposal, consultation, draft
):
    client = login(member)
    page = client.get(url("detail", proposal.pk)).content.decode()
    assert 'id="no-actions"' in page
    assert 'id="proposal-edit-link"' not in page
    assert 'id="draft-form"' not in page
    assert client.post(
        url("action", proposal.pk), {"action": "review", "version": 1}
    ).status_code in (403, 302)
    assert (
        client.post(
            url("action", proposal.pk),
            {"action": "review", "version": proposal.version},
        ).status_code
        == 403
    )
    assert client.get(url("edit", proposal.pk)).status_code == 403
    assert client.get(url("round-new", proposal.pk)).status_code == 403
    assert client.post(url("round-close", consultation.pk)).status_code == 403
    response = client.post(
        url("draft-add", proposal.pk), {"file": upload("I. A", name="a.docx")}
    )
    assert response.status_code == 403
    assert client.get(url("create")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.drafts.count() == 1


# --- the journey -------------------------------------------------------------------


def test_the_secretariat_and_leader_journey(
    login,
    team,
    secretariat,
    leader,
    member,
    external,
    member_agency,
    other_team,
    settings,
):
    client = login(secretariat)
    assert client.get(url("create")).status_code == 200
    response = client.post(
        url("create"),
        {
            "body": team.pk,
            "kind": "scheme",
            "title": "Đề án xử lý ô nhiễm sông Nhuệ - Đáy",
            "summary": "Phối hợp với các tỉnh hạ lưu.",
            "scope": "regional_linkage",
            "proposed_on": "02/12/2026" if False else "",
            "lead_agency": member_agency.pk,
            "budget_central": "1.000.000",
            "budget_city": "2.000.000",
            "budget_total": "3.000.000",
        },
    )
    # The date is required: the form keeps the input.
    assert response.status_code == 200
    assert "Đề án xử lý ô nhiễm sông Nhuệ - Đáy" in response.content.decode()
    from dieuphoi.core.models import local_today

    today = local_today().strftime("%d/%m/%Y")
    response = client.post(
        url("create"),
        {
            "body": team.pk,
            "kind": "scheme",
            "title": "Đề án xử lý ô nhiễm sông Nhuệ - Đáy",
            "summary": "Phối hợp với các tỉnh hạ lưu.",
            "scope": "regional_linkage",
            "proposed_on": today,
            "lead_agency": member_agency.pk,
            "budget_central": "1.000.000",
            "budget_city": "2.000.000",
            "budget_total": "3.000.000",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.budget_total == 3_000_000
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert "3.000.000" in detail
    assert 'id="action-consult"' in detail and 'id="action-review"' in detail

    # Two drafts; the second compares with the first.
    for text in ("Nội dung cũ", "Nội dung mới"):
        response = client.post(
            url("draft-add", proposal.pk),
            {"file": upload("I. Sự cần thiết", text, "II. Giải pháp"), "note": ""},
        )
        assert response.status_code == 302
    second = proposal.drafts.get(number=2)
    diff = client.get(url("diff", second.pk)).content.decode()
    assert 'class="diff-del"' in diff and "Nội dung cũ" in diff
    assert 'class="diff-add"' in diff and "Nội dung mới" in diff
    # A file that is not a draft is refused at the field.
    response = client.post(
        url("draft-add", proposal.pk),
        {"file": upload("x", name="anh.png")},
    )
    assert response.status_code == 422
    assert proposal.drafts.count() == 2

    # A round to the member agency and the other province's team.
    assert client.get(url("round-new", proposal.pk)).status_code == 200
    response = client.post(
        url("round-new", proposal.pk),
        {
            "draft": second.pk,
            "parties": [str(member_agency.pk), f"team-{other_team.pk}"],
            "working_days": 5,
            "questions": "Phạm vi",
            "version": proposal.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = proposal.rounds.get()
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert 'id="round-request-letter"' in page
    assert "0 of 2 answered" in page or "0/2" in page or "0 trên 2" in page

    # The province answers in the page, the member agency does not.
    province = consultation.parties.get(party_body=other_team)
    prefix = f"comments-{province.pk}"
    response = login(external).post(
        url("answer", consultation.pk, province.pk),
        {
            "answer": "agree_comments",
            "version": province.version,
            f"{prefix}-TOTAL_FORMS": "3",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-section": "II. Giải pháp",
            f"{prefix}-0-text": "Bổ sung trạm quan trắc chung.",
        },
    )
    assert response.status_code == 302

    client = login(secretariat)
    assert client.post(url("round-close", consultation.pk)).status_code == 302
    silent = consultation.parties.get(agency=member_agency)
    silent.refresh_from_db()
    assert silent.answer == RoundParty.Answer.SILENT

    # The synthesis table: a row answered in place (HTMX).
    page = client.get(url("round-synthesis", consultation.pk)).content.decode()
    comment = RoundComment.objects.get()
    assert f'id="synthesis-row-{comment.pk}"' in page
    response = client.post(
        url("respond", comment.pk),
        {"response": "accepted", "response_text": "Đã bổ sung.", "version": 1},
        **HTMX,
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert fragment.strip().startswith(f'<tr id="synthesis-row-{comment.pk}"')
    # The counts above the table follow, out of band.
    assert 'id="response-counts"' in fragment and 'hx-swap-oob="true"' in fragment
    assert ": 1</span>" in fragment.split('id="response-count-accepted"')[1][:200]
    comment.refresh_from_db()
    assert comment.response == "accepted"
    # A stale version: the row comes back with the saved response and a
    # message, the user's text kept in the form.
    response = client.post(
        url("respond", comment.pk),
        {"response": "explained", "response_text": "Văn bản của tôi", "version": 1},
        **HTMX,
    )
    fragment = response.content.decode()
    assert "Văn bản của tôi" in fragment and "Đã bổ sung." in fragment
    assert 'role="alert"' in fragment
    comment.refresh_from_db()
    assert comment.response == "accepted"

    # Review, then the leader submits: a Tờ trình is drafted and linked.
    proposal.refresh_from_db()
    response = client.post(
        url("action", proposal.pk), {"action": "review", "version": proposal.version}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.TEAM_REVIEW
    # The secretariat may not submit.
    assert (
        client.post(
            url("action", proposal.pk),
            {"action": "submit", "version": proposal.version},
        ).status_code
        == 403
    )
    leader_client = login(leader)
    response = leader_client.post(
        url("action", proposal.pk),
        {"action": "submit", "version": proposal.version, "comment": "Kính trình."},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED
    paper = proposal.steps.get(action="submit").paper
    page = leader_client.get(proposal.get_absolute_url()).content.decode()
    assert reverse("paperwork:detail", args=[paper.pk]) in page

    # The decision needs its document from the body's register.
    client = login(secretariat)
    response = client.post(
        url("action", proposal.pk), {"action": "approve", "version": proposal.version}
    )
    assert response.status_code == 422
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED
    decision = DocumentFactory(body=team, summary="Quyết định phê duyệt đề án")
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert f'value="{decision.pk}"' in page
    response = client.post(
        url("action", proposal.pk),
        {
            "action": "approve",
            "version": proposal.version,
            "document": decision.pk,
            "comment": "Chủ tịch đồng ý.",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.APPROVED
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert reverse("docs:detail", args=[decision.pk]) in page
    assert "Chủ tịch đồng ý." in page


def test_a_stale_edit_answers_409_and_keeps_the_input(
    login, secretariat, proposal, member_agency
):
    client = login(secretariat)
    page = client.get(url("edit", proposal.pk)).content.decode()
    assert "1.000.000" in page and "quy mô vùng" in page.lower()
    data = {
        "kind": "scheme",
        "title": "Tên mới của tôi",
        "scope": "regional_linkage",
        "proposed_on": proposal.proposed_on.strftime("%d/%m/%Y"),
        "lead_agency": member_agency.pk,
        "budget_central": "1.000.000",
        "budget_city": "2.000.000",
        "version": proposal.version,
    }
    services.proposal_update(
        actor=secretariat, proposal=proposal, version=proposal.version, title="Khác"
    )
    response = client.post(url("edit", proposal.pk), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="proposal-conflict"' in page and "Tên mới của tôi" in page
    proposal.refresh_from_db()
    assert proposal.title == "Khác"
    # Saving again (the form now carries the new version) keeps mine.
    data["version"] = proposal.version
    assert client.post(url("edit", proposal.pk), data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Tên mới của tôi"


def test_budget_sources_that_do_not_add_up_are_refused_at_the_field(
    login, secretariat, team, member_agency
):
    from dieuphoi.core.models import local_today

    response = login(secretariat).post(
        url("create"),
        {
            "body": team.pk,
            "kind": "plan",
            "title": "Kế hoạch",
            "scope": "regional_linkage",
            "proposed_on": local_today().strftime("%d/%m/%Y"),
            "lead_agency": member_agency.pk,
            "budget_city": "-5",
            "budget_other": "abc",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_budget_city_error"' in page
    assert 'id="id_budget_other_error"' in page
    assert not Proposal.objects.exists()


# --- synthesis exports -------------------------------------------------------------


def test_synthesis_exports_open_and_text_is_never_a_formula(
    login, secretariat, member, external, consultation
):
    answered_round(consultation, external, member)
    client = login(secretariat)
    response = client.get(url("round-synthesis-export", consultation.pk, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "Nội dung góp ý"
    texts = [r[3] for r in rows[1:]]
    assert "Bổ sung tuyến kết nối với sân bay." in texts
    formula = next(c for c in sheet["D"] if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"

    response = client.get(url("synthesis-export", consultation.proposal_id, "docx"))
    assert response.status_code == 200
    document = Docx(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Bổ sung tuyến kết nối với sân bay." in cells
    body = "\n".join(p.text for p in document.paragraphs)
    assert "BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN" in body

    response = client.get(url("round-synthesis-export", consultation.pk, "pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (
        client.get(url("synthesis-export", consultation.proposal_id, "csv")).status_code
        == 404
    )


def test_a_stale_row_without_htmx_shows_the_table_with_the_input_kept(
    login, secretariat, member, external, consultation
):
    answered_round(consultation, external, member)
    comment = RoundComment.objects.first()
    services.comment_respond(
        actor=secretariat,
        comment=comment,
        version=comment.version,
        response="accepted",
        text="Của người khác",
    )
    response = login(secretariat).post(
        url("respond", comment.pk),
        {
            "response": "explained",
            "response_text": "Giải trình của tôi",
            "version": comment.version,
            "scope": "round",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Giải trình của tôi" in page and "Của người khác" in page
    comment.refresh_from_db()
    assert comment.response_text == "Của người khác"


def test_synthesis_page_counts_per_response(
    login, secretariat, member, external, consultation
):
    answered_round(consultation, external, member)
    page = login(secretariat).get(url("synthesis", consultation.proposal_id))
    html = page.content.decode()
    assert 'id="response-count-none"' in html
    assert html.count("synthesis-respond") == 2
    assert 'class="synthesis-row-form"' not in html


def test_a_synthesis_row_opens_its_form_in_place_or_by_link(
    login, secretariat, member, external, outsider, consultation
):
    answered_round(consultation, external, member)
    comment = RoundComment.objects.order_by("pk").first()
    client = login(secretariat)
    # HTMX: the row comes back with its form.
    row = client.get(
        url("respond", comment.pk),
        {"scope": "round", "number": "1"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert row.count('class="synthesis-row-form"') == 1
    assert f'id="synthesis-row-{comment.pk}"' in row
    # Without JavaScript: the table with that row's form open.
    response = client.get(url("respond", comment.pk), {"scope": "round"})
    assert response.status_code == 302
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert page.count('class="synthesis-row-form"') == 1
    # Saved: the row reads as saved, its form closed, with a "Change" button.
    saved = client.post(
        url("respond", comment.pk),
        {"response": "accepted", "response_text": "Tiếp thu.", "version": comment.version,
         "scope": "round", "number": "1"},
        headers={"HX-Request": "true"},
    ).content.decode()  # fmt: skip
    assert "Tiếp thu." in saved and 'class="synthesis-row-form"' not in saved
    assert "synthesis-respond" in saved
    # The response's label and who answered when, dd/mm/yyyy in Hanoi time.
    comment.refresh_from_db()
    label = str(comment.get_response_display())
    when = timezone.localtime(comment.responded_at).strftime("%d/%m/%Y %H:%M")
    by = comment.responded_by
    assert f'response-accepted">{label}</span>' in saved
    assert f"{escape(by.full_name or by.username)}, {when}</span>" in saved
    # Someone who may not respond gets no form, an outsider not even the row.
    assert login(external).get(url("respond", comment.pk)).status_code in (403, 404)
    assert login(outsider).get(url("respond", comment.pk)).status_code == 404


def test_a_member_of_the_lead_agency_may_respond_a_member_of_another_may_not(
    login, member, consultation, external
):
    answered_round(consultation, external, member)
    comment = RoundComment.objects.first()
    # ``member`` works at the lead agency (member_agency) in the fixtures.
    response = login(member).post(
        url("respond", comment.pk),
        {"response": "accepted", "response_text": "", "version": comment.version},
    )
    assert response.status_code == 302


# --- list, board, query counts -----------------------------------------------------


def _many(team, secretariat, lead, n):
    for i in range(n):
        make_proposal(team, secretariat, lead, title=f"Đề xuất {i:03d}")


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["list", "board"])
def test_list_and_board_keep_a_fixed_number_of_queries(
    login, team, secretariat, member_agency, name
):
    client = login(secretariat)
    _many(team, secretariat, member_agency, 5)
    client.get(url(name))  # warm the session and caches
    few = _queries(client, url(name))
    _many(team, secretariat, member_agency, 45)
    many = _queries(client, url(name))
    assert few == many


def test_the_list_pages_with_a_cursor_and_filters(
    login, team, secretariat, member_agency, proposal, consultation
):
    _many(team, secretariat, member_agency, 55)
    client = login(secretariat)
    page = client.get(url("list")).content.decode()
    assert page.count('id="proposal-row-') == 50
    assert 'id="proposal-rows-more"' in page
    import re

    more = re.search(r'href="([^"]*after=[^"]*)"', page).group(1).replace("&amp;", "&")
    rest = client.get(more, **HTMX).content.decode()
    assert "<html" not in rest
    assert rest.count('id="proposal-row-') == 6
    # Open round filter: only the one with a round.
    page = client.get(url("list"), {"open_round": "1"}).content.decode()
    assert page.count('id="proposal-row-') == 1
    page = client.get(url("list"), {"state": "consultation"}).content.decode()
    assert page.count('id="proposal-row-') == 1
    # Bad values: a message at the field, no rows, no error.
    response = client.get(url("list"), {"state": "nope", "lead_agency": "x"})
    assert response.status_code == 200
    assert 'id="proposal-filter-errors"' in response.content.decode()
    board = client.get(url("board")).content.decode()
    assert 'id="board-column-consultation"' in board
    assert f'id="board-card-{proposal.pk}"' in board


def test_overdue_answers_filter(login, secretariat, consultation, proposal):
    import datetime

    client = login(secretariat)
    assert (
        client.get(url("list"), {"overdue_answers": "1"})
        .content.decode()
        .count('id="proposal-row-')
        == 0
    )
    consultation.deadline = consultation.opened_on - datetime.timedelta(days=1)
    consultation.save(update_fields=["deadline"])
    page = client.get(url("list"), {"overdue_answers": "1"}).content.decode()
    assert f'id="proposal-row-{proposal.pk}"' in page


def test_navigation_offers_proposals(login, member):
    page = login(member).get(reverse("core:home")).content.decode()
    assert url("list") in page
