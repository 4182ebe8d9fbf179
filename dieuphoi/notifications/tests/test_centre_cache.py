"""What the centre keeps between views: one person's visibility answers for
item kinds whose rule reads only stamped data and the person's own seats
(``registry.visible_to``), and the rendered rows (``rows.rows_html``).
Neither may show an item a person can no longer see, a row in an old read
state, or another person's rows; each page keeps its own CSRF token."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from dieuphoi.core import cache as stamps
from dieuphoi.core.models import local_today
from dieuphoi.notifications import registry, selectors, services
from dieuphoi.notifications.models import Notification
from dieuphoi.notifications.tests.test_kinds import tell
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def centre_caches_on(settings):
    settings.NOTIFICATION_VISIBILITY_CACHE_SECONDS = 300
    settings.NOTIFICATION_ROWS_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def listed(user) -> list[str]:
    return [n.title for n in selectors.notification_list(user=user).rows]


def fresh(user) -> list[str]:
    with override_settings(NOTIFICATION_VISIBILITY_CACHE_SECONDS=0):
        return listed(user)


def settle(commit) -> None:
    with commit():  # the set-up's writes: their stamp hooks run now
        pass


# --- visibility -----------------------------------------------------------------


def test_a_second_look_reads_no_task(member, task, django_assert_num_queries):
    tell(member, task, key="a")
    assert listed(member) == ["Tin a"]
    # The page and the stamps (the seats are kept on the user object for
    # the request): no task, part or seat of anyone read again.
    with django_assert_num_queries(2) as ctx:
        assert listed(member) == ["Tin a"]
    assert not [q for q in ctx.captured_queries if "tasks_task" in q["sql"]]


def test_a_task_moved_out_of_reach_is_hidden_at_once(member, task, other_team, commit):
    tell(member, task, key="a")
    settle(commit)
    assert listed(member) == ["Tin a"]
    with commit():
        task.body = other_team
        task.lead_agency = AgencyFactory()
        task.save()
    assert listed(member) == [] == fresh(member)


def test_a_membership_ended_hides_at_once_without_any_stamp(member, task, commit):
    """The person's seats are in the key: no stamp needs to move."""
    tell(member, task, key="a")
    settle(commit)
    assert listed(member) == ["Tin a"]
    before = stamps.read(*stamps.NAMES)
    Membership.objects.filter(person=member).update(
        valid_to=local_today() - datetime.timedelta(days=1)
    )
    assert stamps.read(*stamps.NAMES) == before
    member = type(member).objects.get(pk=member.pk)  # the next request's
    assert listed(member) == [] == fresh(member)


def test_the_answer_is_per_person(member, outsider, task):
    tell(member, task, key="a")
    tell(outsider, task, key="b")
    assert listed(member) == ["Tin a"]
    assert listed(outsider) == []  # the same task, not the member's answer


def test_a_kind_without_stamps_is_checked_every_time(member, task):
    from dieuphoi.tasks.models import Task

    entry = registry.target_for_model(Task)
    seen = []

    def counting(pairs, on):
        seen.append(pairs)
        return entry.visible_pairs(pairs, on)

    registry.register_notification_target(
        Task, can_view=entry.can_view, visible_pairs=counting
    )
    try:
        tell(member, task, key="a")
        seen.clear()  # sending checked it too
        assert listed(member) == ["Tin a"]
        assert listed(member) == ["Tin a"]
        assert len(seen) == 2
    finally:
        registry.register_notification_target(
            Task,
            can_view=entry.can_view,
            visible_pairs=entry.visible_pairs,
            describe=entry.describe,
            stamps=entry.stamps,
        )


# --- rendered rows --------------------------------------------------------------


def rows_of(html: str) -> str:
    start = html.index('<section id="notification-list"')
    rows = html[start : html.index("</section>", start)]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", rows)


def test_the_cached_rows_are_the_rendered_ones(login, member, task):
    tell(member, task, key="a")
    tell(member, task, key="b")
    client = login(member)
    path = reverse("notifications:list")
    for language in ("vi", "en"):
        with translation.override(language):
            cached = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            again = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            with override_settings(NOTIFICATION_ROWS_CACHE_SECONDS=0):
                drawn = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert rows_of(cached.content.decode()) == rows_of(drawn.content.decode())
        assert rows_of(again.content.decode()) == rows_of(drawn.content.decode())
    assert "Tin a" in rows_of(drawn.content.decode())


def test_a_row_read_shows_read_and_a_new_one_shows(login, member, task):
    tell(member, task, key="a")
    tell(member, task, key="b")
    client = login(member)
    path = reverse("notifications:list")
    first, second = Notification.objects.filter(recipient=member).order_by("id")

    def read_form(notification) -> str:
        return f'action="{reverse("notifications:read", args=[notification.pk])}"'

    html = client.get(path).content.decode()
    assert read_form(first) in html and read_form(second) in html
    services.notification_mark_read(notification=first, user=member)
    html = client.get(path).content.decode()
    assert read_form(first) not in html and read_form(second) in html
    tell(member, task, key="c")
    assert "Tin c" in client.get(path).content.decode()


def test_another_persons_rows_are_never_shown(login, member, secretariat, task):
    tell(member, task, key="cho-thanh-vien")
    client = login(member)
    assert (
        "cho-thanh-vien" in client.get(reverse("notifications:list")).content.decode()
    )
    client = login(secretariat)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "cho-thanh-vien" not in html


def test_each_view_posts_with_its_own_token(member, task):
    """The cached rows carry a mark where each view puts its token: a row's
    "mark read" form posts under the real CSRF check."""
    tell(member, task, key="a")
    tell(member, task, key="<!--csrf-input-->")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    tokens = []
    for _view in range(2):
        html = client.get(reverse("notifications:list")).content.decode()
        assert "&lt;!--csrf-input--&gt;" in html  # a title is text, not the mark
        forms = [
            (action, token)
            for action, token in re.findall(
                r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" '
                r'name="csrfmiddlewaretoken" value="([^"]+)"',
                html,
            )
            if re.fullmatch(r"/notifications/\d+/read/", action)
        ]
        assert len(forms) == 2
        tokens.append(forms[0][1])
    assert tokens[0] != tokens[1]  # masked anew on each view
    action, token = forms[0]
    response = client.post(action, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert (
        Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 1
    )
