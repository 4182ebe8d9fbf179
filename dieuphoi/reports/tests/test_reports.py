"""A report's life: created for a period, compiled, drafted as a Báo cáo,
reviewed, approved (figures frozen), issued with its number, corrected by a
new report; its pages and API with an outsider, a member and another
province's team."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dieuphoi.accounts.services import api_token_create
from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.paperwork import services as paper_services
from dieuphoi.paperwork.models import IssuingProfile, Paper
from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds
from dieuphoi.reports import periods, services
from dieuphoi.reports.models import Report

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def engine(hanoi_team, standing_agency, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    seed_kinds()
    IssuingProfile.objects.create(body=hanoi_team, **HANOI_PROFILE)
    return hanoi_team


@pytest.fixture
def immediate_jobs(settings):
    """Jobs run when enqueued, as a worker would run them."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture
def report(engine, secretariat, leader):
    return services.report_create(
        actor=secretariat, body=engine, period_type="monthly", year=2026, number=3
    )


def writes() -> int:
    return AuditEvent.objects.writes().count()


# --- services -------------------------------------------------------------------


def test_create_takes_the_decree_window_and_refuses_a_second_one(report, secretariat):
    assert (report.start, report.end) == (D(2026, 2, 15), D(2026, 3, 14))
    assert report.deadline == periods.period("monthly", 2026, 3).deadline
    assert report.state == Report.State.DRAFT and "03" in report.title
    before = writes()
    with pytest.raises(ValidationError) as err:
        services.report_create(
            actor=secretariat,
            body=report.body,
            period_type="monthly",
            year=2026,
            number=3,
        )
    assert "period" in err.value.message_dict
    assert writes() == before and Report.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period_type": "ad_hoc", "start": D(2026, 3, 31), "end": D(2026, 3, 1)}, "end"),
        ({"period_type": "ad_hoc", "start": D(2026, 3, 1)}, "end"),
        ({"period_type": "monthly", "year": 2026, "number": 13}, "number"),
        ({"period_type": "weekly", "year": 2026}, "period_type"),
        ({"period_type": "monthly"}, "year"),
        (
            {"period_type": "quarterly", "year": 2026, "number": 1,
             "deadline": D(2026, 3, 1)},
            "deadline",
        ),
    ],
)  # fmt: skip
def test_bad_periods_are_refused_with_the_field(engine, secretariat, kwargs, field):
    before = writes()
    with pytest.raises(ValidationError) as err:
        services.report_create(actor=secretariat, body=engine, **kwargs)
    assert field in err.value.message_dict
    assert writes() == before and not Report.objects.exists()


def test_only_the_bodys_managers_create_and_edit(
    engine, member, outsider, external, report
):
    for user in (member, outsider, external):
        with pytest.raises(PermissionDenied):
            services.report_create(
                actor=user, body=engine, period_type="annual", year=2026
            )
        with pytest.raises(PermissionDenied):
            services.report_update(
                actor=user, report=report, version=report.version, difficulties="x"
            )
        with pytest.raises(PermissionDenied):
            services.report_compile(actor=user, report=report)


def test_a_stale_version_is_a_conflict(report, secretariat):
    services.report_update(
        actor=secretariat, report=report, version=report.version, difficulties="A"
    )
    with pytest.raises(Conflict):
        services.report_update(
            actor=secretariat, report=report, version=report.version, difficulties="B"
        )
    report.refresh_from_db()
    assert report.difficulties == "A"


def _through_review(report, secretariat, leader):
    report = services.report_compile(actor=secretariat, report=report)
    paper = report.paper
    assert paper.producer == "reports" and paper.state == Paper.State.DRAFT
    paper = paper_services.paper_submit(
        actor=secretariat, paper=paper, version=paper.version
    )
    report.refresh_from_db()
    assert report.state == Report.State.IN_REVIEW
    return report, paper


