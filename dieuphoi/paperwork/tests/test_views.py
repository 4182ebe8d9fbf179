"""The documents pages: who sees what, the life cycle through the buttons,
the block editor, the files, and bad input (clear errors, nothing written)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dieuphoi.notifications.models import Notification
from dieuphoi.paperwork import content as c
from dieuphoi.paperwork import services
from dieuphoi.paperwork.models import Paper, PaperDelivery, PaperKind, PaperStep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_ui(settings, client):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def immediate_jobs(settings):
    """Jobs run when enqueued (on commit), as a worker would run them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


def url(name, paper, *args):
    return reverse(f"paperwork:{name}", args=[paper.pk, *args])


def act(client, paper, action, **data):
    paper.refresh_from_db()
    data.setdefault("version", paper.version)
    return client.post(url("action", paper, action), data)


def issue(client, paper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, paper, "issue")
    paper.refresh_from_db()
    return response


def through_approval(make_paper, secretariat, leader, **kwargs):
    paper = make_paper(secretariat, signer=leader, **kwargs)
    paper = services.paper_submit(actor=secretariat, paper=paper, version=paper.version)
    return services.paper_approve(actor=leader, paper=paper, version=paper.version)


@pytest.fixture
def issued(make_paper, secretariat, leader, immediate_jobs, recipient_agency):
    agency, _focal = recipient_agency
    paper = through_approval(
        make_paper,
        secretariat,
        leader,
        recipients=[services.RecipientInput(agency=agency)],
    )
    services.paper_issue(actor=secretariat, paper_id=paper.pk)
    paper.refresh_from_db()
    assert paper.is_issued
    return paper


# --- who sees what --------------------------------------------------------------


PAGES = ["detail", "edit"]


@pytest.mark.parametrize("page", PAGES)
def test_outsiders_and_other_bodies_get_404_on_a_draft(
    page, login, make_paper, secretariat, leader, outsider, other_specialist
):
    paper = make_paper(secretariat, signer=leader)
    for user in (outsider, other_specialist):
        assert login(user).get(url(page, paper)).status_code == 404


def test_a_member_does_not_see_drafts_but_sees_issued_papers(
    login, make_paper, secretariat, leader, member, issued
):
    draft = make_paper(secretariat, signer=leader)
    client = login(member)
    assert client.get(url("detail", draft)).status_code == 404
    assert client.get(url("detail", issued)).status_code == 200
    listed = client.get(reverse("paperwork:list")).content.decode()
    assert f"paper-row-{issued.pk}" in listed
    assert f"paper-row-{draft.pk}" not in listed
    # Seeing is not acting: no edit, and actions are refused.
    assert client.get(url("edit", issued)).status_code == 403
    assert act(client, issued, "correct").status_code == 403


@pytest.mark.parametrize(
    "action", ["submit", "return", "approve", "withdraw", "issue", "send", "correct"]
)
def test_actions_on_a_hidden_paper_answer_404(
    action, login, make_paper, secretariat, leader, outsider, other_specialist
):
    paper = make_paper(secretariat, signer=leader)
    for user in (outsider, other_specialist):
        assert act(login(user), paper, action).status_code == 404
    paper.refresh_from_db()
    assert paper.state == Paper.State.DRAFT
    assert paper.version == 1


def test_uploads_and_files_of_a_hidden_paper_answer_404(
    login, make_paper, secretariat, leader, outsider
):
    paper = make_paper(secretariat, signer=leader)
    client = login(outsider)
    for name in ("upload", "sign"):
        response = client.post(url(name, paper), {"version": 1})
        assert response.status_code == 404
    assert client.get(url("version-file", paper, 1, "pdf")).status_code == 404


def test_the_list_shows_outsiders_nothing(
    login, make_paper, secretariat, leader, outsider
):
    make_paper(secretariat, signer=leader)
    response = login(outsider).get(reverse("paperwork:list"))
    assert response.status_code == 200
    assert "paper-row-" not in response.content.decode()
    assert "paper-create-link" not in response.content.decode()


def test_unknown_action_is_404(login, make_paper, secretariat, leader):
    paper = make_paper(secretariat, signer=leader)
    response = login(secretariat).post(f"/papers/{paper.pk}/explode/", {"version": 1})
    assert response.status_code == 404


# --- drafting ---------------------------------------------------------------------


