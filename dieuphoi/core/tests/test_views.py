import re
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from dieuphoi.core import home as home_registry
from dieuphoi.org.tests.factories import BodyFactory, MembershipFactory

ROLE_FIXTURES = [
    "leader",
    "deputy",
    "secretariat",
    "member",
    "external",
    "leadership_viewer",
    "admin_user",
    "outsider",
]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_home_renders_for_every_role(request, login, role):
    user = request.getfixturevalue(role)
    response = login(user).get(reverse("core:home"))
    assert response.status_code == 200
    # Sections of other apps (tasks) render before the page itself.
    assert "core/home.html" in [t.name for t in response.templates]
    assert user.display_name in response.content.decode()


def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_home_lists_todays_roles_with_dates_as_dd_mm_yyyy(login, leader, hanoi_team):
    response = login(leader).get(reverse("core:home"))
    html = response.content.decode()
    assert hanoi_team.short_name in html
    assert "01/12/2022" in html  # conftest START, 2022-12-01
    assert [m.body for m in response.context["memberships"]] == [hanoi_team]


def test_home_leaves_out_ended_memberships(login, member, hanoi_team):
    membership = member.memberships.get()
    membership.valid_to = membership.valid_from
    membership.save()
    response = login(member).get(reverse("core:home"))
    assert list(response.context["memberships"]) == []
    assert 'id="my-roles-empty"' in response.content.decode()


def test_outsider_sees_their_own_empty_home(login, outsider, hanoi_team):
    response = login(outsider).get(reverse("core:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="my-roles-empty"' in html
    # The footer names the team as the system's owner; the outsider must not
    # get a role entry or a link to the team's internal page.
    assert 'id="my-roles"' not in html
    assert reverse("org:body-detail", args=[hanoi_team.pk]) not in html


def test_home_shows_registered_sections_and_skips_empty_ones(
    login, member, monkeypatch
):
    # Only this test's sections (apps register their own, e.g. tasks).
    monkeypatch.setattr(home_registry.home_sections, "_sections", [])

    def filled(request):
        return {
            "template": "components/form_errors.html",
            "context": {"form": {"errors": True, "non_field_errors": [request.user]}},
        }

    def empty(request):
        return None

    home_registry.register_home_section(filled)
    home_registry.register_home_section(empty)
    home_registry.register_home_section(filled)  # a second call is ignored
    try:
        response = login(member).get(reverse("core:home"))
    finally:
        home_registry.unregister_home_section(filled)
        home_registry.unregister_home_section(empty)
    sections = response.context["home_sections"]
    assert len(sections) == 1
    assert member.display_name in sections[0]


@pytest.mark.parametrize("count", [5, 50])
def test_home_query_count_is_fixed(
    login, leader, count, django_assert_num_queries, monkeypatch
):
    # The page's own queries; each app's section counts its own (tasks:
    # test_home_query_count_is_fixed in dieuphoi/tasks/tests/test_views.py).
    monkeypatch.setattr(home_registry.home_sections, "_sections", [])
    for i in range(count - 1):
        MembershipFactory(person=leader, body=BodyFactory(key=f"body-q-{i}"))
    client = login(leader)
    # session, user, memberships of today (with body, agency, document)
    with django_assert_num_queries(3):
        response = client.get(reverse("core:home"))
    assert len(response.context["memberships"]) == count


def test_healthz_is_ok_with_the_database(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable(client, admin_user):
    client.force_login(admin_user)
    with mock.patch(
        "dieuphoi.core.health.query",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "error"


def test_ping_needs_no_database(client):
    # No db fixture: any query would raise "Database access not allowed".
    response = client.get(reverse("core:ping"))
    assert response.status_code == 200


def test_pages_carry_a_strict_csp_header(login, member):
    response = login(member).get(reverse("core:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    "url_name", ["core:home", "accounts:profile", "accounts:password-change"]
)
def test_pages_have_no_inline_scripts_or_styles(login, admin_user, url_name):
    html = login(admin_user).get(reverse(url_name)).content.decode()
    assert "<script" in html  # the vendored scripts are there...
    assert not INLINE_SCRIPT.search(html)  # ...but none without a src
    assert " style=" not in html
    assert "<style" not in html
    assert "hx-on" not in html


def test_login_and_audit_pages_have_no_inline_scripts_or_styles(
    client, login, admin_user
):
    for html in (
        client.get(reverse("accounts:login")).content.decode(),
        login(admin_user).get(reverse("audit:list")).content.decode(),
    ):
        assert not INLINE_SCRIPT.search(html)
        assert " style=" not in html


def test_base_layout_is_accessible_and_configures_htmx(login, admin_user):
    html = login(admin_user).get(reverse("core:home")).content.decode()
    assert '<a class="skip-link visually-hidden-focusable" href="#main">' in html
    assert '<main id="main"' in html
    assert "&quot;includeIndicatorStyles&quot;: false" in html or (
        '"includeIndicatorStyles": false' in html
    )
    assert '"allowEval": false' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'data-htmx-error="' in html
    # the logout is a POST form, the admin link is there for staff
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in html
    assert reverse("admin:index") in html
    assert reverse("audit:list") in html


def test_non_staff_users_get_no_admin_or_audit_links(login, member):
    html = login(member).get(reverse("core:home")).content.decode()
    assert reverse("admin:index") not in html
    assert reverse("audit:list") not in html


def test_navigation_marks_the_current_area(login, member):
    response = login(member).get(reverse("core:home"))
    home_item = next(
        i for i in response.context["nav_items"] if i["name"] == "core:home"
    )
    assert home_item["active"] is True
    assert 'aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("language", ["en", "vi"])
def test_language_switch_sets_the_language(login, member, language):
    client = login(member)
    response = client.post(
        reverse("set_language"), {"language": language, "next": reverse("core:home")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert response.cookies["django_language"].value == language
    page = client.get(reverse("core:home")).content.decode()
    assert f'<html lang="{language}">' in page


def test_language_switch_is_a_plain_post_form(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert 'name="language" value="en"' in html
    assert 'name="language" value="vi"' in html


def test_missing_page_renders_the_404_page(login, member):
    response = login(member).get("/no-such-page/")
    assert response.status_code == 404
    assert "error-code" in response.content.decode()
    assert response.templates[0].name == "404.html"


def test_server_error_page_renders_without_a_request_context(rf, db):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "error-code" in html
    assert not INLINE_SCRIPT.search(html)


def test_csrf_failure_shows_the_expired_form_page(db, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("accounts:token-create"), {"name": "x"})
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert not member.api_tokens.exists()
