"""The month, week and agenda pages."""

import datetime

import pytest
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today

from .conftest import make_tasks

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
PAGES = ["calendars:month", "calendars:week", "calendars:agenda"]


def month_param(day):
    return f"{day.year}-{day.month:02d}"


def week_param(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_goes_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login" in response["Location"]


def showing(name, day) -> dict:
    """The page's parameters that show ``day`` (a deadline two days ahead is
    in the next week on a Saturday, and in the next month on the 30th)."""
    if name == "calendars:month":
        return {"month": month_param(day)}
    if name == "calendars:week":
        return {"week": week_param(day)}
    return {}


@pytest.mark.parametrize("name", PAGES)
def test_member_sees_their_body_task_deadlines(login, member, tasks, name):
    response = login(member).get(reverse(name), showing(name, tasks["shared"].deadline))
    assert response.status_code == 200
    body = response.content.decode()
    shared = tasks["shared"]
    assert shared.title in body
    assert f'href="/tasks/{shared.pk}/"' in body
    assert tasks["done"].title not in body


@pytest.mark.parametrize("name", PAGES)
def test_outsider_sees_an_empty_calendar(login, outsider, tasks, name):
    response = login(outsider).get(
        reverse(name), showing(name, tasks["shared"].deadline)
    )
    assert response.status_code == 200
    assert tasks["shared"].title not in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_external_sees_only_the_shared_task(login, external, tasks, name):
    page = login(external).get(reverse(name), showing(name, tasks["shared"].deadline))
    body = page.content.decode()
    assert tasks["shared"].title in body
    assert tasks["own"][0].title not in body


def test_month_grid_starts_on_monday_highlights_today_and_uses_dd_mm(login, member):
    today = local_today()
    response = login(member).get(reverse("calendars:month"))
    body = response.content.decode()
    assert body.index("Thứ 2") < body.index("Chủ nhật")
    assert f'id="day-{today.isoformat()}"' in body
    assert 'aria-current="date"' in body
    assert response.context["grid"].weeks[0][0].day.weekday() == 0
    assert f"{today:%m/%Y}" in body


def test_month_navigation_by_query_param(login, member):
    response = login(member).get(reverse("calendars:month"), {"month": "2026-12"})
    assert response.status_code == 200
    assert "?month=2026-11" in response.context["prev_url"]
    assert "?month=2027-01" in response.context["next_url"]
    grid = response.context["grid"]
    assert grid.start == datetime.date(2026, 11, 30)
    assert grid.end == datetime.date(2027, 1, 4)


def test_a_full_day_shows_more_link(login, member, team, member_agency):
    day = local_today() + 5 * DAY
    for _ in range(5):
        make_tasks(team, member_agency, 1, first=day)
    response = login(member).get(
        reverse("calendars:month"), {"month": month_param(day)}
    )
    body = response.content.decode()
    assert "+2" in body
    assert f"start={day.isoformat()}&amp;end={day.isoformat()}" in body


def test_week_navigation_and_all_day_row(login, member, tasks):
    day = tasks["shared"].deadline
    response = login(member).get(reverse("calendars:week"), {"week": week_param(day)})
    assert response.status_code == 200
    grid = response.context["grid"]
    index = day.weekday()
    assert [
        i.event.title
        for i in grid.days[index].all_day
        if tasks["shared"].title in i.event.title
    ]
    monday = day - datetime.timedelta(days=index)
    assert f"week={week_param(monday - 7 * DAY)}" in response.context["prev_url"]


def test_agenda_chosen_range(login, member, tasks):
    day = tasks["shared"].deadline
    response = login(member).get(
        reverse("calendars:agenda"),
        {"start": f"{day:%d/%m/%Y}", "end": f"{day:%d/%m/%Y}"},
    )
    assert response.status_code == 200
    days = response.context["days"]
    assert [d.day for d in days] == [day]


def test_filters_by_kind_and_body(login, member, tasks, consultation, other_team):
    client = login(member)
    got = client.get(
        reverse("calendars:agenda"),
        {"kind": "proposals.round", "end": (local_today() + 60 * DAY).isoformat()},
    )
    kinds = {i.event.kind for d in got.context["days"] for i in d.items}
    assert kinds == {"proposals.round"}
    got = client.get(reverse("calendars:agenda"), {"body": other_team.pk})
    assert got.context["days"] == []


@pytest.mark.parametrize(
    "name,params,field",
    [
        ("calendars:month", {"month": "2026-13"}, "month"),
        ("calendars:month", {"month": "abc"}, "month"),
        ("calendars:week", {"week": "2026-W54"}, "week"),
        ("calendars:week", {"week": "49"}, "week"),
        ("calendars:agenda", {"start": "31/02/2026"}, "start"),
        ("calendars:agenda", {"start": "2026-01-10", "end": "2026-01-01"}, "end"),
        ("calendars:agenda", {"start": "2026-01-01", "end": "2028-01-01"}, "end"),
        ("calendars:month", {"body": "x"}, "body"),
        ("calendars:month", {"agency": "99999999999999999999999"}, "agency"),
        ("calendars:week", {"kind": "nope"}, "kind"),
    ],
)
def test_bad_params_give_a_message_not_an_error(
    login, member, tasks, name, params, field
):
    writes = AuditEvent.objects.writes().count()
    response = login(member).get(reverse(name), params)
    assert response.status_code == 200
    assert field in response.context["errors"]
    body = response.content.decode()
    assert 'id="calendar-errors"' in body
    assert tasks["shared"].title not in body
    assert AuditEvent.objects.writes().count() == writes


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("n", [5, 50])
def test_pages_keep_a_fixed_number_of_queries(
    login, member, team, member_agency, name, n, django_assert_max_num_queries
):
    make_tasks(team, member_agency, n, first=local_today().replace(day=1))
    client = login(member)
    params = {}
    if name == "calendars:agenda":
        params = {"start": local_today().replace(day=1).isoformat()}
    with django_assert_max_num_queries(12):
        response = client.get(reverse(name), params)
    assert response.status_code == 200
