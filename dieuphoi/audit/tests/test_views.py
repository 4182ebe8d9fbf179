import datetime
import re
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from dieuphoi.audit.services import audit_record
from dieuphoi.audit.views import PAGE_SIZE
from dieuphoi.org.models import Body
from dieuphoi.org.tests.factories import UserFactory

URL = reverse("audit:list")
HX = {"HX-Request": "true"}


def make_events(actor, target, count, action="org.body_update"):
    return [
        audit_record(
            actor=actor,
            action=action,
            target=target,
            changes={"name": {"before": f"old {i}", "after": f"new {i}"}},
        )
        for i in range(count)
    ]


def shown_ids(response):
    # From the HTML: an HTMX fragment has no response.context to look at.
    return [
        int(pk)
        for pk in re.findall(r'<tr id="audit-event-(\d+)"', response.content.decode())
    ]


@pytest.mark.parametrize(
    "role",
    [
        "leader",
        "deputy",
        "secretariat",
        "member",
        "external",
        "leadership_viewer",
        "outsider",
    ],
)
def test_audit_list_is_forbidden_to_everyone_but_administrators(request, login, role):
    user = request.getfixturevalue(role)
    response = login(user).get(URL)
    assert response.status_code == 403
    assert response.templates[0].name == "403.html"


def test_audit_list_sends_anonymous_users_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_audit_list_shows_events_newest_first(login, admin_user, hanoi_team):
    events = make_events(admin_user, hanoi_team, 3)
    response = login(admin_user).get(URL)
    assert response.status_code == 200
    assert shown_ids(response) == [e.pk for e in reversed(events)]
    html = response.content.decode()
    assert "old 2" in html
    assert "new 2" in html
    assert hanoi_team.short_name in html


def test_audit_list_escapes_stored_values(login, admin_user, hanoi_team):
    audit_record(
        actor=admin_user,
        action="org.body_update",
        target=hanoi_team,
        changes={"name": {"before": "<b>x</b>", "after": "<script>alert(1)</script>"}},
    )
    html = login(admin_user).get(URL).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_audit_list_shows_time_as_dd_mm_yyyy(login, admin_user, hanoi_team):
    moment = datetime.datetime(2025, 3, 4, 1, 30, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        make_events(admin_user, hanoi_team, 1)
    html = login(admin_user).get(URL).content.decode()
    assert "04/03/2025 08:30" in html  # Asia/Ho_Chi_Minh is UTC+7


def test_audit_list_filters_by_action_prefix(login, admin_user, hanoi_team, member):
    make_events(admin_user, hanoi_team, 2, action="org.body_update")
    wanted = make_events(admin_user, member, 1, action="accounts.token_create")
    response = login(admin_user).get(URL, {"action": "accounts."})
    assert shown_ids(response) == [wanted[0].pk]


def test_audit_list_filters_by_actor(login, admin_user, leader, hanoi_team):
    make_events(admin_user, hanoi_team, 2)
    wanted = make_events(leader, hanoi_team, 1)
    response = login(admin_user).get(URL, {"actor": leader.pk})
    assert shown_ids(response) == [wanted[0].pk]


def test_audit_list_filters_by_object_type(login, admin_user, hanoi_team, member):
    make_events(admin_user, member, 2, action="accounts.user_update")
    wanted = make_events(admin_user, hanoi_team, 1)
    body_type = ContentType.objects.get_for_model(Body)
    response = login(admin_user).get(URL, {"target_type": body_type.pk})
    assert shown_ids(response) == [wanted[0].pk]


def test_audit_list_filters_by_dd_mm_yyyy_date_range(login, admin_user, hanoi_team):
    def at(day):
        moment = datetime.datetime(2025, 3, day, 12, tzinfo=datetime.UTC)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            return make_events(admin_user, hanoi_team, 1)[0]

    at(1)
    inside = [at(5), at(6)]
    at(9)
    response = login(admin_user).get(
        URL, {"date_from": "05/03/2025", "date_to": "06/03/2025"}
    )
    assert shown_ids(response) == [inside[1].pk, inside[0].pk]
    response = login(admin_user).get(
        URL, {"date_from": "2025-03-05", "date_to": "2025-03-05"}
    )
    assert shown_ids(response) == [inside[0].pk]


def test_audit_list_reports_bad_filters_at_the_field(login, admin_user, hanoi_team):
    make_events(admin_user, hanoi_team, 1)
    response = login(admin_user).get(
        URL, {"date_from": "32/01/2025", "date_to": "01/01/2025"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_date_from_error"' in html
    assert shown_ids(response) == []


def test_audit_list_rejects_an_end_before_the_start(login, admin_user):
    response = login(admin_user).get(
        URL, {"date_from": "05/03/2025", "date_to": "01/03/2025"}
    )
    assert 'id="id_date_to_error"' in response.content.decode()


def test_audit_list_loads_more_by_keyset(login, admin_user, hanoi_team):
    events = make_events(admin_user, hanoi_team, PAGE_SIZE + 3)
    newest_first = [e.pk for e in reversed(events)]
    client = login(admin_user)
    first = client.get(URL)
    assert shown_ids(first) == newest_first[:PAGE_SIZE]
    html = first.content.decode()
    assert 'id="audit-more"' in html
    next_url = re.search(r'hx-get="([^"]+)" hx-target="#audit-more"', html).group(1)
    assert f"before={newest_first[PAGE_SIZE - 1]}" in next_url

    more = client.get(URL, {"before": newest_first[PAGE_SIZE - 1]}, headers=HX)
    fragment = more.content.decode()
    assert "<html" not in fragment
    assert "<table" not in fragment
    assert shown_ids(more) == newest_first[PAGE_SIZE:]
    assert 'id="audit-more"' not in fragment  # nothing left to load


def test_audit_list_keeps_the_filter_when_loading_more(login, admin_user, hanoi_team):
    make_events(admin_user, hanoi_team, PAGE_SIZE + 1, action="org.body_update")
    html = login(admin_user).get(URL, {"action": "org."}).content.decode()
    next_url = re.search(r'hx-get="([^"]+)" hx-target="#audit-more"', html).group(1)
    assert "action=org." in next_url


def test_audit_list_filter_over_htmx_returns_the_table(login, admin_user, hanoi_team):
    make_events(admin_user, hanoi_team, 2)
    response = login(admin_user).get(URL, {"action": "org."}, headers=HX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="audit-table">')
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [5, 50])
def test_audit_list_query_count_is_fixed(
    login, admin_user, hanoi_team, member, count, django_assert_num_queries
):
    half = count // 2
    make_events(admin_user, hanoi_team, half)
    make_events(member, member, count - half, action="accounts.token_create")
    client = login(admin_user)
    # session, user, events (with actor and type), actor choices, type choices
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(shown_ids(response)) == count


@pytest.mark.parametrize("count", [5, 50])
def test_audit_load_more_query_count_is_fixed(
    login, admin_user, hanoi_team, count, django_assert_num_queries
):
    events = make_events(admin_user, hanoi_team, count + 1)
    client = login(admin_user)
    # session, user, events
    with django_assert_num_queries(3):
        response = client.get(URL, {"before": events[-1].pk}, headers=HX)
    assert len(shown_ids(response)) == count


def test_audit_list_keeps_the_name_of_a_deleted_actor(login, admin_user, hanoi_team):
    gone = UserFactory(username="gone", full_name="Trần Thị Đã Nghỉ")
    event = make_events(gone, hanoi_team, 1)[0]
    gone.delete()
    response = login(admin_user).get(URL)
    assert shown_ids(response) == [event.pk]
    assert "Trần Thị Đã Nghỉ" in response.content.decode()
