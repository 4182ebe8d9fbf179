# ruff: noqa: F811 -- the fixtures of test_contributions are imported by name
"""Contributions API: same rules as the pages (401, 404 not visible, 403
not allowed, 422 at the field, 409 on a stale version), completeness with
its rates, and a fixed number of queries at 5 and 50 parties."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dieuphoi.accounts.services import api_token_create
from dieuphoi.audit.models import AuditEvent
from dieuphoi.reports import contributions as services
from dieuphoi.reports.models import Contribution, ContributionRequest, Report

from .test_contributions import (  # noqa: F401
    HEADINGS,
    PDF,
    _registered,
    asked,
    party,
    planner,
    planning,
    report,
)
from .test_contributions_views import many_parties

URL = "/api/v1"
DAY = datetime.timedelta(days=1)


class Api:
    def __init__(self, client, user):
        _, raw = api_token_create(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, **params):
        return self.client.get(URL + path, params, **self.headers)

    def post(self, path, data):
        return self.client.post(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )

    def patch(self, path, data):
        return self.client.patch(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def writes() -> int:
    return AuditEvent.objects.writes().count()


def test_anonymous_401(client, report, asked):
    assert client.get(f"{URL}/reports/{report.pk}/contributions").status_code == 401
    item = asked.contributions.first()
    assert client.get(f"{URL}/contributions/{item.pk}").status_code == 401


def test_create_a_request(
    client, report, secretariat, member_agency, other_team, member
):
    api = Api(client, secretariat)
    response = api.post(
        f"/reports/{report.pk}/contributions",
        {
            "agency_ids": [member_agency.pk],
            "body_ids": [other_team.pk],
            "deadline": report.deadline.isoformat(),
            "headings": HEADINGS,
            "message": "Đề nghị gửi đúng hạn",
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["completeness"]["expected"] == 2
    assert data["completeness"]["submitted_rate"] == 0.0
    assert {c["party"]["kind"] for c in data["contributions"]} == {"agency", "team"}
    assert [h["key"] for h in data["headings"]] == ["results", "issues"]


def test_bad_requests_answer_422_on_the_field_and_write_nothing(
    client, report, secretariat, member_agency
):
    api = Api(client, secretariat)
    url = f"/reports/{report.pk}/contributions"
    good = {"agency_ids": [member_agency.pk], "deadline": report.deadline.isoformat()}
    before = writes()
    cases = [
        ({"agency_ids": []}, "agency_ids"),
        ({"agency_ids": [10**9]}, "agency_ids"),
        ({"body_ids": [10**9]}, "body_ids"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"deadline": "31/12/2026"}, "deadline"),
        ({"headings": []}, "headings"),
        ({"headings": [{"title": "a", "key": "Có dấu"}]}, "headings"),
    ]
    for change, field in cases:
        response = api.post(url, {**good, **change})
        assert response.status_code == 422, (change, response.json())
        assert field in fields(response), (change, response.json())
    assert writes() == before and not ContributionRequest.objects.exists()


def test_who_may_list_and_ask(
    client, asked, report, member, external, outsider, leadership_viewer, member_agency
):
    url = f"/reports/{report.pk}/contributions"
    assert Api(client, outsider).get(url).status_code == 404
    assert Api(client, external).get(url).status_code == 404
    assert (
        Api(client, outsider).get(f"/reports/{10**12}/contributions").status_code == 404
    )
    assert Api(client, member).get(url).status_code == 200
    assert Api(client, leadership_viewer).get(url).status_code == 200
    body = {"agency_ids": [member_agency.pk], "deadline": report.deadline.isoformat()}
    assert Api(client, member).post(url, body).status_code == 403
    assert Api(client, outsider).post(url, body).status_code == 404
    assert ContributionRequest.objects.count() == 1


def test_a_party_saves_and_submits(client, asked, member, member_agency, secretariat):
    mine = party(asked, member_agency)
    api = Api(client, member)
    got = api.get(f"/contributions/{mine.pk}").json()
    assert got["can_edit"] and got["sections"] == {} and got["state"] == "pending"
    assert [h["key"] for h in got["headings"]] == ["results", "issues"]
    saved = api.patch(
        f"/contributions/{mine.pk}",
        {"version": got["version"], "sections": {"results": "A\tB\n1\t2"}},
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["state"] == "draft"
    # A stale version: 409 with the current one, nothing written.
    before = writes()
    stale = api.patch(
        f"/contributions/{mine.pk}", {"version": got["version"], "sections": {}}
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == saved.json()["version"]
    assert writes() == before
    done = api.patch(
        f"/contributions/{mine.pk}",
        {"version": saved.json()["version"], "submit": True},
    )
    assert done.status_code == 200
    assert done.json()["state"] == "submitted" and not done.json()["late"]
    again = api.patch(
        f"/contributions/{mine.pk}", {"version": done.json()["version"], "submit": True}
    )
    assert again.status_code == 422 and "state" in fields(again)
    listing = Api(client, secretariat).get(f"/reports/{asked.report_id}/contributions")
    assert listing.json()["completeness"]["submitted"] == 1


def test_bad_sections_and_a_required_heading_left_empty(
    client, asked, member, member_agency
):
    mine = party(asked, member_agency)
    api = Api(client, member)
    url = f"/contributions/{mine.pk}"
    response = api.patch(url, {"version": mine.version, "sections": {"bogus": "x"}})
    assert response.status_code == 422 and fields(response) == {"sections.bogus"}
    response = api.patch(url, {"version": mine.version, "sections": {"results": 5}})
    assert response.status_code == 422
    response = api.patch(
        url, {"version": mine.version, "sections": {"results": " "}, "submit": True}
    )
    assert response.status_code == 422 and fields(response) == {"sections.results"}
    mine.refresh_from_db()
    assert mine.state == Contribution.State.PENDING and mine.version == 1


def test_not_asked_or_not_visible(
    client, asked, member_agency, planner, external, outsider, leader
):
    mine = party(asked, member_agency)
    url = f"/contributions/{mine.pk}"
    assert Api(client, outsider).get(url).status_code == 404
    assert Api(client, external).get(url).status_code == 404
    assert Api(client, outsider).patch(url, {"version": 1}).status_code == 404
    assert Api(client, planner).get(url).status_code == 200
    assert not Api(client, planner).get(url).json()["can_edit"]
    for user in (planner, leader):
        response = Api(client, user).patch(
            url, {"version": 1, "sections": {"results": "x"}}
        )
        assert response.status_code == 403
    assert Api(client, outsider).get("/contributions").json() == []
    assert [c["id"] for c in Api(client, external).get("/contributions").json()] == [
        party(asked, body=external.memberships.get().body).pk
    ]


def test_after_approval_nothing_is_accepted(
    client, asked, report, member, member_agency
):
    mine = party(asked, member_agency)
    Report.objects.filter(pk=report.pk).update(state=Report.State.APPROVED)
    response = Api(client, member).patch(
        f"/contributions/{mine.pk}",
        {"version": mine.version, "sections": {"results": "x"}, "submit": True},
    )
    assert response.status_code == 422 and "state" in fields(response)


def test_late_flag_in_the_api(client, asked, external, other_team):
    theirs = party(asked, body=other_team)
    services.contribution_submit(
        actor=external,
        contribution=theirs,
        sections={"results": "x"},
        on=asked.deadline + DAY,
    )
    got = Api(client, external).get(f"/contributions/{theirs.pk}").json()
    assert got["late"] and got["submitted_on"] == (asked.deadline + DAY).isoformat()


def test_attach_a_file(client, asked, member, member_agency, planner):
    mine = party(asked, member_agency)
    url = f"{URL}/contributions/{mine.pk}/files"

    def send(user, name="phu-luc.pdf", data=PDF):
        api = Api(client, user)
        return client.post(url, {"file": SimpleUploadedFile(name, data)}, **api.headers)

    assert send(planner).status_code == 403
    assert send(member, data=b"no").status_code == 422
    response = send(member)
    assert response.status_code == 201 and response.json()["name"] == "phu-luc.pdf"
    assert (
        Api(client, member).get(f"/contributions/{mine.pk}").json()["files"][0]["name"]
        == "phu-luc.pdf"
    )


@pytest.mark.parametrize("n", [5, 50])
def test_the_list_keeps_its_queries_at_5_and_50(
    n, client, report, secretariat, django_assert_max_num_queries
):
    many_parties(report, secretariat, n)
    api = Api(client, secretariat)
    api.get(f"/reports/{report.pk}/contributions")  # warm up
    with django_assert_max_num_queries(5):
        response = api.get(f"/reports/{report.pk}/contributions")
    assert response.status_code == 200
    assert response.json()["completeness"]["expected"] == n