def test_compile_review_approve_issue_and_correct(report, secretariat, leader, member):
    report, paper = _through_review(report, secretariat, leader)
    # The leader comments: back to draft; the secretariat fixes the text.
    paper = paper_services.paper_return(
        actor=leader, paper=paper, version=paper.version, comment="Bổ sung kiến nghị."
    )
    report.refresh_from_db()
    assert report.state == Report.State.DRAFT
    report = services.report_update(
        actor=secretariat,
        report=report,
        version=report.version,
        recommendations="Đề nghị UBND Thành phố chỉ đạo các sở hoàn thành nhiệm vụ.",
    )
    report = services.report_document(actor=secretariat, report=report)
    paper = Paper.objects.get(pk=report.paper_id)
    assert any(
        "Đề nghị UBND Thành phố" in str(block.get("text", ""))
        for block in paper.current.blocks
    )
    paper = paper_services.paper_submit(
        actor=secretariat, paper=paper, version=paper.version
    )
    # A member may not approve (the documents engine's rule).
    with pytest.raises(PermissionDenied):
        paper_services.paper_approve(actor=member, paper=paper, version=paper.version)
    paper = paper_services.paper_approve(
        actor=leader, paper=paper, version=paper.version
    )
    report.refresh_from_db()
    assert report.state == Report.State.APPROVED and report.frozen_at is not None
    frozen = report.figures

    # Frozen: no recompilation, no text change; nothing written.
    before = writes()
    for call in (
        lambda: services.report_compile(actor=secretariat, report=report),
        lambda: services.report_update(
            actor=secretariat, report=report, version=report.version, title="X"
        ),
        lambda: services.report_document(actor=secretariat, report=report),
    ):
        with pytest.raises(ValidationError):
            call()
    assert writes() == before

    paper = paper_services.paper_issue(actor=secretariat, paper_id=paper.pk)
    report.refresh_from_db()
    assert report.state == Report.State.ISSUED
    assert paper.reference.endswith("/BC-TĐP")
    assert paper.document is not None  # recorded in the register
    assert report.figures == frozen

    correction = services.report_correct(actor=secretariat, report=report)
    assert correction.replaces_id == report.pk and correction.figures == frozen
    new_paper = correction.paper
    assert new_paper.replaces_id == paper.pk and new_paper.producer == "reports"
    with pytest.raises(ValidationError):
        services.report_correct(actor=secretariat, report=report)
    new_paper = paper_services.paper_submit(
        actor=secretariat, paper=new_paper, version=new_paper.version
    )
    new_paper = paper_services.paper_approve(
        actor=leader, paper=new_paper, version=new_paper.version
    )
    paper_services.paper_issue(actor=secretariat, paper_id=new_paper.pk)
    report.refresh_from_db()
    correction.refresh_from_db()
    assert (report.state, correction.state) == (
        Report.State.REPLACED,
        Report.State.ISSUED,
    )


def test_approval_needs_compiled_figures(report, secretariat, leader, engine):
    from dieuphoi.paperwork.models import PaperKind

    # A Báo cáo drafted by hand for the report, never compiled.
    paper = paper_services.paper_create(
        actor=secretariat,
        body=engine,
        kind=PaperKind.objects.get(key="bao-cao"),
        subject=report.title,
        blocks=[],
        signer=leader,
        producer="reports",
        source=report,
        render=False,
    )
    Report.objects.filter(pk=report.pk).update(paper=paper)
    paper = paper_services.paper_submit(
        actor=secretariat, paper=paper, version=paper.version
    )
    with pytest.raises(ValidationError) as err:
        paper_services.paper_approve(actor=leader, paper=paper, version=paper.version)
    assert "figures" in err.value.message_dict
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW


# --- pages ------------------------------------------------------------------------


def test_pages_for_each_kind_of_user(
    client, login, report, secretariat, member, outsider, external, leadership_viewer
):
    detail = reverse("reports:detail", args=[report.pk])
    login(outsider)
    assert client.get(detail).status_code == 404
    assert report.title not in client.get(reverse("reports:list")).content.decode()
    assert client.get(reverse("reports:create")).status_code == 403
    assert client.post(reverse("reports:compile", args=[report.pk])).status_code == 404
    login(external)
    assert client.get(detail).status_code == 404
    login(member)
    page = client.get(detail)
    assert (
        page.status_code == 200 and 'id="report-compile"' not in page.content.decode()
    )
    assert client.post(reverse("reports:compile", args=[report.pk])).status_code == 403
    login(leadership_viewer)
    assert client.get(detail).status_code == 200
    login(secretariat)
    page = client.get(detail).content.decode()
    assert 'id="report-compile"' in page and "15/02/2026 \u2013 14/03/2026" in page


def test_create_page_and_its_errors(client, login, engine, secretariat):
    login(secretariat)
    page = client.get(reverse("reports:create"))
    assert page.status_code == 200 and 'id="period-examples"' in page.content.decode()
    bad = client.post(
        reverse("reports:create"),
        {"body": engine.pk, "period_type": "ad_hoc", "start": "31/03/2026",
         "end": "01/03/2026"},
    )  # fmt: skip
    assert bad.status_code == 400 and not Report.objects.exists()
    ok = client.post(
        reverse("reports:create"),
        {"body": engine.pk, "period_type": "quarterly", "year": "2026", "number": "1"},
    )
    report = Report.objects.get()
    assert ok.status_code == 302 and ok["Location"] == report.get_absolute_url()
    assert (report.start, report.end) == (D(2025, 12, 15), D(2026, 3, 14))


def test_compile_from_the_page_answers_at_once_with_progress(
    client, login, report, secretariat, immediate_jobs
):
    login(secretariat)
    response = client.post(reverse("reports:compile", args=[report.pk]))
    assert response.status_code == 302 and "compiling=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    # Finished: the page shows the result itself, not the finished job's box.
    assert 'id="report-figures"' in page and "job-progress-" not in page
    report.refresh_from_db()
    # The job ran (immediately here): the figures and the draft exist.
    assert report.figures is not None and report.paper_id is not None


