"""API tokens expire, end with the password, the account or the role they
were issued for, and show their last use (issue 12, defect 6)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken
from dieuphoi.audit.models import AuditEvent
from dieuphoi.org.models import Membership

ME_URL = "/api/v1/auth/me"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def me(client, raw):
    return client.get(ME_URL, headers=bearer(raw), REMOTE_ADDR="10.1.2.3")


def test_a_token_expires_after_api_token_days(client, member, settings):
    settings.API_TOKEN_DAYS = 7
    token, raw = services.api_token_create(user=member, name="CLI")
    assert (
        datetime.timedelta(days=6, hours=23)
        < token.expires_at - timezone.now()
        <= datetime.timedelta(days=7)
    )
    assert me(client, raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert me(client, raw).status_code == 401


def test_the_token_endpoint_says_when_the_token_expires(client, member):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "member", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=member)
    expires_at = datetime.datetime.fromisoformat(response.json()["expires_at"])
    assert abs(expires_at - token.expires_at) < datetime.timedelta(seconds=1)


def test_a_password_change_revokes_every_token(login, member):
    _, raw = services.api_token_create(user=member, name="CLI")
    _, raw2 = services.api_token_create(user=member, name="Other")
    client = login(member)
    assert me(client, raw).status_code == 200
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "song-hong-chay-qua-2025",
            "new_password2": "song-hong-chay-qua-2025",
        },
    )
    assert response.status_code == 302
    assert me(client, raw).status_code == 401
    assert me(client, raw2).status_code == 401
    assert set(ApiToken.objects.values_list("revoked_reason", flat=True)) == {
        ApiToken.RevokedReason.PASSWORD_CHANGE
    }
    assert AuditEvent.objects.filter(action="accounts.token_revoke").count() == 2


def _admin_post(member, **changes):
    data = {
        "username": member.username,
        "full_name": member.full_name,
        "position": "",
        "agency": member.agency_id or "",
        "email": member.email,
        "phone": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "01/01/2025",
        "date_joined_1": "08:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_deactivation_revokes_tokens_and_ends_sessions(
    client, django_user_model, admin_user, member
):
    from django.test import Client

    _, raw = services.api_token_create(user=member, name="CLI")
    member_browser = Client()
    member_browser.force_login(member)
    assert member_browser.get(reverse("accounts:profile")).status_code == 200
    admin_browser = Client()
    admin_browser.force_login(admin_user)
    response = admin_browser.post(
        f"/admin/accounts/user/{member.pk}/change/", _admin_post(member, is_active=None)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = ApiToken.objects.get(user=member)
    assert token.revoked_reason == ApiToken.RevokedReason.DEACTIVATION
    # Active again, the old session and the old token stay ended.
    django_user_model.objects.filter(pk=member.pk).update(is_active=True)
    assert me(client, raw).status_code == 401
    response = member_browser.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_token_ends_when_every_membership_has_ended(client, member):
    token, raw = services.api_token_create(user=member, name="CLI")
    assert token.seats == ["member"]
    assert me(client, raw).status_code == 200
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(person=member).update(valid_to=yesterday)
    assert me(client, raw).status_code == 401
    token.refresh_from_db()
    assert token.revoked_reason == ApiToken.RevokedReason.ROLE_LOST
    event = AuditEvent.objects.get(action="accounts.token_revoke")
    assert event.target_id == str(token.pk)


def test_a_token_ends_when_the_user_is_no_longer_an_administrator(client, admin_user):
    token, raw = services.api_token_create(user=admin_user, name="CLI")
    assert set(token.seats) == {"admin", "staff"}
    assert me(client, raw).status_code == 200
    type(admin_user).objects.filter(pk=admin_user.pk).update(is_superuser=False)
    assert me(client, raw).status_code == 401


def test_a_token_of_a_user_without_seats_keeps_working(client, outsider):
    token, raw = services.api_token_create(user=outsider, name="CLI")
    assert token.seats == []
    assert me(client, raw).status_code == 200


def test_the_last_use_and_its_address_are_recorded_and_shown(client, login, member):
    token, raw = services.api_token_create(user=member, name="CLI")
    assert me(client, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_ip == "10.1.2.3"
    html = login(member).get(reverse("accounts:profile")).content.decode()
    local = timezone.localtime(token.expires_at).strftime("%d/%m/%Y %H:%M")
    assert local in html
    assert "10.1.2.3" in html


def test_the_last_use_is_written_at_most_once_a_minute(client, member):
    token, raw = services.api_token_create(user=member, name="CLI")
    recent = timezone.now() - datetime.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    assert me(client, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == recent  # read back as a time, and recent
    older = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=older)
    assert me(client, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > recent
