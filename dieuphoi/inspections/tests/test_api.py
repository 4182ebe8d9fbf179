"""The inspections API: the same rules as the pages (401, 404 for who may
not see, 403 for who may not change, 422 at the field, 409 on a stale
version), keyset pages with a fixed number of queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dieuphoi.accounts.services import api_token_create
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.inspections import services
from dieuphoi.inspections.models import Finding, Inspection
from dieuphoi.tasks.models import Task

from .conftest import DAY, add_finding, make_inspection

pytestmark = pytest.mark.django_db
URL = "/api/v1"


class Api:
    def __init__(self, client, user):
        _, raw = api_token_create(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, **params):
        return self.client.get(URL + path, params, **self.headers)

    def post(self, path, data=None):
        return self.client.post(
            URL + path,
            json.dumps(data or {}, default=str),
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
    made = {}

    def get(user):
        # One token per user: a new token is an audited write.
        if user.pk not in made:
            made[user.pk] = Api(client, user)
        return made[user.pk]

    return get


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_anonymous_gets_401(client, inspection):
    assert client.get(f"{URL}/inspections").status_code == 401


def test_list_scoped_and_keyset(
    api, team, secretariat, member, external, outsider, member_agency, inspection
):
    for i in range(4):
        make_inspection(team, secretariat, [member_agency], code=f"T-{i}")
    page = api(member).get("/inspections", limit=3).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = api(member).get("/inspections", limit=3, cursor=page["next_cursor"]).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = {i["id"] for i in page["items"] + rest["items"]}
    assert len(ids) == 5 and inspection.pk in ids
    for user in (external, outsider):
        assert api(user).get("/inspections").json()["items"] == []
    response = api(member).get("/inspections", cursor="!!")
    assert response.status_code == 422 and "cursor" in fields(response)
    response = api(member).get("/inspections", kind="other")
    assert response.status_code == 422 and "kind" in fields(response)


def test_list_queries_fixed(api, team, secretariat, member_agency):
    def make(n, start):
        for i in range(start, start + n):
            ins = make_inspection(team, secretariat, [member_agency], code=f"Q-{i}")
            Inspection.objects.filter(pk=ins.pk).update(state="in_progress")
            ins.refresh_from_db()
            f = add_finding(ins, secretariat, member_agency)
            services.finding_convert(actor=secretariat, finding=f)

    client = api(secretariat)
    make(5, 0)
    client.get("/inspections")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/inspections", limit=50)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    few, n = count()
    assert n == 5
    make(45, 5)
    many, n = count()
    assert n == 50
    assert few == many <= 8


def test_create_and_errors(
    api, team, secretariat, member, member_agency, standing_agency
):
    payload = {
        "title": "Kiểm tra qua API",
        "planned_on": local_today().isoformat(),
        "subject_agency_ids": [member_agency.pk],
        "period_from": "2026-03-01",
        "period_to": "2026-02-01",
    }
    api(secretariat)
    before = AuditEvent.objects.writes().count()
    response = api(secretariat).post("/inspections", payload)
    assert response.status_code == 422
    assert "period_to" in fields(response)
    assert AuditEvent.objects.writes().count() == before
    response = api(secretariat).post(
        "/inspections", {**payload, "period_to": None, "subject_agency_ids": [987654]}
    )
    assert response.status_code == 422 and "subject_agency_ids" in fields(response)
    assert (
        api(member).post("/inspections", {**payload, "period_to": None}).status_code
        == 403
    )
    response = api(secretariat).post("/inspections", {**payload, "period_to": None})
    assert response.status_code == 201
    data = response.json()
    assert data["code"].startswith("KT-") and data["can_change"] is True
    assert data["followup"]["tasks"] == 0
    assert not Inspection.objects.exclude(pk=data["id"]).exists()


def test_get_patch_and_conflict(
    api, inspection, secretariat, deputy, member, external, outsider
):
    path = f"/inspections/{inspection.pk}"
    assert api(member).get(path).json()["can_change"] is False
    for user in (external, outsider):
        assert api(user).get(path).status_code == 404
    assert (
        api(member)
        .patch(path, {"version": inspection.version, "place": "X"})
        .status_code
        == 403
    )
    response = api(deputy).patch(
        path, {"version": inspection.version, "place": "Hội trường"}
    )
    assert response.status_code == 200 and response.json()["place"] == "Hội trường"
    response = api(secretariat).patch(
        path, {"version": inspection.version, "place": "Khác"}
    )
    assert response.status_code == 409
    assert Inspection.objects.get().place == "Hội trường"
    response = api(secretariat).patch(
        path, {"version": inspection.version + 1, "title": None}
    )
    assert response.status_code == 422 and "title" in fields(response)
    assert api(secretariat).get("/inspections/987654").status_code == 404


def test_findings_and_convert(
    api, inspection, findings, secretariat, member, external, standing_agency
):
    path = f"/inspections/{inspection.pk}/findings"
    page = api(member).get(path, limit=2).json()
    assert [f["order"] for f in page["items"]] == [1, 2] and page["next_cursor"]
    rest = api(member).get(path, limit=2, cursor=page["next_cursor"]).json()
    assert [f["order"] for f in rest["items"]] == [3]
    assert api(external).get(path).status_code == 404
    response = api(secretariat).post(
        path, {"description": "Phát hiện API", "agency_id": standing_agency.pk}
    )
    assert response.status_code == 422 and "agency_id" in fields(response)
    assert api(member).post(path, {"description": "x"}).status_code == 403
    response = api(secretariat).post(
        path, {"description": "Phát hiện API", "severity": "low"}
    )
    assert response.status_code == 201 and response.json()["order"] == 4
    convert = f"{path}/{findings[0].pk}/task"
    assert api(member).post(convert).status_code == 403
    assert api(external).post(convert).status_code == 404
    response = api(secretariat).post(convert)
    assert response.status_code == 201
    task = Task.objects.get()
    assert response.json()["task"]["id"] == task.pk
    before = AuditEvent.objects.writes().count()
    response = api(secretariat).post(convert)
    assert response.status_code == 422 and "task" in fields(response)
    assert AuditEvent.objects.writes().count() == before
    response = api(secretariat).post(f"{path}/{findings[2].pk}/task")
    assert response.status_code == 422
    assert {"recommendation", "agency_id"} <= fields(response)
    assert Task.objects.count() == 1
    detail = api(member).get(f"/inspections/{inspection.pk}").json()
    assert detail["followup"]["converted"] == 1
    assert detail["followup"]["in_progress_within_deadline"] == 1


def test_a_finding_of_another_inspection_is_404(
    api, team, secretariat, inspection, findings, member_agency
):
    other = make_inspection(team, secretariat, [member_agency])
    response = api(secretariat).post(
        f"/inspections/{other.pk}/findings/{findings[0].pk}/task"
    )
    assert response.status_code == 404
    assert not Finding.objects.filter(converted_at__isnull=False).exists()
    assert DAY


def test_a_visit_without_time_zone_is_hanoi_time(api, inspection, secretariat):
    path = f"/inspections/{inspection.pk}"
    response = api(secretariat).patch(
        path,
        {
            "version": inspection.version,
            "visit_from": "2026-11-20T08:00:00",
            "visit_to": "2026-11-20T07:00:00",
        },
    )
    assert response.status_code == 422 and "visit_to" in fields(response)
    response = api(secretariat).patch(
        path,
        {
            "version": inspection.version,
            "visit_from": "2026-11-20T08:00:00",
            "visit_to": "2026-11-20T12:00:00",
        },
    )
    assert response.status_code == 200
    assert response.json()["visit_from"].startswith("2026-11-20T01:00:00")
