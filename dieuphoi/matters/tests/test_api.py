"""Matters API: same rules as the pages (401, 404, 403, 422 at the field,
409 on a stale version), keyset pages with a fixed number of queries."""

import json

import pytest

from dieuphoi.accounts.services import api_token_create
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.matters.models import LogEntry

from .conftest import RAISED, make_matter

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

    def patch(self, path, data):
        return self.client.patch(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_anonymous_401(client, ring):
    assert client.get(f"{URL}/matters").status_code == 401


def test_external_and_outsider(client, external, outsider, ring, nhue):
    api = Api(client, external)
    items = api.get("/matters").json()["items"]
    assert [m["id"] for m in items] == [ring.pk]
    assert api.get(f"/matters/{nhue.pk}").status_code == 404
    detail = api.get(f"/matters/{ring.pk}").json()
    assert detail["can_log"] and not detail["can_change"] and detail["actions"] == []
    assert (
        api.patch(f"/matters/{ring.pk}", {"version": 1, "title": "x"}).status_code
        == 403
    )
    response = api.post(
        f"/matters/{ring.pk}/log",
        {"kind": "meeting", "occurred_on": local_today(), "summary": "Họp ba bên."},
    )
    assert response.status_code == 201, response.content
    assert (
        api.get(f"/matters/{ring.pk}/log").json()["items"][0]["summary"]
        == "Họp ba bên."
    )
    assert (
        api.post(
            f"/matters/{nhue.pk}/log",
            {"kind": "call", "occurred_on": local_today(), "summary": "x"},
        ).status_code
        == 404
    )
    other = Api(client, outsider)
    assert other.get("/matters").json()["items"] == []
    assert other.get(f"/matters/{ring.pk}").status_code == 404


def test_create_422_and_201(client, secretariat, team, units):
    api = Api(client, secretariat)
    before = AuditEvent.objects.writes().count()
    response = api.post(
        "/matters",
        {
            "title": "",
            "raised_on": "2024-01-01",
            "province_ids": [units["ninh_binh"].pk],
        },
    )
    assert response.status_code == 422
    assert {"title", "province_ids", "raised_by_agency_id"} <= fields(response)
    assert (
        api.post(
            "/matters",
            {"title": "x", "raised_on": "2024-01-01", "province_ids": [999999]},
        ).status_code
        == 422
    )
    assert AuditEvent.objects.writes().count() == before
    response = api.post(
        "/matters",
        {
            "title": "Thoát lũ",
            "raised_on": RAISED,
            "province_ids": [units["hanoi"].pk],
            "raised_by_body_id": team.pk,
        },
    )
    assert response.status_code == 201
    assert response.json()["code"] == f"VD-{RAISED.year}-001"


def test_patch_409_and_transitions(client, secretariat, leader, member, ring, nhue):
    api = Api(client, secretariat)
    ok = api.patch(f"/matters/{ring.pk}", {"version": 1, "priority": "urgent"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(f"/matters/{ring.pk}", {"version": 1, "priority": "low"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert (
        api.patch(
            f"/matters/{ring.pk}", {"version": 2, "priority": "extreme"}
        ).status_code
        == 422
    )
    bad = api.post(f"/matters/{ring.pk}/transitions", {"action": "resolve"})
    assert bad.status_code == 422 and fields(bad) == {"resolution"}
    done = api.post(
        f"/matters/{ring.pk}/transitions",
        {"action": "resolve", "resolution": "Đã bàn giao."},
    )
    assert done.status_code == 200 and done.json()["state"] == "resolved"
    assert (
        Api(client, member)
        .post(f"/matters/{nhue.pk}/transitions", {"action": "coordinate"})
        .status_code
        == 403
    )
    assert (
        Api(client, leader)
        .post(f"/matters/{nhue.pk}/transitions", {"action": "coordinate", "version": 9})
        .status_code
        == 409
    )


@pytest.mark.parametrize("n", [5, 50])
def test_list_query_count(
    client, secretariat, team, units, n, django_assert_max_num_queries
):
    for i in range(n):
        matter = make_matter(
            team,
            secretariat,
            [units["hanoi"], units["ha_nam"]],
            title=f"Vấn đề {i}",
            raised_on=RAISED.replace(year=2024),
        )
    api = Api(client, secretariat)
    api.get("/matters", limit=1)
    with django_assert_max_num_queries(8):
        response = api.get("/matters", limit=200)
    assert len(response.json()["items"]) == n
    for i in range(n):
        LogEntry.objects.create(
            matter=matter, kind="call", occurred_on=RAISED, summary=f"Lần {i}"
        )
    with django_assert_max_num_queries(10):
        page = api.get(f"/matters/{matter.pk}/log", limit=200).json()
    assert len(page["items"]) == n


def test_keyset_cursor(client, secretariat, team, units):
    for i in range(3):
        make_matter(team, secretariat, [units["hanoi"]], title=f"Vấn đề {i}")
    api = Api(client, secretariat)
    first = api.get("/matters", limit=2).json()
    second = api.get("/matters", limit=2, cursor=first["next_cursor"]).json()
    ids = [m["id"] for m in first["items"] + second["items"]]
    assert len(set(ids)) == 3 and second["next_cursor"] is None
    assert api.get("/matters", cursor="!!").status_code == 422
    assert api.get("/matters", limit=201).status_code == 422
