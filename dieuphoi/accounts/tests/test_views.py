import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.audit.models import AuditEvent

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

HX = {"HX-Request": "true"}


# -- login, logout, password change ------------------------------------------


def test_login_page_renders_the_form(client, db):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_the_right_password_goes_home(client, member):
    response = client.post(
        reverse("accounts:login"), {"username": "member", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_login_follows_a_safe_next_url(client, member):
    response = client.post(
        reverse("accounts:login") + "?next=/accounts/profile/",
        {"username": "member", "password": PASSWORD, "next": "/accounts/profile/"},
    )
    assert response["Location"] == "/accounts/profile/"


def test_login_ignores_an_external_next_url(client, member):
    response = client.post(
        reverse("accounts:login"),
        {"username": "member", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("core:home")


def test_login_with_a_wrong_password_shows_the_error(client, member):
    response = client.post(
        reverse("accounts:login"), {"username": "member", "password": "wrong"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="alert alert-danger form-errors" role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_login_with_a_missing_field_marks_the_field(client, db):
    response = client.post(reverse("accounts:login"), {"username": "member"})
    html = response.content.decode()
    assert 'id="id_password_error"' in html
    assert 'aria-invalid="true"' in html


def test_inactive_user_cannot_log_in(client, member):
    member.is_active = False
    member.save()
    client.post(reverse("accounts:login"), {"username": "member", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_logged_in_user_visiting_login_is_sent_home(login, member):
    response = login(member).get(reverse("accounts:login"))
    assert response.status_code == 302


def test_logout_is_a_post_and_ends_the_session(login, member):
    client = login(member)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("core:home")).status_code == 302


def test_password_change_sets_the_new_password_and_audits_it(login, member):
    client = login(member)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "song-hong-chay-qua-2025",
            "new_password2": "song-hong-chay-qua-2025",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-change-done")
    member.refresh_from_db()
    assert member.check_password("song-hong-chay-qua-2025")
    # still signed in after the change
    assert client.get(reverse("accounts:password-change-done")).status_code == 200
    event = AuditEvent.objects.get(action="accounts.password_change")
    assert event.actor_id == member.pk
    assert event.changes == {}


def test_password_change_with_a_wrong_old_password_changes_nothing(login, member):
    response = login(member).post(
        reverse("accounts:password-change"),
        {
            "old_password": "not-it",
            "new_password1": "song-hong-chay-qua-2025",
            "new_password2": "song-hong-chay-qua-2025",
        },
    )
    assert response.status_code == 200
    assert 'id="id_old_password_error"' in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not AuditEvent.objects.exists()


def test_password_change_requires_login(client, db):
    response = client.get(reverse("accounts:password-change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# -- profile -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_profile_renders_for_every_role(request, login, role):
    user = request.getfixturevalue(role)
    response = login(user).get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert user.username in response.content.decode()


def test_profile_lists_memberships_with_dd_mm_yyyy_dates(login, leader, hanoi_team):
    html = login(leader).get(reverse("accounts:profile")).content.decode()
    assert hanoi_team.short_name in html
    assert "01/12/2022" in html


def test_outsider_profile_shows_no_memberships_of_others(login, outsider, leader):
    response = login(outsider).get(reverse("accounts:profile"))
    assert list(response.context["memberships"]) == []
    assert leader.username not in response.content.decode()


def test_profile_token_list_shows_the_prefix_never_the_hash(login, member):
    token, raw = services.api_token_create(user=member, name="Nhập báo cáo")
    html = login(member).get(reverse("accounts:profile")).content.decode()
    assert f"<code>{token.prefix}…</code>" in html
    assert "Nhập báo cáo" in html
    assert raw not in html
    assert token.key_hash not in html


@pytest.mark.parametrize("count", [5, 50])
def test_profile_query_count_is_fixed(login, member, count, django_assert_num_queries):
    for i in range(count):
        services.api_token_create(user=member, name=f"token {i}")
    client = login(member)
    # session, user, the user's agency, memberships, tokens, two-factor device
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:profile"))
    assert len(response.context["tokens"]) == count


def test_profile_fragment_for_htmx(login, member):
    response = login(member).get(reverse("accounts:profile"), headers=HX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="api-tokens"' in html


# -- tokens ------------------------------------------------------------------


def test_token_create_shows_the_raw_token_once(login, member):
    client = login(member)
    response = client.post(reverse("accounts:token-create"), {"name": "Script"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["new_token_raw"]
    token = ApiToken.objects.get(user=member)
    assert raw in response.content.decode()
    assert token.prefix == raw[:8]
    # a later visit does not show it again
    assert raw not in client.get(reverse("accounts:profile")).content.decode()


def test_token_create_over_htmx_returns_the_fragment(login, member):
    response = login(member).post(
        reverse("accounts:token-create"), {"name": "Script"}, headers=HX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="api-tokens"' in html
    raw = re.search(r'id="new-token-value">([^<]+)<', html).group(1)
    assert ApiToken.objects.get(user=member).key_hash == hash_token(raw)


def test_token_create_without_a_name_shows_the_error_and_writes_nothing(login, member):
    response = login(member).post(reverse("accounts:token-create"), {"name": ""})
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_token_create_with_a_too_long_name_writes_nothing(login, member):
    response = login(member).post(reverse("accounts:token-create"), {"name": "x" * 101})
    assert 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_create_is_post_only(login, member):
    assert login(member).get(reverse("accounts:token-create")).status_code == 405


def test_token_revoke_revokes_own_token(login, member):
    token, _ = services.api_token_create(user=member, name="Script")
    client = login(member)
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.token_revoke").count() == 1


def test_token_revoke_over_htmx_returns_the_fragment_and_a_toast(login, member):
    token, _ = services.api_token_create(user=member, name="Script")
    response = login(member).post(
        reverse("accounts:token-revoke", args=[token.pk]), headers=HX
    )
    assert "<html" not in response.content.decode()
    assert "showToast" in response["HX-Trigger"]


def test_outsider_cannot_revoke_someone_elses_token(login, member, outsider):
    token, _ = services.api_token_create(user=member, name="Script")
    response = login(outsider).post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_outsider_profile_does_not_list_others_tokens(login, member, outsider):
    token, _ = services.api_token_create(user=member, name="Script của member")
    html = login(outsider).get(reverse("accounts:profile")).content.decode()
    assert token.prefix not in html
    assert "Script của member" not in html


def test_token_actions_require_login(client, member):
    token, _ = services.api_token_create(user=member, name="Script")
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None
