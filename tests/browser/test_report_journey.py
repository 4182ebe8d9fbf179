"""A periodic report in the browser, on the demo data (issue 11's test): the
secretariat (``thuky``) creates this year's annual report (the demo seed
leaves it free: it makes the last quarter's and this month's) and asks Sở
Xây dựng, Sở Nông nghiệp và Môi trường and the Bắc Ninh and Hưng Yên teams
for their sections; the two agencies' focal points write theirs (one with a
table pasted as tab-separated lines) and submit on time; the deadline passes
and the Bắc Ninh team submits late; the Hưng Yên team never does and the
reminder ladder urges it; the report page shows the urging and the
completeness line. The secretariat compiles the figures (a job, run at once
here), opens the Báo cáo and submits it; the leader (``truongto``) returns it
with a comment; the secretariat changes the recommendations, refreshes the
draft and submits again; the leader approves; the secretariat issues it
(``…/BC-…``) and downloads the DOCX and the PDF; the report page shows it
frozen, with its number. Along the way: what the Bắc Ninh team's user may not
see (the report itself)."""

import datetime
import io
import re
import unicodedata

import docx
import pypdf
import pytest
from django.utils import translation
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body
from dieuphoi.org.seed import HANOI_TEAM_KEY
from dieuphoi.paperwork.models import Paper
from dieuphoi.reminders import ladder, obligations
from dieuphoi.reports import periods
from dieuphoi.reports.figures import compile_figures
from dieuphoi.reports.models import Contribution, ContributionRequest, Report
from dieuphoi.tasks.forms import party_value

from .helpers import choose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECOMMENDATIONS = (
    "Đề nghị UBND Thành phố chỉ đạo các sở hoàn thành các nhiệm vụ quá hạn "
    "trước ngày 31/12 (kiểm thử)."
)
RETURN_COMMENT = "Bổ sung kiến nghị về thời hạn hoàn thành các nhiệm vụ quá hạn."
# A table as it comes out of Excel: cells separated by tabs, one row a line.
TABLE_TEXT = (
    "Kết quả năm của Sở (kiểm thử).\n"
    "Nội dung\tSố lượng\tGhi chú\n"
    "Nhiệm vụ được giao\t7\t\n"
    "Đã hoàn thành\t5\tđúng hạn 4"
)


