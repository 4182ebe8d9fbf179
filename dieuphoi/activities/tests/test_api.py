"""Activities API: the page's rules (401, 404 for who may not see, 403 for
who may not change, 422 at the field, 409 when stale), keyset lists with a
fixed number of queries."""

import datetime
import json

import pytest

from dieuphoi.accounts.services import api_token_create
from dieuphoi.activities import services
from dieuphoi.activities.models import Activity, Invitee
from dieuphoi.audit.models import AuditEvent
from dieuphoi.tasks.models import Task

from .conftest import at

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
            URL + path, json.dumps(data, default=str),
            content_type="application/json", **self.headers,
        )  # fmt: skip

    def patch(self, path, data):
        return self.client.patch(
            URL + path, json.dumps(data, default=str),
            content_type="application/json", **self.headers,
        )  # fmt: skip


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


def test_anonymous_gets_401(client, meeting):
    assert client.get(f"{URL}/activities").status_code == 401
    assert client.get(f"{URL}/activities/{meeting.pk}").status_code == 401


def test_the_list_is_scoped(
    api, meeting, external, phu_tho_user, outsider, secretariat
):
    for user, expected in (
        (secretariat, [meeting.pk]),
        (external, [meeting.pk]),
        (phu_tho_user, []),
        (outsider, []),
    ):
        r = api(user).get("/activities")
        assert r.status_code == 200
        assert [i["id"] for i in r.json()["items"]] == expected


def test_detail_404_for_a_team_not_invited_and_an_outsider(
    api, meeting, phu_tho_user, outsider, external
):
    assert api(phu_tho_user).get(f"/activities/{meeting.pk}").status_code == 404
    assert api(outsider).get(f"/activities/{meeting.pk}").status_code == 404
    body = api(external).get(f"/activities/{meeting.pk}").json()
    assert body["uid"] == meeting.uid and body["can_change"] is False


def test_create_end_before_start_is_422_and_writes_nothing(api, team, secretariat):
    client = api(secretariat)
    before = AuditEvent.objects.writes().count()
    r = client.post(
        "/activities",
        {"kind": "joint_meeting", "title": "Họp", "place": "Phòng họp",
         "starts_at": "2031-03-10T09:00:00+07:00", "ends_at": "2031-03-10T08:00:00+07:00"},
    )  # fmt: skip
    assert r.status_code == 422
    assert any(e["field"] == "ends_at" for e in r.json()["errors"])
    assert AuditEvent.objects.writes().count() == before


def test_create_reads_a_naive_time_in_hanoi(api, team, secretariat, other_team):
    r = api(secretariat).post(
        "/activities",
        {"kind": "working_session", "title": "Làm việc", "online_link": "https://meet.example.org/x",
         "starts_at": "2031-03-10T09:00:00", "ends_at": "2031-03-10T11:00:00",
         "invitees": [{"body_id": other_team.pk}]},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["starts_at"].startswith("2031-03-10T02:00:00")


def test_patch_conflict_and_forbidden(api, meeting, secretariat, external, member):
    r = api(secretariat).patch(
        f"/activities/{meeting.pk}", {"version": 99, "title": "X"}
    )
    assert r.status_code == 409 and r.json()["current_version"] == meeting.version
    assert (
        api(external)
        .patch(f"/activities/{meeting.pk}", {"version": 1, "title": "X"})
        .status_code
        == 403
    )
    assert (
        api(member)
        .patch(f"/activities/{meeting.pk}", {"version": 1, "title": "X"})
        .status_code
        == 403
    )
    r = api(secretariat).patch(
        f"/activities/{meeting.pk}",
        {"version": meeting.version, "starts_at": at(9).isoformat(), "ends_at": at(9, 11).isoformat()},
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["sequence"] == 1


def test_responses_by_the_invited_team(
    api, meeting, external, phu_tho_user, other_team
):
    r = api(external).post(
        f"/activities/{meeting.pk}/responses", {"response": "delegate"}
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"delegate_name", "delegate_position"} <= fields
    r = api(external).post(
        f"/activities/{meeting.pk}/responses",
        {"response": "delegate", "delegate_name": "Trần Văn Bình", "delegate_position": "Phó phòng"},
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["response"] == "delegate"
    assert (
        Invitee.objects.get(activity=meeting, body=other_team).delegate_name
        == "Trần Văn Bình"
    )
    assert (
        api(phu_tho_user)
        .post(f"/activities/{meeting.pk}/responses", {"response": "attend"})
        .status_code
        == 404
    )
    rows = api(external).get(f"/activities/{meeting.pk}/responses").json()
    mine = [r for r in rows if r["can_respond"]]
    assert [r["party_id"] for r in mine] == [other_team.pk]


def test_conclusions_and_convert_once(
    api, meeting, secretariat, other_team, member_agency, external
):
    invitee = meeting.invitees.get(body=other_team)
    services.attendance_record(
        actor=secretariat, activity=meeting, version=meeting.version,
        rows=[{"invitee": invitee.pk, "attended": "yes", "attendee_name": "A"}],
        now=meeting.starts_at,
    )  # fmt: skip
    deadline = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()
    r = api(secretariat).post(
        f"/activities/{meeting.pk}/conclusions",
        {"text": "Rà soát", "lead_agency_id": member_agency.pk,
         "cooperating_body_ids": [other_team.pk], "deadline": deadline},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert (
        api(external)
        .post(f"/activities/{meeting.pk}/conclusions/{cid}/tasks", {})
        .status_code
        == 403
    )
    r = api(secretariat).post(f"/activities/{meeting.pk}/conclusions/{cid}/tasks", {})
    assert r.status_code == 201, r.content
    task = Task.objects.get(pk=r.json()["tasks"][0]["id"])
    assert task.source_id == cid
    count = Task.objects.count()
    r = api(secretariat).post(f"/activities/{meeting.pk}/conclusions/{cid}/tasks", {})
    assert r.status_code == 422 and Task.objects.count() == count
    listed = api(external).get(f"/activities/{meeting.pk}/conclusions").json()
    assert listed[0]["tasks"][0]["code"] == task.code


def _many(team, secretariat, other_team, n):
    for k in range(n):
        services.activity_create(
            actor=secretariat, body=team, kind=Activity.Kind.WORKING_SESSION,
            title=f"Làm việc {k}", starts_at=at(3 + k % 20, 8), ends_at=at(3 + k % 20, 10),
            place="Phòng họp", invitees=[other_team],
        )  # fmt: skip


@pytest.mark.parametrize("n", [5, 50])
def test_the_list_has_a_fixed_number_of_queries(
    api, team, secretariat, other_team, external, n, django_assert_max_num_queries
):
    _many(team, secretariat, other_team, n)
    client = api(external)
    with django_assert_max_num_queries(8):
        r = client.get("/activities", limit=200)
    assert len(r.json()["items"]) == n
    page = api(secretariat).get("/activities", limit=3).json()
    rest = (
        api(secretariat)
        .get("/activities", limit=200, cursor=page["next_cursor"])
        .json()
    )
    ids = [i["id"] for i in page["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == n
    assert api(secretariat).get("/activities", cursor="bad!").status_code == 422


def test_a_year_out_of_range_is_422(api, team, secretariat):
    r = api(secretariat).post(
        "/activities",
        {"kind": "joint_meeting", "title": "Họp", "place": "Phòng họp",
         "starts_at": "0001-01-01T09:00:00+07:00", "ends_at": "0001-01-01T10:00:00+07:00"},
    )  # fmt: skip
    assert r.status_code == 422
