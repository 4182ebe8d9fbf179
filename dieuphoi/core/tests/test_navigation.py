"""The menu reaches every page, each shown only to those who may open it,
without adding a query to the page."""

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from dieuphoi.core import context_processors

pytestmark = pytest.mark.django_db


def menu_urls(client) -> str:
    return client.get(reverse("core:home")).content.decode()


@pytest.mark.parametrize(
    ("role", "sees_escalations"),
    [
        ("leader", True),
        ("secretariat", True),
        ("leadership_viewer", True),
        ("admin_user", True),
        ("member", False),
        ("outsider", False),
    ],
)
def test_the_tasks_menu_holds_the_summary_and_the_escalations(
    request, login, role, sees_escalations
):
    html = menu_urls(login(request.getfixturevalue(role)))
    assert f'href="{reverse("tasks:summary")}"' in html
    assert (f'href="{reverse("reminders:escalations")}"' in html) is sees_escalations


def test_the_menu_entries_open_for_those_who_see_them(login, member, secretariat):
    assert login(secretariat).get(reverse("reminders:escalations")).status_code == 200
    assert login(member).get(reverse("reminders:escalations")).status_code == 403


def test_pages_not_installed_are_left_out(monkeypatch, leader):
    real = context_processors.reverse

    def without_letters(name, *args, **kwargs):
        if name == "letters:list":
            raise NoReverseMatch(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(context_processors, "reverse", without_letters)
    context_processors._reversed.cache_clear()  # URLs are kept per process
    names = {
        page["name"]
        for pages in context_processors.nav_pages(leader).values()
        for page in pages
    }
    context_processors._reversed.cache_clear()
    assert "letters:list" not in names
    assert "tasks:summary" in names


def test_the_flags_come_with_the_user_so_the_menu_costs_no_query(
    client, member, django_assert_num_queries
):
    client.force_login(member)
    request = RequestFactory().get("/")
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore(client.session.session_key)
    from django.contrib.auth import get_user

    user = get_user(request)
    assert user.nav_has_seat is True
    assert user.nav_manages is False
    with django_assert_num_queries(0):
        pages = context_processors.nav_pages(user)
    names = {page["name"] for entries in pages.values() for page in entries}
    assert "reminders:escalations" not in names
    assert "tasks:summary" in names


def test_an_ended_membership_is_not_a_seat(client, member):
    membership = member.memberships.get()
    membership.valid_to = membership.valid_from
    membership.save()
    client.force_login(member)
    html = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("reminders:escalations")}"' not in html
