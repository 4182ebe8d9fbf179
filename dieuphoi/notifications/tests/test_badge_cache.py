"""The header badge's cached unread count (``selectors.unread_count``): the
same figure as the uncached count, and never stale after a notification is
sent or read, or after a task or registry write; and the request's own user
object reused by the visibility checks (``registry.users_known``)."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from dieuphoi.notifications import selectors, services
from dieuphoi.notifications.models import Notification
from dieuphoi.notifications.tests.test_kinds import tell
from dieuphoi.org.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def badge_cache_on(settings):
    settings.NOTIFICATION_BADGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def uncached(user) -> int:
    with override_settings(NOTIFICATION_BADGE_CACHE_SECONDS=0):
        return selectors.unread_count(user=user)


def test_a_second_look_costs_two_queries(member, task, django_assert_num_queries):
    tell(member, task, key="a")
    tell(member, task, key="b")
    assert selectors.unread_count(user=member) == 2
    with django_assert_num_queries(2):  # the unread set's key, the stamps
        assert selectors.unread_count(user=member) == 2
    assert uncached(member) == 2


def test_nothing_unread_is_one_query(member, task, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.unread_count(user=member) == 0


def test_a_new_notification_and_one_read_show_at_once(member, task):
    tell(member, task, key="a")
    assert selectors.unread_count(user=member) == 1
    tell(member, task, key="b")
    assert selectors.unread_count(user=member) == 2
    first = Notification.objects.filter(recipient=member).order_by("id").first()
    services.notification_mark_read(notification=first, user=member)
    assert selectors.unread_count(user=member) == 1 == uncached(member)


def test_one_read_and_one_new_in_between_still_change_the_key(member, task):
    tell(member, task, key="a")
    tell(member, task, key="b")
    assert selectors.unread_count(user=member) == 2
    # Same size afterwards (one read, one new): the ids differ.
    services.notification_mark_read(
        notification=Notification.objects.filter(recipient=member).earliest("id"),
        user=member,
    )
    tell(member, task, key="c")
    Notification.objects.filter(title="Tin c").update(target_id=task.pk + 10_000)
    # The new one is about a task that does not exist: not counted.
    assert selectors.unread_count(user=member) == 1 == uncached(member)


def test_a_task_moved_out_of_reach_is_not_counted_after_its_write(
    member, task, other_team, commit
):
    tell(member, task, key="a")
    assert selectors.unread_count(user=member) == 1
    with commit():
        task.body = other_team
        task.lead_agency = AgencyFactory()
        task.save()
    assert uncached(member) == 0
    assert selectors.unread_count(user=member) == 0


def test_the_badge_reads_the_cache(login, member, task, outsider):
    tell(member, task, key="a")
    client = login(member)
    url = reverse("notifications:badge")
    first = client.get(url, headers={"HX-Request": "true"}).content.decode()
    again = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert ">1</span>" in first and again == first
    # Another user's entry is their own.
    other = login(outsider).get(url, headers={"HX-Request": "true"}).content.decode()
    assert ">1</span>" not in other
    assert "notification-badge" in other


def test_known_users_are_not_loaded_again(member, leader, django_assert_num_queries):
    from dieuphoi.notifications import registry

    with registry.users_known(member):
        with django_assert_num_queries(1):  # the leader only
            found = registry.users_by_id([member.pk, leader.pk])
        with django_assert_num_queries(0):
            assert registry.users_by_id([member.pk]) == {member.pk: member}
    assert found[member.pk] is member and found[leader.pk] == leader
    with django_assert_num_queries(1):  # outside the block: loaded
        assert registry.users_by_id([member.pk])[member.pk] is not member


# --- the count shown in the page when it is ready ------------------------------------

BADGE_LOAD = 'hx-trigger="load, every 60s'
BADGE_REFRESH = 'hx-trigger="every 60s'


def _badge_html(response) -> str:
    html = response.content.decode()
    start = html.index('id="notification-bell"')
    return html[start : html.index("</li>", start)]


def test_the_page_shows_a_ready_count_and_loads_a_missing_one(
    login, member, task, commit
):
    client = login(member)
    home = reverse("core:home")
    tell(member, task, key="a")
    tell(member, task, key="b")
    # Not counted yet: the badge loads it by its own request.
    bell = _badge_html(client.get(home))
    assert BADGE_LOAD in bell
    assert "text-bg-danger" not in bell
    client.get(reverse("notifications:badge"), HTTP_HX_REQUEST="true")
    # Counted: in the page, and the badge only refreshes.
    bell = _badge_html(client.get(home))
    assert BADGE_REFRESH in bell and BADGE_LOAD not in bell
    assert 'text-bg-danger">2<' in bell
    # A new notification: the stored count is not shown, it is loaded again.
    tell(member, task, key="c")
    bell = _badge_html(client.get(home))
    assert BADGE_LOAD in bell and 'text-bg-danger">2<' not in bell
    # A task write changes the stamps: the same.
    client.get(reverse("notifications:badge"), HTTP_HX_REQUEST="true")
    assert 'text-bg-danger">3<' in _badge_html(client.get(home))
    with commit():
        task.title = "Đổi tên"
        task.save()
    assert BADGE_LOAD in _badge_html(client.get(home))


def test_nothing_unread_shows_at_once(login, member, task):
    bell = _badge_html(login(member).get(reverse("core:home")))
    assert BADGE_REFRESH in bell and BADGE_LOAD not in bell
    assert "text-bg-danger" not in bell


def test_the_cache_off_always_loads(login, member, settings):
    settings.NOTIFICATION_BADGE_CACHE_SECONDS = 0
    assert BADGE_LOAD in _badge_html(login(member).get(reverse("core:home")))


def test_an_outsider_sees_no_badge(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert "notification-bell" not in response.content.decode()


# --- the unread set's key comes with the request's user ------------------------


def loaded(user):
    """The user as a request loads it (``core.auth``), summary included."""
    from dieuphoi.core.auth import ModelBackend

    return ModelBackend().get_user(user.pk)


def test_the_users_query_brings_the_unread_sets_key(
    member, task, django_assert_num_queries
):
    tell(member, task, key="a")
    tell(member, task, key="b")
    expected = selectors._badge_parts(member)  # asked on its own
    assert expected is not None and expected[1] == 2
    user = loaded(member)
    with django_assert_num_queries(0):
        assert selectors._badge_parts(user) == expected
    services.notification_mark_all_read(user=member)
    assert selectors._badge_parts(loaded(member)) is None  # nothing unread


def test_a_write_after_the_load_is_seen_by_the_same_request(member, task):
    """What the request writes after loading its user is on its badge: a
    notification read, or a new one, makes the summary asked afresh."""
    tell(member, task, key="a")
    tell(member, task, key="b")
    user = loaded(member)
    assert selectors.unread_count_ready(user=user) is None  # not cached yet
    assert selectors.unread_count(user=user) == 2
    first = Notification.objects.filter(recipient=member).order_by("id").first()
    services.notification_mark_read(notification=first, user=user)
    assert selectors.unread_count(user=user) == 1 == uncached(member)
    user = loaded(member)
    tell(member, task, key="c")
    assert selectors.unread_count(user=user) == 2 == uncached(member)
    user = loaded(member)
    Notification.objects.filter(recipient=member).first().delete()
    assert selectors.unread_count(user=user) == 1 == uncached(member)
