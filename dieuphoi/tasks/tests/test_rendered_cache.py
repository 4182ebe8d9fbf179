"""The list's rows and the summary's figures, rendered once and cached for
everyone who sees the same tasks (``rows.list_rows``, ``rows.summary_page``,
``cache.list_rows``, ``cache.summary_page``): what a cached page shows is
what an uncached one shows, for each scope, language and cursor, and every
write the rows show is seen at once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from dieuphoi.core import cache as stamps
from dieuphoi.reminders import services as reminders
from dieuphoi.tasks import rows, selectors, services
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskPartFactory
from dieuphoi.workdays import calendar

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("caches_on")]
DAY = datetime.timedelta(days=1)
S = Task.State
HX = {"HTTP_HX_REQUEST": "true"}


def _filters(query: str = ""):
    filters, errors = selectors.parse_task_filters(QueryDict(query))
    assert not errors
    return filters


def listed(user, query: str = "", after=None, on=None):
    filters = _filters(query)
    return rows.list_rows(
        user=user, filters=filters, on=on or filters.on or _today(), after=after
    )


def uncached(user, query: str = "", after=None, on=None):
    with override_settings(TASK_ROWS_CACHE_SECONDS=0):
        return listed(user, query, after, on)


def summary(user, query: str = ""):
    filters = _filters(query)
    return rows.summary_page(user=user, filters=filters, on=filters.on or _today())


def summary_uncached(user, query: str = ""):
    with override_settings(TASK_SUMMARY_CACHE_SECONDS=0):
        return summary(user, query)


def _today():
    from dieuphoi.core.models import local_today

    return local_today()


@pytest.fixture
def scoped_tasks(make_task, other_team, coop_agency, secretariat, today):
    """A Hanoi task with a co-operating part (owned by the secretariat),
    another Hanoi task and one of the Bắc Ninh team."""
    own = make_task(deadline=today - DAY, title="Kế hoạch vùng", owner=secretariat)
    TaskPartFactory(task=own, agency=coop_agency, description="Phần của sở")
    make_task(deadline=today + 3 * DAY, title="Kế hoạch liên tỉnh")
    make_task(body=other_team, deadline=today + DAY, title="Kế hoạch Bắc Ninh")


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="task-row-(\d+)"', html)]


# --- the cache is used, and gives what the page would render -----------------------


def test_a_second_look_renders_nothing(
    make_task, secretariat, django_assert_num_queries, monkeypatch
):
    make_task()
    first = listed(secretariat)
    monkeypatch.setattr(
        selectors, "task_list", lambda **kw: pytest.fail("rows not cached")
    )
    with django_assert_num_queries(1):  # the stamps (seats cached on the user)
        assert listed(secretariat) == first


@pytest.mark.parametrize(
    "query",
    ["", "bucket=overdue", "sort=deadline", "q=ke+hoach", "sort=-assigned_on"],
)
def test_cached_rows_are_the_rows_for_every_scope(
    query, scoped_tasks, secretariat, external, outsider, admin_user
):
    seen = {}
    for _round in range(2):  # the second round reads the cache
        for user in (secretariat, external, outsider, admin_user):
            got = listed(user, query)
            assert got == uncached(user, query)
            assert list(got.task_ids) == row_ids(got.html)
            seen.setdefault(user.username, got)
            assert seen[user.username] == got
    # Each scope its own rows: never another scope's entry.
    assert len(seen["secretariat"].task_ids) >= 1
    assert seen["outsider"].task_ids == ()
    assert set(seen["external"].task_ids).isdisjoint(seen["secretariat"].task_ids)
    assert set(seen["admin"].task_ids) >= set(seen["secretariat"].task_ids) | set(
        seen["external"].task_ids
    )


def test_a_party_sees_only_its_own_part_in_cached_rows(
    make_task, hanoi_team, other_team, member_agency, secretariat, today
):
    """Another province's member whose agency co-operates sees the Hanoi
    task with only their own party named, cached or not; the secretariat's
    entry for the same filters names every party."""
    from dieuphoi.org.models import Membership
    from dieuphoi.org.tests.factories import (
        AgencyFactory,
        MembershipFactory,
        UserFactory,
    )

    task = make_task(deadline=today - DAY)
    ours = AgencyFactory(code="SXD-BN", name="Sở Xây dựng Bắc Ninh")
    theirs = AgencyFactory(code="SCT-HN", name="Sở Công Thương Hà Nội")
    TaskPartFactory(task=task, agency=ours)
    TaskPartFactory(task=task, agency=theirs)
    party = UserFactory(username="party")
    MembershipFactory(
        person=party,
        body=other_team,
        role=Membership.Role.MEMBER,
        agency=ours,
        valid_from=datetime.date(2020, 1, 1),
    )
    full = listed(secretariat).html
    assert "Sở Xây dựng Bắc Ninh" in full and "Sở Công Thương Hà Nội" in full
    for _round in range(2):
        got = listed(party)
        assert got == uncached(party)
        assert got.task_ids == (task.pk,)
        assert "Sở Xây dựng Bắc Ninh" in got.html
        assert "Sở Công Thương Hà Nội" not in got.html


def test_each_language_has_its_rows(make_task, secretariat, today):
    make_task(deadline=today - DAY)
    with translation.override("vi"):
        vi = listed(secretariat)
    with translation.override("en"):
        en = listed(secretariat)
        assert en == uncached(secretariat)
    assert "quá hạn" in vi.html
    assert "overdue" in en.html and "quá hạn" not in en.html


def test_each_cursor_has_its_rows(make_task, secretariat, today, monkeypatch):
    monkeypatch.setattr(rows, "PAGE_SIZE", 2)
    tasks = [make_task(deadline=today + i * DAY) for i in range(5)]
    first = listed(secretariat, "sort=deadline")
    assert first.task_ids == (tasks[0].pk, tasks[1].pk)
    after = QueryDict(first.more_url.split("?", 1)[1])["after"]
    second = listed(secretariat, "sort=deadline", after=after)
    assert second == uncached(secretariat, "sort=deadline", after=after)
    assert second.task_ids == (tasks[2].pk, tasks[3].pk)
    assert 'id="task-rows-more"' in first.html and 'id="task-rows-more"' in second.html
    last = listed(
        secretariat,
        "sort=deadline",
        after=QueryDict(second.more_url.split("?", 1)[1])["after"],
    )
    assert last.task_ids == (tasks[4].pk,) and last.more_url == ""
    assert 'id="task-rows-more"' not in last.html


# --- every write the rows show is seen at once ------------------------------------------


def settled(commit) -> None:
    """The set-up's writes committed: their stamp hooks run now, so only the
    write under test can move the stamps afterwards."""
    with commit():
        pass


def check_rows_write(user, write, commit, *, shows: str, hidden: str = ""):
    """Rows cached before ``write`` are not seen after it."""
    settled(commit)
    before = listed(user)
    assert listed(user) == before  # now from the cache
    if hidden:
        assert hidden in before.html
    with commit():
        write()
    after = listed(user)
    assert after == uncached(user)
    assert shows in after.html and shows not in before.html
    if hidden:
        assert hidden not in after.html


def test_a_progress_report_shows(commit, make_task, member, secretariat):
    task = make_task(state=S.IN_PROGRESS, progress=10)
    check_rows_write(
        secretariat,
        lambda: services.progress_report(
            actor=member, task=task, percent=60, text="Đã trình phương án"
        ),
        commit,
        shows="Đã trình phương án",
    )


def test_a_new_part_shows(commit, make_task, secretariat, coop_agency):
    task = make_task()
    check_rows_write(
        secretariat,
        lambda: TaskPartFactory(task=task, agency=coop_agency),
        commit,
        shows=coop_agency.short_name or coop_agency.name,
    )


def test_an_agency_renamed_shows(commit, make_task, secretariat, member_agency):
    make_task()

    def rename():
        member_agency.name = "Sở Xây dựng (tên mới)"
        member_agency.short_name = ""
        member_agency.save()

    check_rows_write(secretariat, rename, commit, shows="Sở Xây dựng (tên mới)")


def test_an_urging_counted_by_the_daily_run_shows(
    commit, make_task, secretariat, today
):
    """``urge_count`` is set by a queryset update (no signal): the run bumps
    the stamp itself."""
    task = make_task(deadline=today - 30 * DAY)
    settled(commit)
    before = listed(secretariat)
    assert "task-urgings" not in before.html
    # The daily run works on working days only.
    day = (
        today
        if calendar.is_working_day(today)
        else calendar.previous_working_day(today)
    )
    with commit():
        reminders.reminders_run_day(day=day)
    task.refresh_from_db()
    assert task.urge_count >= 1
    after = listed(secretariat)
    assert after == uncached(secretariat)
    assert "task-urgings" in after.html


def test_an_urge_count_repair_shows(commit, make_task, secretariat, today):
    task = make_task(deadline=today - 30 * DAY)
    Task.objects.filter(pk=task.pk).update(urge_count=4)  # an import's count
    settled(commit)
    before = listed(secretariat)
    with commit():
        reminders.task_urge_count_sync(task_ids=[task.pk])  # recounts: 0
    after = listed(secretariat)
    assert after == uncached(secretariat)
    assert "task-urgings" in before.html and "task-urgings" not in after.html


def test_a_cancelled_task_leaves_the_bucket(commit, make_task, secretariat, today):
    task = make_task(deadline=today - DAY)
    settled(commit)
    before = listed(secretariat, "bucket=overdue")
    assert before.task_ids == (task.pk,)
    with commit():
        services.task_transition(
            actor=secretariat, task=task, action="cancel", reason="Không còn cần"
        )
    after = listed(secretariat, "bucket=overdue")
    assert after.task_ids == () and after == uncached(secretariat, "bucket=overdue")


# --- through the page -----------------------------------------------------------------


def test_an_outsider_never_gets_a_members_cached_rows(
    client, login, make_task, member, outsider, today
):
    task = make_task(deadline=today - DAY)
    url = reverse("tasks:list") + "?bucket=overdue"
    assert f'id="task-row-{task.pk}"' in login(member).get(url).content.decode()
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    page = login(outsider).get(url)
    assert page.status_code == 200
    assert "task-row-" not in page.content.decode()
    assert page.context["task_ids"] == ()


def test_the_page_and_its_load_more_read_the_cache(
    login, member, make_task, today, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(rows, "PAGE_SIZE", 2)
    for i in range(3):
        make_task(deadline=today + i * DAY)
    client = login(member)
    url = reverse("tasks:list")
    first = client.get(url)
    more_url = first.context["more_url"]
    client.get(more_url, **HX)
    # session, user (the stamps and the seats with it): no tasks, no parts
    with django_assert_num_queries(2):
        again = client.get(more_url, **HX)
    assert again.content.decode().count('id="task-row-') == 1


# --- the summary ----------------------------------------------------------------------


def test_the_summary_cached_is_the_summary_for_every_scope(
    make_task, other_team, secretariat, external, outsider, admin_user, today
):
    make_task(deadline=today - DAY)
    make_task(body=other_team, deadline=today + DAY)
    for _round in range(2):
        for user in (secretariat, external, outsider, admin_user):
            got = summary(user)
            assert got == summary_uncached(user)
    assert summary(outsider).totals["total"] == 0
    assert summary(outsider).agency_ids == ()
    assert summary(admin_user).totals["total"] == 2


def test_the_summary_follows_writes_and_the_language(
    commit, make_task, secretariat, member_agency, today
):
    task = make_task(deadline=today - DAY)
    settled(commit)
    before = summary(secretariat)
    assert before.totals["overdue"] == 1
    with commit():
        services.task_transition(
            actor=secretariat, task=task, action="cancel", reason="Không còn cần"
        )
    after = summary(secretariat)
    assert after == summary_uncached(secretariat)
    assert after.totals["total"] == 0 and after.agency_ids == ()
    make_task(deadline=today - DAY)
    with commit():
        member_agency.name = "Sở Xây dựng (tên mới)"
        member_agency.short_name = ""
        member_agency.save()
    renamed = summary(secretariat)
    assert "Sở Xây dựng (tên mới)" in renamed.html
    with translation.override("en"):
        english = summary(secretariat)
        assert english == summary_uncached(secretariat)
    assert "Overdue" in english.html and english.html != renamed.html


# --- the API's list -------------------------------------------------------------------


def api_get(client, user, language=None, **params):
    from dieuphoi.accounts.services import api_token_create

    _, raw = api_token_create(user=user, name="test")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = (
        language or django_settings.LANGUAGE_CODE
    )
    return client.get(
        "/api/v1/tasks", params, headers={"Authorization": f"Bearer {raw}"}
    )


def api_pair(client, user, **params):
    """The answer from the cache (second request) and computed afresh."""
    first = api_get(client, user, **params)
    cached = api_get(client, user, **params)
    assert first.status_code == cached.status_code == 200
    assert cached.content == first.content
    with override_settings(TASK_ROWS_CACHE_SECONDS=0):
        fresh = api_get(client, user, **params)
    return cached, fresh


@pytest.mark.parametrize(
    "params",
    [{}, {"bucket": "overdue"}, {"sort": "deadline", "limit": 2}, {"q": "ke hoach"}],
)
def test_the_api_list_cached_is_the_api_list_for_every_scope(
    params, client, scoped_tasks, secretariat, external, outsider, admin_user
):
    seen = {}
    for user in (secretariat, external, outsider, admin_user):
        cached, fresh = api_pair(client, user, **params)
        assert cached.content == fresh.content
        seen[user.username] = {item["id"] for item in cached.json()["items"]}
    assert seen["outsider"] == set()
    assert seen["secretariat"] and seen["external"].isdisjoint(seen["secretariat"])
    if "limit" not in params:
        assert seen["admin"] >= seen["secretariat"] | seen["external"]


def test_the_api_list_kept_as_text_is_what_ninja_sends(
    client, scoped_tasks, secretariat
):
    """The list is cached as its JSON text: the same text, content type and
    format (ninja's renderer and encoder) as any other endpoint's answer."""
    import json

    from ninja.responses import NinjaJSONEncoder

    for cached in api_pair(client, secretariat, limit=3):
        assert cached["Content-Type"] == "application/json; charset=utf-8"
        data = cached.json()
        assert data["items"] and set(data) == {"items", "next_cursor"}
        assert cached.content.decode() == json.dumps(data, cls=NinjaJSONEncoder)


def test_the_api_lists_pages_are_each_their_own_entry(
    client, make_task, secretariat, today
):
    tasks = [make_task(deadline=today + i * DAY) for i in range(5)]
    first, _fresh = api_pair(client, secretariat, sort="deadline", limit=2)
    cursor = first.json()["next_cursor"]
    second, fresh = api_pair(
        client, secretariat, sort="deadline", limit=2, cursor=cursor
    )
    assert second.content == fresh.content
    assert [i["id"] for i in second.json()["items"]] == [tasks[2].pk, tasks[3].pk]
    wider, _fresh = api_pair(client, secretariat, sort="deadline", limit=3)
    assert len(wider.json()["items"]) == 3
    bad = api_get(client, secretariat, cursor="not-a-cursor")
    assert bad.status_code == 422


def test_the_api_list_follows_an_owners_new_name_not_a_sign_in(
    commit, client, make_task, secretariat, member, today
):
    make_task(deadline=today - DAY, owner=member)
    settled(commit)
    before = api_get(client, secretariat).json()["items"][0]["owner"]["name"]
    registry = stamps.read(stamps.REGISTRY)
    with commit():
        member.last_login = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
        member.save(update_fields=["last_login"])
    assert stamps.read(stamps.REGISTRY) == registry  # a sign-in moves nothing
    with commit():
        member.full_name = "Trần Thị Mới"
        member.save()
    after = api_get(client, secretariat).json()["items"][0]["owner"]["name"]
    assert before != "Trần Thị Mới" and after == "Trần Thị Mới"


def test_the_api_list_follows_writes_and_the_language(
    commit, client, make_task, member, secretariat, today
):
    task = make_task(state=S.IN_PROGRESS, progress=10)
    settled(commit)
    assert api_get(client, secretariat).json()["items"][0]["progress"] == 10
    with commit():
        services.progress_report(actor=member, task=task, percent=60, text="Đã trình")
    item = api_get(client, secretariat).json()["items"][0]
    assert item["progress"] == 60 and item["latest_update"]["text"] == "Đã trình"
    vi = api_get(client, secretariat, language="vi")
    en = api_get(client, secretariat, language="en")
    assert en.content == api_get(client, secretariat, language="en").content
    assert en.json()["items"][0]["state"] == vi.json()["items"][0]["state"]
    assert en.json()["items"][0]["state_label"] != vi.json()["items"][0]["state_label"]


# --- what is stored ------------------------------------------------------------------


def test_nothing_cached_holds_a_lazy_translation(
    client, settings, scoped_tasks, secretariat
):
    """A lazy translation unpickled is a new class built on every read (some
    0.4 ms for the summary's eight rate labels): the cached pages hold plain
    values only."""
    from django.core.cache import cache

    settings.PROPOSAL_BOARD_CACHE_SECONDS = 300
    settings.NOTIFICATION_VISIBILITY_CACHE_SECONDS = 300
    settings.NOTIFICATION_ROWS_CACHE_SECONDS = 300
    settings.NOTIFICATION_BADGE_CACHE_SECONDS = 60
    cache.clear()
    client.force_login(secretariat)
    for path in (
        reverse("tasks:list"),
        reverse("tasks:list") + "?part=counts",
        reverse("tasks:summary"),
        reverse("proposals:board"),
        reverse("notifications:list"),
    ):
        assert client.get(path).status_code == 200
    assert api_get(client, secretariat).status_code == 200
    stored = list(cache._cache.values())  # LocMemCache keeps pickles
    assert len(stored) >= 5
    assert not [value for value in stored if b"_lazy_proxy_unpickle" in value]
