"""Key projects API: the same rules as the pages (401, 404 for who may not
see, 403 for who may not change, 422 at the field, 409 on a stale
version), keyset pages with a fixed number of queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dieuphoi.accounts.services import api_token_create
from dieuphoi.core.models import local_today
from dieuphoi.keyprojects.models import KeyProject, Milestone

from .conftest import DAY, make_project

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


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@pytest.fixture
def payload(member_agency, units, decision):
    return {
        "code": "DA-CHN",
        "name": "Cầu Hồng Hà",
        "investor": "Ban Quản lý dự án giao thông",
        "decided_on": "2025-08-01",
        "lead_agency_id": member_agency.pk,
        "location_ids": [units["hanoi"].pk],
        "decision_document_ids": [decision.pk],
        "capital_central": 1_000_000,
        "capital_city": "2.000.000",
        "total_investment": 3_000_000,
        "starts_on": "2025-09-01",
    }


def test_requires_a_token(client, project):
    assert client.get(URL + "/key-projects").status_code == 401
    assert client.get(f"{URL}/key-projects/{project.pk}").status_code == 401


def test_outsider_sees_nothing_and_changes_nothing(api, outsider, project, milestones):
    client = api(outsider)
    assert client.get("/key-projects").json()["items"] == []
    assert client.get(f"/key-projects/{project.pk}").status_code == 404
    assert client.get(f"/key-projects/{project.pk}/milestones").status_code == 404
    late = milestones["late"]
    response = client.patch(
        f"/key-projects/{project.pk}/milestones/{late.pk}",
        {"version": 1, "actual_on": local_today().isoformat()},
    )
    assert response.status_code == 404
    response = client.patch(f"/key-projects/{project.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 404
    response = client.post(
        f"/key-projects/{project.pk}/milestones",
        {"name": "x", "planned_on": "2026-01-01", "responsible_agency_id": 1},
    )
    assert response.status_code == 404
    assert client.post("/key-projects", {"code": "x"}).status_code == 422
    late.refresh_from_db()
    assert late.actual_on is None


def test_outsider_cannot_create(api, outsider, payload):
    response = api(outsider).post("/key-projects", payload)
    assert response.status_code == 403
    assert not KeyProject.objects.exists()


def test_external_reads_its_province_projects_only(
    api, external, project, hanoi_only, milestones
):
    client = api(external)
    ids = [p["id"] for p in client.get("/key-projects").json()["items"]]
    assert ids == [project.pk]
    body = client.get(f"/key-projects/{project.pk}").json()
    assert body["tasks"] is None and body["can_change"] is False
    assert client.get(f"/key-projects/{hanoi_only.pk}").status_code == 404
    response = client.patch(f"/key-projects/{project.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 403
    late = milestones["late"]
    response = client.patch(
        f"/key-projects/{project.pk}/milestones/{late.pk}",
        {"version": 1, "actual_on": local_today().isoformat()},
    )
    assert response.status_code == 403


def test_create_get_and_list(api, secretariat, payload, team):
    client = api(secretariat)
    response = client.post("/key-projects", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["capital"] == {
        "central": 1_000_000,
        "city": 2_000_000,
        "provinces": None,
        "other": None,
        "total": 3_000_000,
    }
    assert body["can_change"] is True and body["tasks"] == []
    got = client.get(f"/key-projects/{body['id']}").json()
    assert got["code"] == "DA-CHN" and got["version"] == 1
    items = client.get("/key-projects").json()["items"]
    assert [p["id"] for p in items] == [body["id"]]
    assert items[0]["milestones_total"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total_investment": 4_000_000}, "total_investment"),
        ({"capital_city": -5}, "capital_city"),
        ({"capital_other": "abc"}, "capital_other"),
        ({"lead_agency_id": 987654}, "lead_agency_id"),
        ({"location_ids": [987654]}, "location_ids"),
        ({"decided_on": "01/08/2025"}, "decided_on"),
        ({"code": ""}, "code"),
        ({"ends_on": "2025-01-01"}, "ends_on"),
    ],
)
def test_create_422_at_the_field(api, secretariat, payload, change, field):
    response = api(secretariat).post("/key-projects", {**payload, **change})
    assert response.status_code == 422
    assert field in fields(response)
    assert not KeyProject.objects.exists()


def test_patch_and_conflict(api, secretariat, project):
    client = api(secretariat)
    response = client.patch(
        f"/key-projects/{project.pk}", {"version": 1, "state": "in_operation"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    response = client.patch(
        f"/key-projects/{project.pk}", {"version": 1, "name": "Tên cũ"}
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    project.refresh_from_db()
    assert project.name != "Tên cũ"
    # The amounts together: a bad sum is at the field, nothing written.
    response = client.patch(
        f"/key-projects/{project.pk}",
        {"version": 2, "capital_central": 5, "total_investment": 6},
    )
    assert response.status_code == 422 and fields(response) == {"total_investment"}
    response = client.patch(f"/key-projects/{project.pk}", {"version": 2, "name": None})
    assert response.status_code == 422 and fields(response) == {"name"}


def test_member_may_read_but_not_patch(api, member, project):
    client = api(member)
    assert client.get(f"/key-projects/{project.pk}").status_code == 200
    response = client.patch(f"/key-projects/{project.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 403


def test_milestones_add_list_and_complete(api, secretariat, project, member_agency):
    client = api(secretariat)
    for i in range(3):
        response = client.post(
            f"/key-projects/{project.pk}/milestones",
            {
                "name": f"Mốc {i}",
                "planned_on": (local_today() + (i + 1) * DAY).isoformat(),
                "responsible_agency_id": member_agency.pk,
            },
        )
        assert response.status_code == 201, response.json()
    first = client.get(f"/key-projects/{project.pk}/milestones", limit=2).json()
    assert [m["name"] for m in first["items"]] == ["Mốc 0", "Mốc 1"]
    rest = client.get(
        f"/key-projects/{project.pk}/milestones", cursor=first["next_cursor"]
    ).json()
    assert [m["name"] for m in rest["items"]] == ["Mốc 2"]
    assert rest["next_cursor"] is None
    bad = client.get(f"/key-projects/{project.pk}/milestones", cursor="???")
    assert bad.status_code == 422 and "cursor" in fields(bad)
    milestone = first["items"][0]
    response = client.patch(
        f"/key-projects/{project.pk}/milestones/{milestone['id']}",
        {"version": milestone["version"], "actual_on": local_today().isoformat()},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done" and response.json()["version"] == 2
    # The same version again: 409.
    response = client.patch(
        f"/key-projects/{project.pk}/milestones/{milestone['id']}",
        {"version": milestone["version"], "note": "x"},
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"planned_on": "2020-01-01"}, "planned_on"),
        ({"responsible_agency_id": 987654}, "responsible_agency_id"),
        ({"phase_id": 987654}, "phase_id"),
        ({"name": ""}, "name"),
        ({"actual_on": "2999-01-01"}, "actual_on"),
    ],
)
def test_milestone_422_at_the_field(
    api, secretariat, project, member_agency, data, field
):
    base = {
        "name": "Mốc",
        "planned_on": (local_today() + DAY).isoformat(),
        "responsible_agency_id": member_agency.pk,
    }
    response = api(secretariat).post(
        f"/key-projects/{project.pk}/milestones", {**base, **data}
    )
    assert response.status_code == 422
    assert field in fields(response)
    assert not Milestone.objects.exists()


def test_milestone_patch_rejects_an_early_actual_date(
    api, secretariat, project, milestones
):
    late = milestones["late"]
    response = api(secretariat).patch(
        f"/key-projects/{project.pk}/milestones/{late.pk}",
        {"version": 1, "actual_on": "2025-07-01"},
    )
    assert response.status_code == 422 and fields(response) == {"actual_on"}
    late.refresh_from_db()
    assert late.actual_on is None


def test_a_milestone_of_another_project_is_404(
    api, secretariat, project, hanoi_only, milestones
):
    late = milestones["late"]
    response = api(secretariat).patch(
        f"/key-projects/{hanoi_only.pk}/milestones/{late.pk}",
        {"version": 1, "note": "x"},
    )
    assert response.status_code == 404


def test_unknown_query_parameters_are_refused(api, secretariat):
    response = api(secretariat).get("/key-projects", lead_agncy=5)
    assert response.status_code == 422


def test_list_query_count_is_fixed(api, team, secretariat, member_agency, units):
    client = api(secretariat)
    client.get("/key-projects")  # the token's last use is written once a minute

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/key-projects", limit=200).status_code == 200
        return len(ctx.captured_queries)

    def add(n, start):
        for i in range(start, start + n):
            project = make_project(
                team,
                secretariat,
                member_agency,
                code=f"API-{i:03d}",
                locations=[units["hanoi"]],
            )
            Milestone.objects.create(
                project=project,
                name="Mốc",
                planned_on=local_today() - DAY,
                responsible_agency=member_agency,
            )

    add(5, 0)
    few = count()
    add(45, 5)
    many = count()
    assert few == many
    assert many <= 8
