"""Issue 8 in a real browser: an urging letter goes through the documents
engine as an official document.

The secretariat drafts an urging letter for the overdue tasks of one lead
agency, edits a sentence and submits it; the leader returns it with a
comment; the secretariat fixes it and submits again; the leader approves;
the secretariat issues it — the number appears only now —, files the signed
PDF and sends it; the agency's focal point finds it in the inbox, opens it
and downloads the signed copy. Along the way: the DOCX and PDF of the issued
letter hold the national title, the number and one row per task; a focal
point may not draft letters; a task urged by the letter counts one more
urging only once the letter is issued.

Jobs (drafting the letter, laying out each version, issuing) run as they are
enqueued (Django Tasks' immediate backend), in the request that enqueued
them, as a worker would run them right after.
"""

import io
import re
import unicodedata

import docx
import pypdf
import pytest
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Document
from dieuphoi.letters import selectors
from dieuphoi.letters.models import UrgingLetter
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.paperwork.models import Paper, PaperDelivery
from dieuphoi.tasks.models import Task

pytestmark = pytest.mark.browser

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
EDITED = "Tổ điều phối đề nghị khẩn trương báo cáo trong tuần này."
FIXED = "Tổ điều phối đề nghị khẩn trương báo cáo trước ngày làm việc thứ năm."


