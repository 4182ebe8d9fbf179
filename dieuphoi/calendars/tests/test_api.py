"""GET /api/v1/calendar/events."""

import datetime

import pytest

from dieuphoi.accounts.services import api_token_create
from dieuphoi.calendars import sources
from dieuphoi.core.models import local_today

from .conftest import make_tasks

pytestmark = pytest.mark.django_db
URL = "/api/v1/calendar/events"
DAY = datetime.timedelta(days=1)


def get(client, user, **params):
    _, raw = api_token_create(user=user, name="test")
    return client.get(URL, params, HTTP_AUTHORIZATION=f"Bearer {raw}")


def month():
    today = local_today()
    return {
        "start": (today - 10 * DAY).isoformat(),
        "end": (today + 30 * DAY).isoformat(),
    }


def uids(response):
    assert response.status_code == 200, response.content
    return {e["uid"] for e in response.json()["items"]}


def test_anonymous_gets_401(client):
    assert client.get(URL, month()).status_code == 401


def test_member_external_outsider(client, member, external, outsider, tasks):
    shared = sources.event_uid(f"task-{tasks['shared'].pk}-deadline")
    mine = uids(get(client, member, **month()))
    assert shared in mine and len(mine) == 4
    assert uids(get(client, external, **month())) == {shared}
    assert uids(get(client, outsider, **month())) == set()


def test_event_shape(client, member, tasks):
    items = get(client, member, **month(), kind="tasks.deadline").json()["items"]
    overdue = next(
        i for i in items if i["uid"].startswith(f"task-{tasks['overdue'].pk}-")
    )
    assert overdue["all_day"] is True
    assert overdue["start"] == tasks["overdue"].deadline.isoformat()
    assert overdue["overdue"] is True
    assert overdue["url"] == f"/tasks/{tasks['overdue'].pk}/"
    assert overdue["kind"] == "tasks.deadline"
    assert overdue["body_id"] == tasks["overdue"].body_id


def test_filters(client, member, tasks, other_team, member_agency):
    assert uids(get(client, member, **month(), body=other_team.pk)) == set()
    assert len(uids(get(client, member, **month(), agency=member_agency.pk))) == 4
    assert uids(get(client, member, **month(), kind="proposals.round")) == set()


@pytest.mark.parametrize(
    "params,field",
    [
        ({"start": "2026-01-01"}, "end"),
        ({"start": "01/01/2026", "end": "2026-02-01"}, "start"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"start": "2026-01-01", "end": "2027-03-01"}, "end"),
        ({"start": "2026-01-01", "end": "2026-02-01", "kind": "nope"}, "kind"),
        ({"start": "2026-01-01", "end": "2026-02-01", "body": "x"}, "body"),
        ({"start": "2026-01-01", "end": "2026-02-01", "agency": "0"}, "agency"),
        ({"start": "2026-01-01", "end": "2026-02-01", "bogus": "1"}, "bogus"),
    ],
)
def test_bad_input_is_422_with_the_field(client, member, params, field):
    response = get(client, member, **params)
    assert response.status_code == 422, response.content
    fields = {e["field"] for e in response.json()["errors"]}
    assert any(field in f for f in fields), fields


def test_outsider_bad_input_is_422_too(client, outsider):
    assert get(client, outsider, start="x", end="y").status_code == 422


@pytest.mark.parametrize("n", [5, 50])
def test_queries_do_not_grow(
    client, member, team, member_agency, n, django_assert_max_num_queries
):
    make_tasks(team, member_agency, n)
    _, raw = api_token_create(user=member, name="test")
    with django_assert_max_num_queries(8):
        response = client.get(URL, month(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert len(response.json()["items"]) == n
