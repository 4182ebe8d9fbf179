"""Proposals API: the same rules as the pages (401, 404 for who may not
see, 403 for who may not act, 422 at the field, 409 on a stale version),
keyset pages with a fixed number of queries, and another province's user
answering its round."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dieuphoi.accounts.services import api_token_create
from dieuphoi.core.models import local_today
from dieuphoi.proposals.models import Proposal, RoundComment

from .conftest import make_proposal

pytestmark = pytest.mark.django_db
URL = "/api/v1"


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


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@pytest.fixture
def payload(member_agency):
    return {
        "kind": "scheme",
        "title": "Đề án tuyến đường nối Hà Nội với sân bay",
        "scope": "regional_linkage",
        "proposed_on": local_today().isoformat(),
        "lead_agency_id": member_agency.pk,
        "budget_central": 1_000_000,
        "budget_city": "2.000.000",
        "budget_total": 3_000_000,
    }


def test_requires_a_token(client):
    assert client.get(URL + "/proposals").status_code == 401
    assert client.get(URL + "/rounds/1/answers").status_code == 401


def test_list_is_scoped_and_keyset_paginated(
    api, team, secretariat, outsider, external, member_agency
):
    for i in range(7):
        make_proposal(team, secretariat, member_agency, title=f"Đề xuất {i}")
    assert api(outsider).get("/proposals").json()["items"] == []
    assert api(external).get("/proposals").json()["items"] == []
    client = api(secretariat)
    first = client.get("/proposals", limit=5).json()
    assert len(first["items"]) == 5 and first["next_cursor"]
    rest = client.get("/proposals", limit=5, cursor=first["next_cursor"]).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert len(set(ids)) == 7
    assert first["items"][0]["budget"]["total"] == 3_000_000
    bad = client.get("/proposals", cursor="???")
    assert bad.status_code == 422 and "cursor" in fields(bad)
    bad = client.get("/proposals", state="nope")
    assert bad.status_code == 422 and "state" in fields(bad)


def test_list_query_count_is_fixed(api, team, secretariat, member_agency):
    client = api(secretariat)
    client.get("/proposals")  # the token's last use is written once a minute

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/proposals", limit=200).status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        make_proposal(team, secretariat, member_agency, title=f"A {i}")
    few = count()
    for i in range(45):
        make_proposal(team, secretariat, member_agency, title=f"B {i}")
    assert count() == few


def test_create_and_get(api, secretariat, payload, team):
    response = api(secretariat).post("/proposals", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["budget"] == {
        "central": 1_000_000,
        "city": 2_000_000,
        "provinces": None,
        "other": None,
        "total": 3_000_000,
    }
    assert set(body["allowed_actions"]) == {"consult", "review"}
    got = api(secretariat).get(f"/proposals/{body['id']}")
    assert got.status_code == 200 and got.json()["title"] == payload["title"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget_total": 5}, "budget_total"),
        ({"budget_city": -1}, "budget_city"),
        ({"budget_other": "năm tỷ"}, "budget_other"),
        ({"lead_agency_id": 999999}, "lead_agency_id"),
        ({"province_ids": [999999]}, "province_ids"),
        ({"kind": "wish"}, "kind"),
        ({"title": ""}, "title"),
        ({"proposed_on": "02/12/2026"}, "proposed_on"),
        ({"ends_on": "2020-01-01", "starts_on": "2021-01-01"}, "ends_on"),
    ],
)
def test_bad_input_is_422_at_the_field(api, secretariat, payload, team, change, field):
    response = api(secretariat).post("/proposals", {**payload, **change})
    assert response.status_code == 422, response.json()
    assert field in fields(response)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("role", ["member", "outsider", "external"])
def test_who_does_not_draft_gets_403(api, request, role, payload, team):
    response = api(request.getfixturevalue(role)).post("/proposals", payload)
    assert response.status_code == 403
    response = api(request.getfixturevalue(role)).post(
        "/proposals", {**payload, "body_id": team.pk}
    )
    assert response.status_code == 403
    assert not Proposal.objects.exists()


def test_outsider_and_external_get_404_on_the_proposal(
    api, outsider, external, proposal
):
    assert api(outsider).get(f"/proposals/{proposal.pk}").status_code == 404
    assert api(external).get(f"/proposals/{proposal.pk}").status_code == 404
    assert api(outsider).get(f"/proposals/{proposal.pk}/rounds").status_code == 404
    assert api(outsider).get("/proposals/999999").status_code == 404


def test_rounds_for_the_body_and_for_a_party(
    api, secretariat, external, outsider, consultation, proposal
):
    rounds = api(secretariat).get(f"/proposals/{proposal.pk}/rounds").json()
    assert rounds[0]["asked"] == 2 and rounds[0]["request_paper_id"]
    assert "II. Nội dung đề án" in rounds[0]["sections"]
    mine = api(external).get(f"/proposals/{proposal.pk}/rounds")
    assert mine.status_code == 200
    assert [r["id"] for r in mine.json()] == [consultation.pk]
    assert mine.json()[0]["request_paper_id"] is None
    assert api(outsider).get(f"/rounds/{consultation.pk}/answers").status_code == 404


def test_the_province_answers_through_the_api(
    api, external, secretariat, member, consultation, member_agency
):
    client = api(external)
    listed = client.get(f"/rounds/{consultation.pk}/answers").json()
    # Only its own party.
    assert [a["name"] for a in listed] == ["Tổ điều phối vùng tỉnh Bắc Ninh"]
    ours = consultation.parties.get(agency=member_agency)
    response = client.post(
        f"/rounds/{consultation.pk}/answers",
        {"party_id": ours.pk, "answer": "agree"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/rounds/{consultation.pk}/answers",
        {
            "answer": "disagree",
            "comments": [{"section": "IX. Không có", "text": "..."}],
        },
    )
    assert response.status_code == 422 and "comments.0.section" in fields(response)
    response = client.post(
        f"/rounds/{consultation.pk}/answers", {"answer": "disagree", "comments": []}
    )
    assert response.status_code == 422 and "comments" in fields(response)
    response = client.post(f"/rounds/{consultation.pk}/answers", {"answer": "maybe"})
    assert response.status_code == 422 and "answer" in fields(response)
    assert not RoundComment.objects.exists()
    party = listed[0]
    response = client.post(
        f"/rounds/{consultation.pk}/answers",
        {
            "answer": "agree_comments",
            "comments": [
                {"section": "II. Nội dung đề án", "text": "Bổ sung tuyến."},
                {"section": "", "text": "Ý kiến chung."},
            ],
            "version": party["version"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["answer"] == "agree_comments" and body["late"] is False
    assert [c["text"] for c in body["comments"]] == ["Bổ sung tuyến.", "Ý kiến chung."]
    assert body["comments"][0]["response"] is None  # a party sees no responses
    again = client.post(f"/rounds/{consultation.pk}/answers", {"answer": "agree"})
    assert again.status_code == 422
    # The body sees every party, with the responses.
    everyone = api(secretariat).get(f"/rounds/{consultation.pk}/answers").json()
    assert len(everyone) == 2
    assert everyone[0]["comments"] == [] or everyone[1]["comments"][0]["response"] == ""


def test_a_stale_answer_version_is_409(api, external, consultation):
    client = api(external)
    response = client.post(
        f"/rounds/{consultation.pk}/answers", {"answer": "agree", "version": 99}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_openapi_documents_the_error_answers(client):
    schema = client.get("/api/openapi.json").json()
    post = schema["paths"]["/api/v1/rounds/{round_id}/answers"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(post["responses"])
    create = schema["paths"]["/api/v1/proposals"]["post"]
    assert {"201", "401", "403", "422"} <= set(create["responses"])
