"""Issue 4 in a real browser: the secretariat turns the overdue tasks of one
lead agency into an urging letter (Công văn đôn đốc), watches the job's
progress bar finish, downloads the DOCX and the PDF, and finds the letter on
an urged task's page. A focal point may not open the letters page.

How the job runs: under ``DIEUPHOI_TESTING=1`` the jobs backend is Django
Tasks' dummy backend, which only keeps the enqueued job in a list local to
the thread that enqueued it (here: a live-server request thread). The test
listens to the ``task_enqueued`` signal (sent in any thread) to get the job's
arguments, then runs the job itself, from the test thread, while the detail
page shows the progress bar: as a worker would, so the page is seen polling
and then showing the result without a click.

On SQLite the live server shares the test's in-memory database connection
with the test thread, so no request may run beside the job: while the job
runs, every request of the page waits in a Playwright route (route handlers
run only inside Playwright calls, and the job makes none).
"""

import io
import re
import unicodedata

import docx
import pypdf
import pytest
from django.db import connection
from django_tasks.signals import task_enqueued
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.letters import selectors
from dieuphoi.letters.jobs import urging_letter_job
from dieuphoi.letters.models import UrgingLetter
from dieuphoi.org.models import Agency, Body

pytestmark = pytest.mark.browser

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def enqueued_letter_jobs():
    """The urging-letter jobs enqueued (in any thread) during the test."""
    results = []

    def _record(sender, task_result, **kwargs):
        if task_result.task.module_path == urging_letter_job.module_path:
            results.append(task_result)

    uid = "test_letter_journey.enqueued_letter_jobs"
    task_enqueued.connect(_record, weak=False, dispatch_uid=uid)
    yield results
    task_enqueued.disconnect(dispatch_uid=uid)


def _run_job_without_requests(page, result) -> None:
    """Run the enqueued job in this thread; on SQLite, hold the page's
    requests until it is done (they share the database connection)."""
    if connection.vendor == "sqlite":
        page.route("**/*", lambda route: route.continue_())
        # A poll already on its way finishes before the job starts.
        with page.expect_response(re.compile(r"/jobs/[0-9a-f-]+/progress/")):
            pass
    urging_letter_job.call(**result.kwargs)


def test_secretariat_generates_an_urging_letter_for_an_agency(
    seeded, page, new_page, log_in, enqueued_letter_jobs, shot
):
    today = local_today()
    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    counts = selectors.agency_overdue_counts(body=hanoi, on=today)
    assert counts, "the demo data has overdue tasks in the Hanoi team"
    chosen = counts[0]
    overdue = list(
        selectors.overdue_tasks(
            body=hanoi, on=today, agency=Agency.objects.get(pk=chosen.agency_id)
        )
    )
    assert len(overdue) == chosen.count >= 2
    codes = [task.code for task in overdue]

    # The secretariat opens the letters page of the Hanoi team.
    log_in("thuky")
    page.goto(f"/letters/new/?body={hanoi.pk}")
    agencies = page.locator("#letter-agencies tbody tr")
    expect(agencies).to_have_count(len(counts))
    row = page.locator(f"#letter-agency-{chosen.agency_id}")
    expect(row.locator("td").first).to_have_text(chosen.name)
    expect(row.locator("td").nth(1)).to_have_text(str(chosen.count))

    # The preview lists the agency's overdue tasks, as the letter will.
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"agency={chosen.agency_id}"))
    preview = page.locator("#letter-preview")
    expect(preview.locator("h2")).to_contain_text(chosen.name)
    rows = preview.locator("tbody tr[id^=letter-row-]")
    expect(rows).to_have_count(len(overdue))
    assert rows.evaluate_all("els => els.map(e => e.id)") == [
        f"letter-row-{task.pk}" for task in overdue
    ]
    assert [t.strip() for t in rows.locator("td:nth-child(2)").all_inner_texts()] == (
        codes
    )
    expect(preview.locator("#letter-count")).to_contain_text(str(len(overdue)))
    shot(page, "letter-preview")
    assert UrgingLetter.objects.count() == 0

    # Generating it starts a background job: the page shows its progress.
    page.locator("#letter-generate-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/letters/\d+/$"))
    letter = UrgingLetter.objects.get()
    assert page.url.endswith(f"/letters/{letter.pk}/")
    assert letter.status == UrgingLetter.Status.PENDING
    assert letter.agency_id == chosen.agency_id
    bar = page.locator("#letter-status .job-progress")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("hx-get", re.compile(r"/progress/"))
    expect(page.locator("#letter-document")).to_have_count(0)
    [result] = enqueued_letter_jobs
    assert result.kwargs["letter_id"] == letter.pk

    # The worker runs the job; the page updates by itself.
    _run_job_without_requests(page, result)
    letter.refresh_from_db()
    assert letter.status == UrgingLetter.Status.DONE
    reference = letter.reference
    assert re.fullmatch(r"\d{2,}/TĐP", reference), reference
    document = page.locator("#letter-document")
    expect(document).to_be_visible(timeout=20000)
    expect(document).to_contain_text(reference)
    expect(page.locator("#letter-status .job-progress")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    urged = page.locator("#letter-tasks tbody tr")
    expect(urged).to_have_count(len(overdue))
    files = page.locator("#letter-files a")
    expect(files).to_have_count(2)
    shot(page, "letter-done")

    # The DOCX: the national title, one table row per overdue task.
    with page.expect_download() as download_info:
        page.locator("#letter-files a:has(.bi-file-earmark-word)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as handle:
        letter_docx = docx.Document(io.BytesIO(handle.read()))
    header = letter_docx.tables[0]
    header_lines = [p.text for p in header.rows[0].cells[1].paragraphs if p.text]
    assert NATIONAL_TITLE in header_lines
    assert f"Số: {reference}" in [p.text for p in header.rows[1].cells[0].paragraphs]
    _head, *task_rows = letter_docx.tables[1].rows
    assert [[c.text for c in r.cells][:2] for r in task_rows] == [
        [str(i), code] for i, code in enumerate(codes, 1)
    ]

    # The PDF: the motto is there, as a reader extracts it.
    with page.expect_download() as download_info:
        page.locator("#letter-files a:has(.bi-file-earmark-pdf)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = unicodedata.normalize(
        "NFC", "\n".join(p.extract_text() for p in reader.pages)
    )
    assert MOTTO in " ".join(text.split())
    for code in codes:
        assert code in text

    # An urged task lists the letter.
    first = overdue[0]
    page.locator("#letter-tasks").get_by_role("link", name=first.code).click()
    page.wait_for_url(f"**/tasks/{first.pk}/")
    task_letters = page.locator("#task-letters")
    expect(task_letters).to_be_visible()
    expect(task_letters).to_contain_text(reference)
    expect(task_letters.locator(f"a[href$='/letters/{letter.pk}/']")).to_have_count(1)
    expect(task_letters.locator("a[href*='/download']")).to_have_count(2)
    shot(page, "task-letters")

    # A focal point may not issue letters.
    focal = new_page()
    log_in("daumoi.sxd", on=focal)
    response = focal.goto(f"/letters/new/?body={hanoi.pk}")
    assert response.status == 403
    response = focal.goto(f"/letters/new/?body={hanoi.pk}&agency={chosen.agency_id}")
    assert response.status == 403
    assert UrgingLetter.objects.count() == 1
