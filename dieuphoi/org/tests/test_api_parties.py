"""The registry endpoints an API client needs to assign a task (issue 7 §9):
unit ids, agencies by date/kind/search with their group, the coordination
teams that can be parties, and the people who can own a task."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from dieuphoi.core.models import local_today
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.seed import seed_sectors

pytestmark = pytest.mark.django_db
D = datetime.date


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.mark.parametrize(
    "url", ["/api/v1/teams", "/api/v1/bodies/1/people", "/api/v1/tasks/sectors"]
)
def test_new_endpoints_need_a_token(client, url):
    assert client.get(url).status_code == 401


def test_agencies_filter_by_kind_and_search_without_accents(client, seeded, api_token):
    headers = api_token(user("thuky"))
    response = client.get(
        "/api/v1/agencies",
        {"on": "2025-08-01", "kind": "ministry", "q": "xay dung"},
        headers=headers,
    )
    assert response.status_code == 200
    assert [a["code"] for a in response.json()] == ["BXD"]
    response = client.get(
        "/api/v1/agencies", {"on": "2024-06-01", "q": "giao thong"}, headers=headers
    )
    codes = {a["code"] for a in response.json()}
    assert {"BGTVT", "SGTVT", "SGTVT-BAC-NINH"} <= codes
    bad = client.get("/api/v1/agencies", {"kind": "nope"}, headers=headers)
    assert bad.status_code == 422


def test_agencies_are_grouped_relative_to_a_body(client, seeded, api_token):
    team = seeded.bodies.hanoi_team
    headers = api_token(user("thuky"))
    response = client.get(
        "/api/v1/agencies",
        {"on": "2025-08-01", "body": team.pk, "q": "xay dung"},
        headers=headers,
    )
    groups = {a["code"]: a["group"] for a in response.json()}
    assert groups["SXD"] == "own"
    assert groups["BXD"] == "central"
    assert groups["SXD-BAC-NINH"] == "province"
    missing = client.get("/api/v1/agencies", {"body": 999999}, headers=headers)
    assert missing.status_code == 404


def test_teams_are_listed_by_date_with_names_only(client, seeded, api_token):
    headers = api_token(user("bacninh"))
    response = client.get(
        "/api/v1/teams", {"on": "2025-08-01", "q": "bac ninh"}, headers=headers
    )
    assert response.status_code == 200
    [team] = response.json()
    assert team["key"] == "to-dieu-phoi-bac-ninh"
    assert set(team) == {
        "id",
        "key",
        "name",
        "short_name",
        "unit",
        "unit_id",
        "valid_from",
        "valid_to",
    }
    old = client.get(
        "/api/v1/teams", {"on": "2024-01-01", "q": "bac ninh"}, headers=headers
    ).json()
    assert {t["key"] for t in old} == {"to-dieu-phoi-bac-ninh-2022"}


def test_people_are_only_of_a_body_the_user_may_see(
    client, seeded, api_token, outsider
):
    team = seeded.bodies.hanoi_team
    url = f"/api/v1/bodies/{team.pk}/people"
    assert client.get(url, headers=api_token(outsider)).status_code == 404
    assert client.get(url, headers=api_token(user("bacninh"))).status_code == 404
    response = client.get(url, headers=api_token(user("thuky")))
    assert response.status_code == 200
    people = response.json()
    assert "daumoi.sxd" in {p["username"] for p in people}
    assert all(set(p) == {"id", "username", "name", "role", "agency"} for p in people)


def test_a_task_can_be_created_with_ids_from_the_api_only(client, seeded, api_token):
    """Everything POST /tasks needs comes from the API; the Bắc Ninh team's
    user then sees the task and reports on its part."""
    seed_sectors()
    secretariat = api_token(user("thuky"))
    today = local_today().isoformat()

    def get(url, **params):
        response = client.get(url, {"on": today, **params}, headers=secretariat)
        assert response.status_code == 200, response.json()
        return response.json()

    bodies = get("/api/v1/bodies")
    body = next(b for b in bodies if b["key"] == "to-dieu-phoi-ha-noi")
    own = [
        a
        for a in get("/api/v1/agencies", body=body["id"], q="xay dung")
        if a["group"] == "own"
    ]
    [lead] = own
    [ministry] = get("/api/v1/agencies", kind="ministry", q="xay dung")
    [team] = get("/api/v1/teams", q="bac ninh")
    sector = get("/api/v1/tasks/sectors")[0]
    unit = next(u for u in get("/api/v1/region/units") if u["key"] == team["unit"])
    owner = get(f"/api/v1/bodies/{body['id']}/people", agency=lead["id"])[0]

    response = client.post(
        "/api/v1/tasks",
        {
            "body_id": body["id"],
            "title": "Kết nối hạ tầng giao thông với tỉnh Bắc Ninh",
            "assigned_on": today,
            "deadline": (local_today() + datetime.timedelta(days=60)).isoformat(),
            "lead_agency_id": lead["id"],
            "owner_id": owner["id"],
            "sector_id": sector["id"],
            "province_ids": [unit["id"]],
            "cooperating": [
                {"body_id": team["id"], "description": "Phần của tỉnh Bắc Ninh"},
                {"agency_id": ministry["id"], "description": "Ý kiến của Bộ"},
            ],
        },
        content_type="application/json",
        headers=secretariat,
    )
    assert response.status_code == 201, response.json()
    task = Task.objects.get(pk=response.json()["id"])
    assert task.lead_agency_id == lead["id"]
    assert {p.party_key for p in task.parts.all()} == {
        ("body", team["id"]),
        ("agency", ministry["id"]),
    }

    # A ministry cannot lead a Hanoi-team task: 422 on lead_agency.
    refused = client.post(
        "/api/v1/tasks",
        {
            "body_id": body["id"],
            "title": "Giao cho Bộ",
            "assigned_on": today,
            "lead_agency_id": ministry["id"],
        },
        content_type="application/json",
        headers=secretariat,
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"lead_agency_id"}

    bacninh = api_token(user("bacninh"))
    listed = client.get("/api/v1/tasks", headers=bacninh).json()["items"]
    assert task.pk in {t["id"] for t in listed}
    part = next(p for p in response.json()["cooperating"] if p["body"])
    report = client.post(
        f"/api/v1/tasks/{task.pk}/progress",
        {"percent": 20, "text": "Đã rà soát hướng tuyến", "part_id": part["id"]},
        content_type="application/json",
        headers=bacninh,
    )
    assert report.status_code == 201, report.json()
