"""tasks:extension-list: the extension requests of the tasks a user sees."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from dieuphoi.audit.models import AuditEvent
from dieuphoi.org.permissions import clear_role_cache
from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.tasks.extensions import selectors as extension_selectors
from dieuphoi.tasks.extensions import services as extensions
from dieuphoi.tasks.models import ExtensionRequest, Task
from dieuphoi.tasks.permissions import clear_seat_cache

from .factories import TaskFactory, TaskPartFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("tasks:extension-list")
R = ExtensionRequest.State


@pytest.fixture(autouse=True)
def english(settings):
    """Assert the English source messages (the Vietnamese ones are merged
    later)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def fresh(user):
    clear_seat_cache(user)
    clear_role_cache(user)
    return user


def request_ext(task, user, *, days=20):
    return extensions.extension_request_create(
        actor=fresh(user),
        task=task,
        requested_deadline=task.deadline + days * DAY,
        reason="Chờ ý kiến thẩm định của Bộ",
    )


def decide(task, extension, leader, decision="approve", reason=""):
    return extensions.extension_request_decide(
        actor=fresh(leader),
        task=task,
        extension=extension,
        decision=decision,
        deadline=None,
        reason=reason,
    )


def row_ids(html: str, extensions_) -> list[int]:
    """The pks of ``extensions_`` in the order their rows appear."""
    found = [
        (html.index(f'id="extension-row-{e.pk}"'), e.pk)
        for e in extensions_
        if f'id="extension-row-{e.pk}"' in html
    ]
    return [pk for _pos, pk in sorted(found)]


def age(extension, days):
    """Make ``extension`` requested ``days`` ago."""
    ExtensionRequest.objects.filter(pk=extension.pk).update(
        created_at=extension.created_at - days * DAY
    )


def test_pending_requests_come_first_oldest_first_then_decided(
    login, make_task, member, leader
):
    tasks = [make_task() for _ in range(4)]
    decided = request_ext(tasks[0], member)
    decide(tasks[0], decided, leader)
    young = request_ext(tasks[1], member)
    old = request_ext(tasks[2], member)
    age(old, 5)
    refused = request_ext(tasks[3], member)
    decide(tasks[3], refused, leader, decision="refuse", reason="Không đủ căn cứ")
    all_ = [decided, young, old, refused]
    response = login(member).get(LIST)
    assert response.status_code == 200
    order = row_ids(response.content.decode(), all_)
    assert order[:2] == [old.pk, young.pk]
    assert set(order[2:]) == {decided.pk, refused.pk}


def test_a_row_shows_the_columns(login, make_task, member, leader, today):
    task = make_task(code="NV-2026-0007", title="Cải tạo đê hữu Hồng")
    extension = request_ext(task, member)
    old_deadline = task.deadline
    task.refresh_from_db()
    decide(task, extension, leader)
    html = login(member).get(LIST).content.decode()
    assert reverse("tasks:detail", args=[task.pk]) in html
    assert "NV-2026-0007" in html
    assert "Cải tạo đê hữu Hồng" in html
    assert extension.agency.name in html
    assert old_deadline.strftime("%d/%m/%Y") in html
    assert (old_deadline + 20 * DAY).strftime("%d/%m/%Y") in html
    assert today.strftime("%d/%m/%Y") in html
    assert "Approved" in html
    assert str(leader) in html