@pytest.fixture
def immediate_jobs(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


def _act(page, action: str, comment: str = "") -> None:
    form = page.locator(f"#paper-action-{action} form")
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _edit_first_paragraph(page, text: str) -> None:
    page.locator("#paper-edit-link").click()
    page.wait_for_url(re.compile(r"/papers/\d+/edit/$"))
    first = page.locator("#paper-blocks [data-block][data-kind=paragraph] textarea")
    first.first.fill(text)
    page.locator("#paper-editor button[type=submit].btn-primary").click()
    page.wait_for_url(re.compile(r"/papers/\d+/$"))


def test_an_urging_letter_is_drafted_reviewed_issued_signed_and_sent(
    seeded, immediate_jobs, page, new_page, log_in, shot
):
    today = local_today()
    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    counts = selectors.agency_overdue_counts(body=hanoi, on=today)
    assert counts, "the demo data has overdue tasks in the Hanoi team"
    chosen = counts[0]
    agency = Agency.objects.get(pk=chosen.agency_id)
    overdue = list(selectors.overdue_tasks(body=hanoi, on=today, agency=agency))
    codes = [task.code for task in overdue]
    urged_before = {t.pk: t.urge_count for t in overdue}
    focal = (
        Membership.objects.as_of(today)
        .filter(body=hanoi, agency=agency, role=Membership.Role.MEMBER)
        .select_related("person")
        .first()
        .person
    )
    demo_letters = set(UrgingLetter.objects.values_list("pk", flat=True))

    # The secretariat drafts the letter for the agency's overdue tasks.
    log_in("thuky")
    page.goto(f"/letters/new/?body={hanoi.pk}")
    page.locator(f"#letter-agency-{chosen.agency_id}").get_by_role("link").click()
    page.wait_for_url(re.compile(rf"agency={chosen.agency_id}"))
    page.locator("#letter-generate-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/letters/\d+/$"))
    letter = UrgingLetter.objects.exclude(pk__in=demo_letters).get()
    assert letter.status == UrgingLetter.Status.DRAFTED
    expect(page.locator("#letter-draft")).to_be_visible()
    expect(page.locator("#letter-tasks tbody tr")).to_have_count(len(overdue))
    page.get_by_role("link", name=re.compile("Mở dự thảo")).click()
    page.wait_for_url(f"**/papers/{letter.paper_id}/")
    paper = Paper.objects.get(pk=letter.paper_id)
    expect(page.locator("#paper-reference")).to_contain_text("chưa có số")
    expect(page.locator("#paper-version-files a")).to_have_count(2)
    shot(page, "paper-draft")

    # A sentence edited in the app makes version 2; then submitted.
    _edit_first_paragraph(page, EDITED)
    expect(page.locator(".paper-preview-body")).to_contain_text(EDITED)
    assert paper.versions.count() == 2
    _act(page, "submit")
    expect(page.locator("#paper-state, .paper-state").first).to_be_visible()
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW
    # Nobody is urged by a draft.
    assert {
        t.pk: t.urge_count for t in Task.objects.filter(pk__in=urged_before)
    } == urged_before

    # The leader finds it on the home page and returns it with a comment.
    leader = new_page()
    log_in("truongto", on=leader)
    leader.goto("/")
    waiting = leader.locator("#my-papers-approve")
    expect(waiting).to_be_visible()
    waiting.locator(f"a[href$='/papers/{paper.pk}/']").click()
    leader.wait_for_url(f"**/papers/{paper.pk}/")
    _act(leader, "return")  # without a comment: refused
    expect(leader.locator("#paper-action-return")).to_contain_text(
        "Hãy ghi rõ cần sửa gì"
    )
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW
    _act(leader, "return", "Ghi rõ thời hạn báo cáo bằng ngày làm việc.")
    expect(leader.locator("#paper-steps")).to_contain_text(
        "Ghi rõ thời hạn báo cáo bằng ngày làm việc."
    )
    paper.refresh_from_db()
    assert paper.state == Paper.State.DRAFT

    # The secretariat sees the comment, fixes the sentence, submits again.
    page.reload()
    expect(page.locator("#paper-steps")).to_contain_text("Ghi rõ thời hạn báo cáo")
    _edit_first_paragraph(page, FIXED)
    _act(page, "submit")

    # The leader approves.
    leader.reload()
    _act(leader, "approve")
    paper.refresh_from_db()
    assert paper.state == Paper.State.APPROVED and paper.number is None
    assert not Document.objects.filter(paper=paper).exists()

    # The secretariat issues it: the number is taken only now.
    page.reload()
    expect(page.locator("#paper-reference")).to_contain_text("chưa có số")
    _act(page, "issue")
    paper.refresh_from_db()
    assert paper.state == Paper.State.ISSUED, paper.error
    reference = paper.reference
    assert re.fullmatch(r"\d{2,}/TĐP", reference), reference
    page.reload()
    expect(page.locator("#paper-reference")).to_have_text(reference)
    expect(page.locator("#paper-register-entry")).to_contain_text(reference)
    shot(page, "paper-issued")
    # The letter is an urging now: one more on each task it lists.
    assert {t.pk: t.urge_count for t in Task.objects.filter(pk__in=urged_before)} == {
        pk: n + 1 for pk, n in urged_before.items()
    }
    letter.refresh_from_db()
    assert letter.status == UrgingLetter.Status.DONE and letter.reference == reference

    # The issued DOCX: national title, number, the fixed sentence, the rows.
    with page.expect_download() as download_info:
        page.locator("#paper-files a[href*='/download']", has_text=".docx").click()
    with open(download_info.value.path(), "rb") as handle:
        letter_docx = docx.Document(io.BytesIO(handle.read()))
    lines = [p.text for p in letter_docx.paragraphs]
    for table in letter_docx.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    assert NATIONAL_TITLE in lines and f"Số: {reference}" in lines
    assert FIXED in lines and EDITED not in lines
    for code in codes:
        assert code in lines

    # The issued PDF, as a reader extracts it; then filed as the signed copy.
    with page.expect_download() as download_info:
        page.locator("#paper-files a[href*='/download']", has_text=".pdf").click()
    with open(download_info.value.path(), "rb") as handle:
        pdf_bytes = handle.read()
    text = unicodedata.normalize(
        "NFC",
        "\n".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages
        ),
    )
    assert MOTTO in " ".join(text.split()) and reference in text
    sign = page.locator("#paper-action-sign form")
    sign.locator("input[type=file]").set_input_files(
        {"name": "ban-ky.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes}
    )
    sign.locator("button[type=submit]").click()
    page.wait_for_load_state()
    paper.refresh_from_db()
    assert paper.state == Paper.State.SIGNED and paper.signed_copy_id
    _act(page, "send")
    paper.refresh_from_db()
    assert paper.state == Paper.State.SENT
    assert PaperDelivery.objects.filter(paper=paper, person=focal).exists()

    # The agency's focal point finds it in the inbox and opens it.
    reader = new_page()
    log_in(focal.username, on=reader)
    reader.goto("/papers/inbox/")
    row = reader.locator(".paper-unread", has_text=reference)
    expect(row).to_be_visible()
    row.get_by_role("link", name=reference).click()
    reader.wait_for_url(f"**/papers/{paper.pk}/")
    expect(reader.locator("#paper-register-entry")).to_contain_text(reference)
    expect(reader.locator("#paper-actions")).to_have_count(0)
    reader.goto("/papers/inbox/")
    expect(reader.locator(".paper-read", has_text=reference)).to_be_visible()
    shot(reader, "paper-inbox")

    # A focal point may not draft letters.
    response = reader.goto(f"/letters/new/?body={hanoi.pk}")
    assert response.status == 403
