# ruff: noqa: F811 -- the fixtures of test_contributions are imported by name
"""Pages of contribution requests and contributions: who sees and does
what (404 not visible, 403 not allowed), bad input kept with its error and
nothing written, the conflict message, the preview of a pasted table, the
completeness partial, and a fixed number of queries at 5 and 50 parties."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Attachment
from dieuphoi.org.tests.factories import AgencyFactory, BodyAgencyFactory
from dieuphoi.reports import contributions as services
from dieuphoi.reports.models import Contribution, ContributionRequest, Report

from .test_contributions import (  # noqa: F401
    PDF,
    _registered,
    asked,
    party,
    planner,
    planning,
    report,
)


def writes() -> int:
    return AuditEvent.objects.writes().count()


def page(pk):
    return reverse("reports:contribution", args=[pk])


# --- the request page ----------------------------------------------------------------


def test_only_managers_open_the_request_page(
    login, report, secretariat, member, external, outsider
):
    url = reverse("reports:request", args=[report.pk])
    assert login(outsider).get(url).status_code == 404
    assert login(external).get(url).status_code == 404
    assert login(member).get(url).status_code == 403
    response = login(secretariat).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="parties"' in body and 'name="headings"' in body
    assert "*" in response.context["form"]["headings"].value()


def test_a_request_with_no_agency_is_refused_and_nothing_written(
    login, report, secretariat
):
    client = login(secretariat)
    before = writes()
    response = client.post(
        reverse("reports:request", args=[report.pk]),
        {"deadline": report.deadline.strftime("%d/%m/%Y"), "headings": "Kết quả *"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["parties"]
    assert writes() == before and not ContributionRequest.objects.exists()


def test_a_request_from_the_form(
    login, report, secretariat, member_agency, other_team, member, external
):
    client = login(secretariat)
    response = client.post(
        reverse("reports:request", args=[report.pk]),
        {
            "parties": [str(member_agency.pk), f"team-{other_team.pk}"],
            "deadline": report.deadline.strftime("%d/%m/%Y"),
            "headings": "Kết quả thực hiện *\nKiến nghị\n\n",
            "message": "Gửi trước hạn.",
        },
    )
    assert response.status_code == 302
    asked = ContributionRequest.objects.get()
    assert [(h["title"], h["required"]) for h in asked.headings] == [
        ("Kết quả thực hiện", True),
        ("Kiến nghị", False),
    ]
    assert asked.contributions.count() == 2


def test_a_request_after_approval_says_why(login, report, secretariat, member_agency):
    Report.objects.filter(pk=report.pk).update(state=Report.State.APPROVED)
    response = login(secretariat).post(
        reverse("reports:request", args=[report.pk]),
        {
            "parties": [str(member_agency.pk)],
            "deadline": report.deadline.strftime("%d/%m/%Y"),
            "headings": "Kết quả *",
        },
    )
    assert response.status_code == 422
    assert response.context["notice"]
    assert not ContributionRequest.objects.exists()


# --- the contribution page ----------------------------------------------------------


def test_who_sees_a_contribution(
    login, asked, member, member_agency, planner, external, other_team, outsider, leader
):
    ours = party(asked, member_agency)
    theirs = party(asked, body=other_team)
    assert login(outsider).get(page(ours.pk)).status_code == 404
    assert login(external).get(page(ours.pk)).status_code == 404
    assert login(outsider).get(page(10**12)).status_code == 404
    response = login(external).get(page(theirs.pk))
    assert response.status_code == 200 and response.context["editable"]
    assert not response.context["can_see_report"]
    # The body's members see every contribution, read-only unless theirs.
    response = login(planner).get(page(ours.pk))
    assert response.status_code == 200 and not response.context["editable"]
    assert 'id="contribution-form"' not in response.content.decode()
    response = login(leader).get(page(ours.pk))
    assert response.status_code == 200 and not response.context["editable"]


def test_others_may_not_post(login, asked, member_agency, planner, leader, outsider):
    ours = party(asked, member_agency)
    data = {"version": ours.version, "action": "save", "section_results": "x"}
    assert login(outsider).post(page(ours.pk), data).status_code == 404
    assert login(planner).post(page(ours.pk), data).status_code == 403
    assert login(leader).post(page(ours.pk), data).status_code == 403
    ours.refresh_from_db()
    assert ours.state == Contribution.State.PENDING


def test_save_then_submit_from_the_page(
    login, asked, member, member_agency, secretariat
):
    ours = party(asked, member_agency)
    client = login(member)
    response = client.post(
        page(ours.pk),
        {
            "version": ours.version,
            "action": "save",
            "section_results": "Chỉ tiêu\tKết quả\nVốn\t80%",
        },
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.state == Contribution.State.DRAFT
    response = client.get(page(ours.pk))
    body = response.content.decode()
    assert (
        "contribution-section-table" in body and '<th scope="col">Chỉ tiêu</th>' in body
    )
    response = client.post(
        page(ours.pk),
        {
            "version": ours.version,
            "action": "submit",
            "section_results": ours.sections["results"],
            "section_issues": "",
        },
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.state == Contribution.State.SUBMITTED and not ours.late
    assert not client.get(page(ours.pk)).context["editable"]


def test_a_required_heading_left_empty_stays_with_its_error(
    login, asked, member, member_agency
):
    ours = party(asked, member_agency)
    before = writes()
    response = login(member).post(
        page(ours.pk),
        {
            "version": ours.version,
            "action": "submit",
            "section_results": "",
            "section_issues": "Giữ lại",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["section_results"]
    assert "Giữ lại" in response.content.decode()
    assert writes() == before
    ours.refresh_from_db()
    assert ours.state == Contribution.State.PENDING


def test_a_stale_version_keeps_the_input_and_says_so(
    login, asked, member, member_agency
):
    ours = party(asked, member_agency)
    services.contribution_save(
        actor=member, contribution=ours, version=ours.version, sections={"results": "A"}
    )
    response = login(member).post(
        page(ours.pk),
        {"version": ours.version, "action": "save", "section_results": "Bản của tôi"},
    )
    assert response.status_code == 409
    assert response.context["notice"]
    assert "Bản của tôi" in response.content.decode()
    ours.refresh_from_db()
    assert ours.sections["results"] == "A"


def test_after_approval_the_page_refuses_and_shows_no_form(
    login, asked, report, member, member_agency
):
    ours = party(asked, member_agency)
    Report.objects.filter(pk=report.pk).update(state=Report.State.APPROVED)
    client = login(member)
    response = client.get(page(ours.pk))
    assert not response.context["editable"]
    assert 'id="contribution-closed"' in response.content.decode()
    response = client.post(
        page(ours.pk),
        {"version": ours.version, "action": "save", "section_results": "x"},
    )
    assert response.status_code == 422
    ours.refresh_from_db()
    assert ours.state == Contribution.State.PENDING


def test_the_preview_of_a_pasted_table(login, asked, member, member_agency, planner):
    ours = party(asked, member_agency)
    url = reverse("reports:contribution-preview", args=[ours.pk])
    data = {"key": "results", "section_results": "Sở\tSố\nSXD\t4"}
    assert login(planner).post(url, data).status_code == 403
    response = login(member).post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<th scope="col">Sở</th>' in body and "<td>4</td>" in body
    assert "<html" not in body
    bad = login(member).post(url, {"key": "nope"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422


def test_files_while_open(login, asked, member, member_agency, planner, outsider):
    ours = party(asked, member_agency)
    url = reverse("reports:contribution-upload", args=[ours.pk])

    def upload(user):
        return login(user).post(
            url,
            {"file": SimpleUploadedFile("phu-luc.pdf", PDF)},
            HTTP_HX_REQUEST="true",
        )

    assert upload(outsider).status_code == 404
    assert upload(planner).status_code == 403
    response = upload(member)
    assert response.status_code == 200 and "phu-luc.pdf" in response.content.decode()
    assert Attachment.objects.count() == 1
    services.contribution_submit(
        actor=member, contribution=ours, sections={"results": "x"}
    )
    assert upload(member).status_code == 403
    # The file stays readable on the page.
    assert "phu-luc.pdf" in login(member).get(page(ours.pk)).content.decode()


# --- my contributions, the partial, query counts -------------------------------------


def test_my_contributions(login, asked, member, external, outsider, member_agency):
    url = reverse("reports:my-contributions")
    response = login(member).get(url)
    assert [i.pk for i in response.context["items"]] == [party(asked, member_agency).pk]
    assert login(outsider).get(url).context["items"] == []
    assert 'id="my-contributions-empty"' in login(outsider).get(url).content.decode()


def test_the_partial_shows_each_party_and_the_completeness(
    asked, report, member, member_agency, external, other_team
):
    services.contribution_submit(
        actor=member,
        contribution=party(asked, member_agency),
        sections={"results": "a"},
    )
    services.contribution_submit(
        actor=external,
        contribution=party(asked, body=other_team),
        sections={"results": "b"},
        on=asked.deadline + datetime.timedelta(days=1),
    )
    stats = services.contribution_stats(report)
    html = render_to_string(
        "reports/_contributions.html",
        {"report": report, "stats": stats, "can_manage": True},
    )
    assert stats.completeness.line in html
    assert "2/3" in stats.completeness.line and "1/3" in stats.completeness.line
    assert html.count('class="contribution-row') == 3
    assert html.count("contribution-late") == 1
    assert reverse("reports:request", args=[report.pk]) in html
    html = render_to_string(
        "reports/_contributions.html",
        {"report": report, "stats": stats, "can_manage": False},
    )
    assert reverse("reports:request", args=[report.pk]) not in html


def many_parties(report, secretariat, n):
    agencies = []
    for i in range(n):
        agency = AgencyFactory(name=f"Sở số {i:03d}")
        BodyAgencyFactory(body=report.body, agency=agency, role="member")
        agencies.append(agency)
    return services.contributions_request(
        actor=secretariat, report=report, agencies=agencies, deadline=report.deadline
    )


@pytest.mark.parametrize("n", [5, 50])
def test_the_report_page_and_my_list_keep_their_queries_at_5_and_50(
    n, login, report, secretariat, member, member_agency, django_assert_max_num_queries
):
    many_parties(report, secretariat, n)
    services.contributions_request(
        actor=secretariat,
        report=report,
        agencies=[member_agency],
        deadline=report.deadline,
    )
    with django_assert_max_num_queries(2):
        stats = services.contribution_stats(report)
        html = render_to_string(
            "reports/_contributions.html", {"report": report, "stats": stats}
        )
    assert len(re.findall('class="contribution-row', html)) == n + 1
    client = login(member)
    client.get(reverse("reports:my-contributions"))  # warm the session
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reports:my-contributions"))
    assert len(response.context["items"]) == 1