def test_the_filters_keep_to_the_state_and_the_requesting_agency(
    login, make_task, member, leader, coop_agency, hanoi_team
):
    other = make_task()
    pending = request_ext(make_task(), member)
    approved = request_ext(other, member)
    decide(other, approved, leader)
    from dieuphoi.org.models import Membership
    from dieuphoi.org.tests.factories import MembershipFactory, UserFactory

    focal = UserFactory(username="coop-focal", agency=coop_agency)
    MembershipFactory(
        person=focal,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=coop_agency,
        valid_from=datetime.date(2022, 12, 1),
    )
    coop = request_ext(make_task(lead_agency=coop_agency), focal)
    all_ = [pending, approved, coop]
    client = login(leader)

    def shown(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return set(row_ids(response.content.decode(), all_))

    assert shown() == {pending.pk, approved.pk, coop.pk}
    assert shown(state="pending") == {pending.pk, coop.pk}
    assert shown(state="approved") == {approved.pk}
    assert shown(agency=coop_agency.pk) == {coop.pk}
    assert shown(state="pending", agency=pending.agency_id) == {pending.pk}


@pytest.mark.parametrize(
    "params",
    [{"state": "lost"}, {"agency": "x"}, {"agency": "999999"}, {"after": "bm9wZQ"}],
)
def test_bad_filters_show_a_message_and_no_rows(login, make_task, member, params):
    extension = request_ext(make_task(), member)
    response = login(member).get(LIST, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="extension-filter-errors"' in html
    assert f'id="extension-row-{extension.pk}"' not in html


def test_load_more_pages_through_every_request_once(
    login, make_task, member, leader, monkeypatch
):
    monkeypatch.setattr(extension_selectors, "LIST_PAGE_SIZE", 2)
    made = []
    for i in range(5):
        task = make_task()
        extension = request_ext(task, member)
        if i % 2:
            decide(task, extension, leader)
        made.append(extension)
    client = login(member)
    html = client.get(LIST).content.decode()
    seen = row_ids(html, made)
    assert len(seen) == 2
    while 'id="extension-rows-more"' in html:
        start = html.index('id="extension-rows-more"')
        href = html[html.index('href="', start) + 6 :]
        html = client.get(href[: href.index('"')].replace("&amp;", "&"), **HX)
        html = html.content.decode()
        assert "<html" not in html
        assert 'id="extension-filters"' not in html
        seen += row_ids(html, made)
    assert sorted(seen) == sorted(e.pk for e in made)
    assert len(seen) == len(set(seen))


def test_the_filter_form_over_htmx_returns_only_the_page_fragment(
    login, make_task, member
):
    extension = request_ext(make_task(), member)
    response = login(member).get(LIST, {"state": "pending"}, **HX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="extension-page">')
    assert f'id="extension-row-{extension.pk}"' in html


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_the_same_queries_for_5_and_50_requests(
    count, login, make_task, member, leader, django_assert_num_queries
):
    for i in range(count):
        task = make_task()
        TaskPartFactory(task=task, agency=AgencyFactory())
        extension = request_ext(task, member)
        if i % 2:
            decide(task, extension, leader)
    for user in (member, leader):
        client = login(fresh(user))
        # session, user (with the seats), agency choices, rows
        with django_assert_num_queries(4):
            response = client.get(LIST)
        assert response.content.decode().count('id="extension-row-') == count


def test_the_leader_decides_from_the_row(login, make_task, member, leader, deputy):
    task = make_task()
    extension = request_ext(task, member)
    html = login(leader).get(LIST).content.decode()
    assert 'name="return_to" value="list"' in html
    assert f'hx-target="#extension-row-{extension.pk}"' in html
    decide_url = reverse("tasks:extension-decide", args=[task.pk, extension.pk])
    assert decide_url in html
    events = AuditEvent.objects.writes().count()
    response = login(fresh(leader)).post(
        decide_url, {"decision": "approve", "return_to": "list"}, **HX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith(f'<tr id="extension-row-{extension.pk}"')
    assert "Approved" in page
    assert 'name="decision"' not in page
    assert "showToast" in response["HX-Trigger"]
    extension.refresh_from_db()
    assert extension.state == R.APPROVED
    assert AuditEvent.objects.writes().count() > events
    task.refresh_from_db()
    assert task.state != Task.State.EXTENSION_REQUESTED


def test_a_refusal_without_reason_from_the_row_shows_the_error_in_it(
    login, make_task, member, leader
):
    task = make_task()
    extension = request_ext(task, member)
    decide_url = reverse("tasks:extension-decide", args=[task.pk, extension.pk])
    response = login(leader).post(
        decide_url, {"decision": "refuse", "reason": "", "return_to": "list"}, **HX
    )
    page = response.content.decode()
    assert page.lstrip().startswith(f'<tr id="extension-row-{extension.pk}"')
    assert "invalid-feedback" in page
    extension.refresh_from_db()
    assert extension.state == R.PENDING


def test_without_htmx_a_decision_from_the_list_returns_to_the_list(
    login, make_task, member, leader
):
    task = make_task()
    extension = request_ext(task, member)
    decide_url = reverse("tasks:extension-decide", args=[task.pk, extension.pk])
    response = login(leader).post(
        decide_url, {"decision": "approve", "return_to": "list"}
    )
    assert response.status_code == 302
    assert response["Location"] == LIST


@pytest.mark.parametrize("role", ["member", "secretariat"])
def test_others_of_the_body_see_the_row_without_decisions(
    login, make_task, member, role, request
):
    extension = request_ext(make_task(), member)
    html = login(request.getfixturevalue(role)).get(LIST).content.decode()
    assert f'id="extension-row-{extension.pk}"' in html
    assert 'name="decision"' not in html


def test_an_outsider_sees_nothing(login, make_task, member, outsider):
    extension = request_ext(make_task(code="NV-2026-0099"), member)
    response = login(outsider).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="extension-row-{extension.pk}"' not in html
    assert "NV-2026-0099" not in html
    assert 'id="extension-rows-empty"' in html
    # Nor can the outsider decide through the list's form.
    decide_url = reverse(
        "tasks:extension-decide", args=[extension.task_id, extension.pk]
    )
    assert (
        login(outsider)
        .post(decide_url, {"decision": "approve", "return_to": "list"}, **HX)
        .status_code
        == 404
    )


def test_an_external_user_sees_their_own_body_and_the_tasks_they_are_party_to(
    login, make_task, member, external, other_team, hanoi_team
):
    hidden = request_ext(make_task(code="NV-2026-0100"), member)
    shared_task = make_task(code="NV-2026-0101")
    TaskPartFactory(task=shared_task, body=other_team, agency=None)
    shared = request_ext(shared_task, member)
    html = login(external).get(LIST).content.decode()
    assert f'id="extension-row-{hidden.pk}"' not in html
    assert "NV-2026-0100" not in html
    assert f'id="extension-row-{shared.pk}"' in html
    # A party does not decide the Hanoi team's requests.
    assert 'name="decision"' not in html


def test_each_team_sees_only_its_own_requests(
    login, other_team, external, member, make_task
):
    hanoi = request_ext(make_task(), member)
    theirs_task = TaskFactory(
        body=other_team,
        lead_agency=AgencyFactory(),
        deadline=hanoi.current_deadline,
        state=Task.State.EXTENSION_REQUESTED,
    )
    theirs = ExtensionRequest.objects.create(
        task=theirs_task,
        agency=theirs_task.lead_agency,
        current_deadline=theirs_task.deadline,
        requested_deadline=theirs_task.deadline + 10 * DAY,
        reason="Chờ vốn",
        previous_state=Task.State.IN_PROGRESS,
    )
    seen_by_external = extension_selectors.extension_request_page(user=fresh(external))
    assert [e.pk for e in seen_by_external.items] == [theirs.pk]
    seen_by_member = extension_selectors.extension_request_page(user=fresh(member))
    assert [e.pk for e in seen_by_member.items] == [hanoi.pk]


def test_administrators_see_and_decide_every_body(login, make_task, member, admin_user):
    extension = request_ext(make_task(), member)
    html = login(admin_user).get(LIST).content.decode()
    assert f'id="extension-row-{extension.pk}"' in html
    assert f'hx-target="#extension-row-{extension.pk}"' in html


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302


def test_the_menu_links_to_the_list(login, member):
    html = login(member).get(reverse("tasks:list")).content.decode()
    assert f'href="{LIST}"' in html


def test_a_decision_between_two_pages_skips_no_request(
    login, make_task, member, leader, monkeypatch
):
    """Keyset pages: a pending request decided after page 1 was shown
    moves to the decided group without shifting page 2."""
    monkeypatch.setattr(extension_selectors, "LIST_PAGE_SIZE", 2)
    made = []
    for days in range(4):
        task = make_task()
        extension = request_ext(task, member)
        age(extension, 10 - days)
        made.append((task, extension))
    client = login(leader)
    html = client.get(LIST).content.decode()
    first = row_ids(html, [e for _t, e in made])
    assert first == [made[0][1].pk, made[1][1].pk]
    task, extension = made[0]
    decide(task, extension, leader)
    start = html.index('id="extension-rows-more"')
    href = html[html.index('href="', start) + 6 :]
    more = client.get(href[: href.index('"')].replace("&amp;", "&"), **HX)
    second = row_ids(more.content.decode(), [e for _t, e in made])
    assert second[:2] == [made[2][1].pk, made[3][1].pk]