@pytest.fixture
def immediate_jobs(settings):
    """Compiling, laying out the draft's files and issuing are background
    jobs: run them at once, in the request that asks for them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


def _option_label(page, select_id, value):
    return page.eval_on_selector(
        f"#{select_id} option[value='{value}']", "o => o.textContent.trim()"
    )


def _parties(today):
    agencies = {
        a.code: a for a in Agency.objects.as_of(today).filter(code__in=["SXD", "SNNMT"])
    }
    teams = {
        b.key: b
        for b in Body.objects.as_of(today).filter(
            key__in=["to-dieu-phoi-bac-ninh", "to-dieu-phoi-hung-yen"]
        )
    }
    return [
        agencies["SXD"],
        agencies["SNNMT"],
        teams["to-dieu-phoi-bac-ninh"],
        teams["to-dieu-phoi-hung-yen"],
    ]


def _act(page, action: str, comment: str = "") -> None:
    box = page.locator(f"#paper-action-{action} form")
    if comment:
        box.locator("textarea[name=comment]").fill(comment)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _write_section(new_page, log_in, username, report, *, table=False):
    """``username`` opens the section asked of them from "My contributions",
    writes every heading (the first one a pasted table when ``table``) and
    submits it. Returns the page."""
    page = new_page()
    log_in(username, on=page)
    page.goto("/reports/contributions/")
    page.get_by_role("link", name=report.title).click()
    page.wait_for_url(re.compile(r"/reports/contributions/\d+/$"))
    expect(page.locator("#contribution-state")).to_be_visible()
    boxes = page.locator("#contribution-form textarea.contribution-text")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if table and i == 0:
            box.fill(TABLE_TEXT)
        else:
            box.fill(f"Nội dung mục {i + 1} của {username} (kiểm thử).")
    if table:
        # The preview (HTMX, while typing) shows the lines as a table.
        first = page.locator(".contribution-section").first
        expect(first.locator(".contribution-preview table")).to_be_visible()
        expect(first.locator(".contribution-preview table")).to_contain_text(
            "Nhiệm vụ được giao"
        )
    # The question "Submit your section?" is answered yes (conftest).
    page.locator("#contribution-submit").click()
    with translation.override("vi"):
        submitted = str(Contribution.State.SUBMITTED.label)
    expect(page.locator("#contribution-state")).to_have_text(submitted)
    expect(page.locator("#contribution-form")).to_have_count(0)
    return page


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


def test_the_secretariat_prepares_and_issues_the_annual_report(
    seeded, immediate_jobs, page, new_page, log_in, shot
):
    today = local_today()
    year = periods.period_of(periods.PeriodType.ANNUAL, today)
    team = Body.objects.as_of(today).get(key=HANOI_TEAM_KEY)
    assert not Report.objects.filter(
        body=team, period_type=year.type, start=year.start
    ).exists(), "the demo seed already made this year's report"
    parties = _parties(today)

    # 1. The secretariat creates the annual report on the Báo cáo pages.
    log_in("thuky")
    page.goto("/reports/")
    page.locator("#report-create-link").click()
    page.wait_for_url("**/reports/new/")
    expect(page.locator("#period-examples")).to_contain_text(year.label)
    page.select_option("#id_period_type", periods.PeriodType.ANNUAL)
    page.fill("#id_year", str(year.year))
    # The form suggests last month's number: a year has none.
    page.fill("#id_number", "")
    shot(page, "report-form")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#report-title")).to_be_visible()
    report = Report.objects.get(body=team, period_type=year.type, start=year.start)
    assert (report.end, report.deadline) == (year.end, year.deadline)
    expect(page.locator("#report-window")).to_contain_text(
        f"{year.start:%d/%m/%Y} \u2013 {year.end:%d/%m/%Y}"
    )
    expect(page.locator("#report-deadline")).to_have_text(f"{year.deadline:%d/%m/%Y}")
    expect(page.locator("#contributions-none")).to_be_visible()

    # ... and asks the four parties for their sections.
    page.locator("#contributions-request-link").click()
    page.wait_for_url(f"**/reports/{report.pk}/request/")
    for party in parties:
        choose(
            page, "id_parties", _option_label(page, "id_parties", party_value(party))
        )
    page.fill("#id_message", "Đề nghị các đơn vị gửi nội dung báo cáo năm (kiểm thử).")
    shot(page, "report-request")
    page.locator("#request-send").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/#contributions$"))
    asked = ContributionRequest.objects.get(report=report)
    rows = {c.name: c for c in asked.contributions.all()}
    assert sorted(rows) == sorted(p.name for p in parties)
    expect(page.locator("#report-contributions .contribution-row")).to_have_count(4)
    expect(page.locator("#contributions-completeness")).to_contain_text("0/4")

    # 2. The two agencies write their sections and submit on time.
    sxd = _write_section(new_page, log_in, "daumoi.sxd", report, table=True)
    shot(sxd, "report-contribution-submitted")
    _write_section(new_page, log_in, "daumoi.snnmt", report)
    on_time = Contribution.objects.filter(request=asked, state="submitted")
    assert on_time.count() == 2 and not on_time.filter(late=True).exists()
    table_section = on_time.get(agency=parties[0]).sections
    assert any("\t" in text for text in table_section.values())

    # Time passes: the deadline was yesterday (the only change made in the
    # database rather than through the pages).
    ContributionRequest.objects.filter(pk=asked.pk).update(
        deadline=today - datetime.timedelta(days=1)
    )
    asked.refresh_from_db()
    # The Bắc Ninh team submits after it: shown late, to them and on the report.
    bac_ninh = _write_section(new_page, log_in, "bacninh", report)
    expect(bac_ninh.locator("#contribution-late")).to_be_visible()
    # ... which is all it sees: the report itself is the Hanoi team's.
    bac_ninh.goto(f"/reports/{report.pk}/")
    expect(bac_ninh.locator("#report-title")).to_have_count(0)
    assert bac_ninh.request.get(f"/reports/{report.pk}/").status == 404

    # The Hưng Yên team never submits: the daily run urges it (run for the
    # day the first urging after the deadline falls on: time passing again).
    every = ladder.LadderSettings.from_settings().urging_every
    result = obligations.run_day(ladder.urging_day(asked.deadline, 1, every))
    assert result.by_source["reports.contribution"] >= 1
    hung_yen = Contribution.objects.get(request=asked, party_body=parties[3])
    assert hung_yen.urge_count == 1
    page.reload()
    row = page.locator(f"#contribution-row-{hung_yen.pk}")
    expect(row.locator(".contribution-urgings")).to_have_text("1")
    expect(row.locator(".contribution-overdue")).to_be_visible()
    late_row = page.locator(f"#contribution-row-{rows[parties[2].name].pk}")
    expect(late_row.locator(".contribution-late")).to_be_visible()
    for party in parties[:3]:
        expect(
            page.locator(
                f"#contribution-row-{rows[party.name].pk} .contribution-urgings"
            )
        ).to_have_text("0")
    expect(page.locator("#contributions-completeness")).to_contain_text(
        re.compile(r"Đã nộp 3/4 .*đúng hạn 2/4")
    )
    shot(page, "report-contributions")
    hungyen = new_page()
    log_in("hungyen", on=hungyen)
    hungyen.goto("/notifications/")
    expect(hungyen.locator("body")).to_contain_text("Đôn đốc lần 1")

    # 3. The secretariat compiles: the figures, as of the cut-off.
    page.locator("#report-compile").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/\?compiling="))
    expect(page.locator("#report-figures")).to_be_visible()
    report.refresh_from_db()
    assert report.figures is not None and report.paper_id is not None
    assigned = report.figures["tasks"]["assigned"]["count"]
    # Compiled again for the same cut-off, the same count.
    assert (
        compile_figures(team, report.period)["tasks"]["assigned"]
        == (report.figures["tasks"]["assigned"])
    )
    with translation.override("vi"):
        assigned_label = translation.gettext("Assigned in the period")
    expect(
        page.locator("#report-figures li").filter(has_text=assigned_label).first
    ).to_contain_text(str(assigned))
    expect(page.locator("#report-compiled")).to_contain_text(f"{report.end:%d/%m/%Y}")
    shot(page, "report-compiled")

    # ... opens the Báo cáo and submits it for review.
    page.locator("#report-paper-link").click()
    page.wait_for_url(f"**/papers/{report.paper_id}/")
    expect(page.locator("#paper-subject")).to_contain_text(report.title)
    expect(page.locator(".paper-preview-body")).to_contain_text("Nhiệm vụ được giao")
    _act(page, "submit")
    assert Paper.objects.get(pk=report.paper_id).state == Paper.State.IN_REVIEW
    report.refresh_from_db()
    assert report.state == Report.State.IN_REVIEW

    # 4. The leader returns it with a comment.
    leader = new_page()
    log_in("truongto", on=leader)
    leader.goto(f"/papers/{report.paper_id}/")
    _act(leader, "return", RETURN_COMMENT)
    report.refresh_from_db()
    assert report.state == Report.State.DRAFT
    page.reload()
    expect(page.locator("body")).to_contain_text(RETURN_COMMENT)

    # The secretariat changes the recommendations on the report page,
    # refreshes the document's draft and submits it again.
    page.goto(f"/reports/{report.pk}/")
    shot(page, "report-returned")
    page.fill("#id_recommendations", RECOMMENDATIONS)
    page.locator("#report-text-form button[type=submit]").click()
    expect(page.locator("#id_recommendations")).to_have_value(RECOMMENDATIONS)
    page.locator("#report-document").click()
    page.wait_for_url(f"**/papers/{report.paper_id}/")
    expect(page.locator(".paper-preview-body")).to_contain_text(
        "hoàn thành các nhiệm vụ quá hạn trước ngày 31/12"
    )
    _act(page, "submit")
    leader.reload()
    _act(leader, "approve")
    report.refresh_from_db()
    assert report.state == Report.State.APPROVED and report.frozen_at is not None

    # The secretariat issues it: the register's number.
    page.reload()
    _act(page, "issue")
    paper = Paper.objects.get(pk=report.paper_id)
    assert paper.state == Paper.State.ISSUED, paper.error
    assert re.fullmatch(r"\d+/BC-\S+", paper.reference), paper.reference
    page.reload()
    expect(page.locator("#paper-reference")).to_have_text(paper.reference)
    shot(page, "report-paper-issued")

    # ... and downloads both documents.
    with page.expect_download() as download_info:
        page.locator("#paper-files a[href*='/download']", has_text=".docx").click()
    with open(download_info.value.path(), "rb") as handle:
        docx_bytes = handle.read()
    assert docx_bytes.startswith(b"PK")
    docx_text = _docx_text(docx_bytes)
    assert report.title in " ".join(docx_text.split())
    assert paper.reference in docx_text
    assert RECOMMENDATIONS in docx_text
    with page.expect_download() as download_info:
        page.locator("#paper-files a[href*='/download']", has_text=".pdf").click()
    with open(download_info.value.path(), "rb") as handle:
        pdf_bytes = handle.read()
    assert pdf_bytes.startswith(b"%PDF")
    pdf_text = unicodedata.normalize(
        "NFC",
        "\n".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages
        ),
    )
    assert paper.reference in pdf_text

    # 5. The report page: issued, its figures frozen, its number.
    page.goto(f"/reports/{report.pk}/")
    report.refresh_from_db()
    assert report.state == Report.State.ISSUED
    expect(page.locator("#report-frozen")).to_be_visible()
    expect(page.locator("#report-paper")).to_contain_text(paper.reference)
    expect(page.locator("#report-compile")).to_have_count(0)
    expect(page.locator("#report-text-form")).to_have_count(0)
    expect(page.locator("#report-text")).to_contain_text(RECOMMENDATIONS)
    shot(page, "report-issued")
    # The Hưng Yên team's section can no longer be sent.
    hungyen.goto(hung_yen.get_absolute_url())
    expect(hungyen.locator("#contribution-closed")).to_be_visible()
    expect(hungyen.locator("#contribution-form")).to_have_count(0)
    page.goto("/reports/")
    expect(page.locator(f"#report-row-{report.pk}")).to_contain_text(paper.reference)