def test_a_running_compilation_shows_its_progress(client, login, report, secretariat):
    login(secretariat)
    response = client.post(reverse("reports:compile", args=[report.pk]))
    # The dummy backend of the tests never runs the job: still under way.
    page = client.get(response["Location"]).content.decode()
    assert "job-progress-" in page
    report.refresh_from_db()
    assert report.figures is None


def test_edit_keeps_the_input_on_a_conflict(client, login, report, secretariat):
    login(secretariat)
    url = reverse("reports:edit", args=[report.pk])
    data = {"version": report.version, "title": report.title, "difficulties": "Một"}
    assert client.post(url, data).status_code == 302
    data["difficulties"] = "Hai"
    response = client.post(url, data)
    assert response.status_code == 409 and "Hai" in response.content.decode()
    report.refresh_from_db()
    assert report.difficulties == "Một"


@pytest.mark.parametrize("n", [5, 50])
def test_the_list_takes_a_fixed_number_of_queries(
    client, login, engine, secretariat, django_assert_max_num_queries, n
):
    for i in range(n):
        Report.objects.create(
            body=engine,
            period_type="ad_hoc",
            year=2026,
            start=D(2026, 1, 1) + datetime.timedelta(days=i),
            end=D(2026, 3, 1) + datetime.timedelta(days=i),
            deadline=D(2026, 4, 1) + datetime.timedelta(days=i),
            title=f"Báo cáo {i}",
        )
    login(secretariat)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("reports:list"))
    assert page.content.decode().count('id="report-row-') == n


# --- API ---------------------------------------------------------------------------


class Api:
    def __init__(self, client, user):
        _, raw = api_token_create(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, **params):
        return self.client.get("/api/v1" + path, params, **self.headers)

    def send(self, method, path, data):
        return getattr(self.client, method)(
            "/api/v1" + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_api_periods(client, secretariat):
    api = Api(client, secretariat)
    out = api.get("/report-periods", type="monthly", on="2026-12-20").json()
    assert [p["key"] for p in out] == ["monthly-2027-01"]
    assert (out[0]["start"], out[0]["end"]) == ("2026-12-15", "2027-01-14")
    year = api.get("/report-periods", type="quarterly", year=2026).json()
    assert [p["end"] for p in year] == [
        "2026-03-14",
        "2026-06-14",
        "2026-09-14",
        "2026-12-14",
    ]
    everything = api.get("/report-periods", on="2026-10-01").json()
    assert "nine_month" not in {
        p["type"] for p in everything
    }  # 1 Oct is in no 9-month window
    assert api.get("/report-periods", type="weekly").status_code == 422
    assert fields(api.get("/report-periods", type="nine_month", on="2026-10-01")) == {
        "on"
    }
    assert client.get("/api/v1/report-periods").status_code == 401


def test_api_reports(
    client, report, secretariat, outsider, external, member, immediate_jobs
):
    assert Api(client, outsider).get("/reports").json() == []
    assert Api(client, outsider).get(f"/reports/{report.pk}").status_code == 404
    assert Api(client, external).get(f"/reports/{report.pk}").status_code == 404
    assert (
        Api(client, member)
        .send("patch", f"/reports/{report.pk}", {"version": 1, "title": "x"})
        .status_code
        == 403
    )
    api = Api(client, secretariat)
    listed = api.get("/reports").json()
    assert [r["id"] for r in listed] == [report.pk]
    assert listed[0]["period"]["key"] == "monthly-2026-03"
    created = api.send("post", "/reports", {"period_type": "annual", "year": 2026})
    assert (
        created.status_code == 201 and created.json()["period"]["start"] == "2025-12-15"
    )
    bad = api.send(
        "post",
        "/reports",
        {"period_type": "ad_hoc", "start": "2026-03-31", "end": "2026-03-01"},
    )
    assert bad.status_code == 422 and fields(bad) == {"end"}
    stale = api.send("patch", f"/reports/{report.pk}", {"version": 99, "title": "x"})
    assert stale.status_code == 409
    queued = api.send("post", f"/reports/{report.pk}/compile", {})
    assert queued.status_code == 202 and queued.json()["progress_id"]
    detail = api.get(f"/reports/{report.pk}").json()
    assert detail["figures"]["end"] == "2026-03-14"


def test_the_history_reads_names_and_dates(client, login, report, secretariat):
    report = services.report_compile(actor=secretariat, report=report)
    login(secretariat)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    history = page[page.rindex("card mb-3 d-print-none") :]
    # The document by its subject, the deadline dd/mm/yyyy: not an id, not ISO.
    assert report.paper.subject in history
    assert report.deadline.strftime("%d/%m/%Y") in history
    assert report.deadline.isoformat() not in history