def test_a_drafter_creates_a_draft_with_addressees(
    login, paper_body, specialist, leader, recipient_agency
):
    agency, _focal = recipient_agency
    client = login(specialist)
    page = client.get(reverse("paperwork:create"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Leader" in body  # the signer picker shows the role
    assert str(agency.name) in body  # the agency picker
    kind = PaperKind.objects.get(key="cong-van")
    response = client.post(
        reverse("paperwork:create"),
        {
            "body": paper_body.pk,
            "kind": kind.pk,
            "subject": "Về việc báo cáo tiến độ",
            "authority": "TM",
            "signer": leader.pk,
            "addressees": [str(agency.pk)],
            "addressee_lines": "Ban Quản lý dự án",
            "copy_lines": "Văn phòng UBND Thành phố",
            "first_paragraph": "Tổ điều phối đề nghị các sở báo cáo.",
        },
    )
    paper = Paper.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", paper)
    assert paper.state == Paper.State.DRAFT and paper.number is None
    assert [r.text for r in paper.recipients.all()] == [
        agency.name,
        "Ban Quản lý dự án",
        "Văn phòng UBND Thành phố",
    ]
    detail = client.get(url("detail", paper)).content.decode()
    assert "Tổ điều phối đề nghị các sở báo cáo." in detail
    assert "not numbered yet" in detail


def test_a_signer_whose_role_does_not_match_is_refused_on_create(
    login, paper_body, specialist, deputy
):
    client = login(specialist)
    kind = PaperKind.objects.get(key="bao-cao")
    response = client.post(
        reverse("paperwork:create"),
        {
            "body": paper_body.pk,
            "kind": kind.pk,
            "subject": "Báo cáo",
            "authority": "TM",
            "signer": deputy.pk,
        },
    )
    assert response.status_code == 200
    assert "cannot sign with this authority" in response.content.decode()
    assert not Paper.objects.exists()


def test_a_member_may_not_draft(login, paper_body, member):
    assert login(member).get(reverse("paperwork:create")).status_code == 403


def test_editing_makes_a_new_version_and_keeps_the_earlier(
    login, make_paper, secretariat, leader
):
    paper = make_paper(secretariat, signer=leader)
    client = login(secretariat)
    page = client.get(url("edit", paper))
    assert page.status_code == 200
    blocks = [
        {"kind": "heading", "text": "Mục đích", "level": 1},
        {"kind": "paragraph", "text": "Nội dung đã sửa."},
        {"kind": "table", "columns": ["A", "B"], "rows": [{"cells": ["1", "2"]}]},
    ]
    response = client.post(
        url("edit", paper),
        {
            "version": paper.version,
            "base": 1,
            "subject": "Về việc mới",
            "blocks": json.dumps(blocks),
        },
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.subject == "Về việc mới"
    assert paper.current.number == 2
    assert paper.current.blocks[1]["text"] == "Nội dung đã sửa."
    assert paper.versions.count() == 2
    detail = client.get(url("detail", paper)).content.decode()
    assert 'id="paper-version-1"' in detail and 'id="paper-version-2"' in detail
    assert "I. Mục đích" in detail


def test_the_editor_works_without_script(login, make_paper, secretariat, leader):
    paper = make_paper(secretariat, signer=leader)
    client = login(secretariat)
    page = client.get(url("edit", paper)).content.decode()
    assert 'name="block-1-text"' in page
    response = client.post(
        url("edit", paper),
        {
            "version": paper.version,
            "base": 1,
            "subject": paper.subject,
            "blocks": "",
            "block-count": "3",
            "block-0-kind": "heading-2",
            "block-0-text": "Tình hình",
            "block-1-kind": "paragraph",
            "block-1-text": "Đoạn văn sửa\nkhông cần script.",
            "block-2-kind": "table",
            "block-2-cols": "2",
            "block-2-rows": "1",
            "block-2-col-0": "STT",
            "block-2-col-1": "Nội dung",
            "block-2-cell-0-0": "1",
            "block-2-cell-0-1": "Việc B",
        },
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    blocks = paper.current.blocks
    assert blocks[0] == {"kind": "heading", "text": "Tình hình", "level": 2}
    assert blocks[1]["text"] == "Đoạn văn sửa\nkhông cần script."
    assert blocks[2]["rows"][0]["cells"] == ["1", "Việc B"]


def test_a_large_table_is_kept_as_it_is(login, make_paper, secretariat, leader):
    big = c.Table(
        columns=("STT", "Nội dung"),
        rows=tuple(c.TableRow(cells=(str(i), f"Dòng {i}")) for i in range(250)),
    )
    paper = make_paper(
        secretariat, signer=leader, blocks=[c.Paragraph(text="Mở đầu."), big]
    )
    client = login(secretariat)
    page = client.get(url("edit", paper)).content.decode()
    assert "To change a large table in Word" in page
    assert 'name="block-1-kind" value="keep"' in page
    response = client.post(
        url("edit", paper),
        {
            "version": paper.version,
            "base": 1,
            "subject": paper.subject,
            "blocks": json.dumps(
                [
                    {"kind": "paragraph", "text": "Mở đầu mới."},
                    {"kind": "keep", "index": 1},
                ]
            ),
        },
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.current.blocks[0]["text"] == "Mở đầu mới."
    assert len(paper.current.blocks[1]["rows"]) == 250


def test_a_stale_version_shows_a_conflict_and_keeps_the_users_text(
    login, make_paper, secretariat, leader
):
    paper = make_paper(secretariat, signer=leader)
    stale = paper.version
    services.paper_update(
        actor=leader, paper=paper, version=stale, subject="Sửa bởi người khác"
    )
    client = login(secretariat)
    response = client.post(
        url("edit", paper),
        {
            "version": stale,
            "base": 1,
            "subject": "Của tôi",
            "blocks": json.dumps([{"kind": "paragraph", "text": "Văn bản của tôi."}]),
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone changed this document" in body
    assert "Văn bản của tôi." in body
    paper.refresh_from_db()
    assert paper.subject == "Sửa bởi người khác"
    assert paper.versions.count() == 2  # the other person's, not mine


def test_a_stale_version_on_an_action_writes_nothing(
    login, make_paper, secretariat, leader
):
    paper = make_paper(secretariat, signer=leader)
    response = login(secretariat).post(url("action", paper, "submit"), {"version": 99})
    assert response.status_code == 409
    paper.refresh_from_db()
    assert paper.state == Paper.State.DRAFT


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": "abc"},
        {"version": "-1"},
        {"version": str(2**80)},
        {"version": "1", "comment": "x" * 5000},
    ],
)
def test_bad_input_on_actions_gives_an_error_not_a_crash(
    data, login, make_paper, secretariat, leader
):
    paper = make_paper(secretariat, signer=leader)
    response = login(secretariat).post(url("action", paper, "submit"), data)
    assert response.status_code == 200
    paper.refresh_from_db()
    assert paper.state == Paper.State.DRAFT


def test_bad_editor_input_writes_nothing(login, make_paper, secretariat, leader):
    paper = make_paper(secretariat, signer=leader)
    client = login(secretariat)
    for blocks in ("{not json", json.dumps({"a": 1}), json.dumps([{"kind": "x"}])):
        response = client.post(
            url("edit", paper),
            {"version": paper.version, "base": 1, "subject": "S", "blocks": blocks},
        )
        assert response.status_code == 200
    response = client.post(
        url("edit", paper), {"version": "x", "base": "y", "block-count": "99999999"}
    )
    assert response.status_code == 200
    paper.refresh_from_db()
    assert paper.versions.count() == 1


def test_upload_without_a_file_is_an_error(login, make_paper, secretariat, leader):
    paper = make_paper(secretariat, signer=leader)
    response = login(secretariat).post(url("upload", paper), {"version": 1})
    assert response.status_code == 200
    assert paper.versions.count() == 1


def test_a_docx_upload_becomes_the_next_version(
    login, make_paper, secretariat, leader, paper_body
):
    from dieuphoi.paperwork import compose
    from dieuphoi.paperwork.render_docx import render_docx

    paper = make_paper(secretariat, signer=leader)
    content = compose.compose(paper, paper.current, profile=paper_body.issuing_profile)
    data = render_docx(content)
    response = login(secretariat).post(
        url("upload", paper),
        {"version": paper.version, "file": SimpleUploadedFile("du-thao.docx", data)},
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.current.number == 2
    assert paper.current.origin == "uploaded"


def test_template_markup_is_shown_as_text(login, make_paper, secretariat, leader):
    paper = make_paper(
        secretariat,
        signer=leader,
        subject="<b>đậm</b>",
        blocks=[c.Paragraph(text="<script>alert(1)</script>")],
    )
    body = login(secretariat).get(url("detail", paper)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;đậm&lt;/b&gt;" in body


def test_a_big_table_preview_shows_fifty_rows(login, make_paper, secretariat, leader):
    big = c.Table(
        columns=("STT",), rows=tuple(c.TableRow(cells=(str(i),)) for i in range(80))
    )
    paper = make_paper(secretariat, signer=leader, blocks=[big])
    body = login(secretariat).get(url("detail", paper)).content.decode()
    assert "30 more rows" in body


# --- the life cycle ------------------------------------------------------------------


def test_the_life_cycle_through_the_pages(
    login,
    client,
    make_paper,
    secretariat,
    leader,
    recipient_agency,
    immediate_jobs,
    django_capture_on_commit_callbacks,
):
    agency, focal = recipient_agency
    paper = make_paper(
        secretariat, signer=leader, recipients=[services.RecipientInput(agency=agency)]
    )
    drafter = login(secretariat)
    assert act(drafter, paper, "submit").status_code == 302
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW

    # The signer returns it: a comment is required.
    signer = login(leader)
    page = signer.get(url("detail", paper)).content.decode()
    assert 'id="paper-action-return"' in page and 'id="paper-action-approve"' in page
    response = act(signer, paper, "return", comment="  ")
    assert response.status_code == 200
    assert "Say what must change" in response.content.decode()
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW
    assert act(signer, paper, "return", comment="Sửa đoạn 2.").status_code == 302
    paper.refresh_from_db()
    assert paper.state == Paper.State.DRAFT

    # The drafter fixes it and submits again; the comment is on the page.
    drafter = login(secretariat)
    assert "Sửa đoạn 2." in drafter.get(url("detail", paper)).content.decode()
    assert act(drafter, paper, "submit").status_code == 302

    signer = login(leader)
    assert act(signer, paper, "approve", comment="Đồng ý.").status_code == 302
    paper.refresh_from_db()
    assert paper.state == Paper.State.APPROVED
    assert paper.number is None

    # The secretariat issues it: the number appears only now.
    drafter = login(secretariat)
    response = issue(drafter, paper, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert paper.state == Paper.State.ISSUED
    assert paper.number == 1
    detail = drafter.get(url("detail", paper)).content.decode()
    assert paper.reference in detail
    assert 'id="paper-register-entry"' in detail
    assert 'id="paper-edit-link"' not in detail

    # A signed copy that is not a PDF is refused; a PDF is filed.
    response = drafter.post(
        url("sign", paper),
        {"version": paper.version, "file": SimpleUploadedFile("scan.docx", b"PK\x03")},
    )
    assert response.status_code == 200
    assert "must be a PDF" in response.content.decode()
    paper.refresh_from_db()
    assert paper.state == Paper.State.ISSUED
    pdf = paper.document.attachments.get(content_type="application/pdf")
    with pdf.file.open("rb") as handle:
        data = handle.read()
    response = drafter.post(
        url("sign", paper),
        {"version": paper.version, "file": SimpleUploadedFile("ban-ky.pdf", data)},
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.state == Paper.State.SIGNED

    # Sent: the agency's focal point has it in the inbox, with a notification.
    assert act(drafter, paper, "send").status_code == 302
    paper.refresh_from_db()
    assert paper.state == Paper.State.SENT
    assert Notification.objects.filter(recipient=focal, kind="paper_received").exists()
    reader = login(focal)
    inbox = reader.get(reverse("paperwork:inbox")).content.decode()
    assert "paper-unread" in inbox and paper.reference in inbox
    assert reader.get(url("detail", paper)).status_code == 200
    assert PaperDelivery.objects.get(person=focal).read_at is not None
    assert "paper-unread" not in reader.get(reverse("paperwork:inbox")).content.decode()


def test_approval_by_a_signer_whose_role_does_not_match_is_refused(
    login, make_paper, secretariat, leader
):
    paper = make_paper(secretariat, signer=leader)
    paper = services.paper_submit(actor=secretariat, paper=paper, version=paper.version)
    # The authority changed to KT. (a deputy signs) while the leader is named.
    Paper.objects.filter(pk=paper.pk).update(authority=Paper.Authority.KT)
    response = act(login(leader), paper, "approve")
    assert response.status_code == 200
    assert "does not sign with" in response.content.decode()
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW
    assert not PaperStep.objects.filter(paper=paper, action="approve").exists()


def test_only_the_signer_approves(login, make_paper, secretariat, leader, deputy):
    paper = make_paper(secretariat, signer=leader)
    services.paper_submit(actor=secretariat, paper=paper, version=paper.version)
    assert act(login(deputy), paper, "approve").status_code == 403
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW


def test_an_issued_paper_cannot_be_edited(login, secretariat, issued):
    client = login(secretariat)
    detail = client.get(url("detail", issued)).content.decode()
    assert 'id="paper-edit-link"' not in detail
    assert client.get(url("edit", issued)).status_code == 403
    response = client.post(
        url("edit", issued),
        {
            "version": issued.version,
            "base": issued.current.number,
            "subject": "Sửa sau khi ban hành",
            "blocks": "[]",
        },
    )
    assert response.status_code == 403
    response = client.post(url("upload", issued), {"version": issued.version})
    assert response.status_code == 200  # the state's message, nothing written
    before = issued.version
    issued.refresh_from_db()
    assert issued.subject != "Sửa sau khi ban hành"
    assert issued.version == before


def test_a_correction_links_both_ways(login, secretariat, issued):
    client = login(secretariat)
    response = act(client, issued, "correct")
    assert response.status_code == 302
    correction = Paper.objects.get(replaces=issued)
    assert response["Location"] == url("detail", correction)
    assert (
        'id="paper-replaces"' in client.get(url("detail", correction)).content.decode()
    )
    assert (
        'id="paper-replaced-by"' in client.get(url("detail", issued)).content.decode()
    )


def test_version_files_download_with_a_plain_name(
    login, make_paper, secretariat, leader, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    with django_capture_on_commit_callbacks(execute=True):
        paper = make_paper(secretariat, signer=leader, render=True)
    client = login(secretariat)
    detail = client.get(url("detail", paper)).content.decode()
    assert 'id="paper-version-files"' in detail
    response = client.get(url("version-file", paper, 1, "docx"))
    assert response.status_code == 200
    assert 'filename="Du-thao-v1.docx"' in response["Content-Disposition"]
    assert client.get(url("version-file", paper, 1, "exe")).status_code == 404
    assert client.get(url("version-file", paper, 9, "pdf")).status_code == 404


def test_pending_files_show_progress_or_a_polling_notice(
    login, make_paper, secretariat, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        paper = make_paper(secretariat, signer=leader, render=True)
    body = login(secretariat).get(url("detail", paper)).content.decode()
    assert "job-progress" in body  # the owner watches the job
    body = login(leader).get(url("detail", paper)).content.decode()
    assert 'id="paper-files-pending"' in body
    assert 'hx-trigger="every 3s"' in body


# --- lists -------------------------------------------------------------------------


def test_the_list_filters_and_searches(login, make_paper, secretariat, leader):
    a = make_paper(secretariat, signer=leader, subject="Về đường vành đai")
    b = make_paper(secretariat, signer=leader, kind="bao-cao", subject="Báo cáo quý")
    services.paper_submit(actor=secretariat, paper=b, version=b.version)
    client = login(secretariat)
    body = client.get(reverse("paperwork:list"), {"q": "vành đai"}).content.decode()
    assert f"paper-row-{a.pk}" in body and f"paper-row-{b.pk}" not in body
    body = client.get(
        reverse("paperwork:list"), {"state": "in_review"}
    ).content.decode()
    assert f"paper-row-{b.pk}" in body and f"paper-row-{a.pk}" not in body
    kind = PaperKind.objects.get(key="bao-cao")
    body = client.get(reverse("paperwork:list"), {"kind": kind.pk}).content.decode()
    assert f"paper-row-{b.pk}" in body and f"paper-row-{a.pk}" not in body
    response = client.get(reverse("paperwork:list"), {"kind": "x", "page": "zz"})
    assert response.status_code == 200
    fragment = client.get(reverse("paperwork:list"), headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b'id="paper-table"' in fragment.content


def _count_list_queries(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("paperwork:list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_query_count_does_not_grow_with_rows(
    login, make_paper, secretariat, leader, django_assert_max_num_queries
):
    for _ in range(5):
        make_paper(secretariat, signer=leader)
    client = login(secretariat)
    client.get(reverse("paperwork:list"))  # warm the caches (content types)
    few = _count_list_queries(client, django_assert_max_num_queries)
    for _ in range(25):
        make_paper(secretariat, signer=leader)
    many = _count_list_queries(client, django_assert_max_num_queries)
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(reverse("paperwork:list"))
