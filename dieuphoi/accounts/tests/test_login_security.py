"""Login (issue 12, item 10): lockout per username and per IP, two-factor
login, the password policy, session lifetimes, and the audit of every
authentication event and refused access."""

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from dieuphoi.accounts import middleware
from dieuphoi.audit.models import AuditEvent

LOGIN = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- lockout ------------------------------------------------------------------------


def test_repeated_failures_lock_the_username_until_an_administrator_releases_it(
    client, member, admin_user
):
    for _ in range(2):
        assert post_login(client, "member", "wrong").status_code == 200
    # The third failure (AXES_FAILURE_LIMIT) locks.
    assert post_login(client, "member", "wrong").status_code == 429
    # Locked: even the right password, from another address, is refused.
    response = post_login(client, "member", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert 'id="lockout-message"' in response.content.decode()
    assert "accounts.lockout" in actions()
    assert actions().count("accounts.login_failed") >= 3

    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/admin/axes/accessattempt/").content.decode()
    assert "member" in page
    for attempt in AccessAttempt.objects.filter(username="member"):
        response = admin.post(
            f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 302
    response = post_login(client, "member", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302
    assert "accounts.login" in actions()


def test_repeated_failures_lock_the_client_address_for_every_username(
    client, member, leader
):
    for name in ("a", "b", "c"):
        post_login(client, name, "wrong", ip="10.0.0.7")
    assert post_login(client, "leader", PASSWORD, ip="10.0.0.7").status_code == 429
    assert post_login(client, "leader", PASSWORD, ip="10.0.0.8").status_code == 302


def test_the_token_endpoint_is_locked_too(client, member):
    def issue(password):
        return client.post(
            TOKEN_URL,
            {"username": "member", "password": password},
            content_type="application/json",
            REMOTE_ADDR="10.0.0.2",
        )

    for _ in range(2):
        assert issue("wrong").status_code == 401
    assert issue("wrong").status_code == 429
    response = issue(PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


# --- audit of authentication events ----------------------------------------------


def test_login_failure_success_and_logout_are_audited(client, member):
    post_login(client, "member", "wrong")
    post_login(client, "nobody", "wrong")
    failed = AuditEvent.objects.filter(action="accounts.login_failed").order_by("id")
    assert [(e.target_repr, e.actor_id) for e in failed] == [
        (str(member), None),
        ("nobody", None),
    ]
    assert post_login(client, "member", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert actions()[-2:] == ["accounts.login", "accounts.logout"]


def test_logout_ends_every_session_of_the_user(member):
    first, second = Client(), Client()
    for browser in (first, second):
        assert post_login(browser, "member", PASSWORD).status_code == 302
    assert second.get(reverse("accounts:profile")).status_code == 200
    first.post(reverse("accounts:logout"))
    response = second.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_refused_access_is_audited(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(reverse("accounts:token-create"), {"name": "x"})
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor_id == member.pk
    assert event.changes["path"] == reverse("accounts:token-create")


# --- sessions -------------------------------------------------------------------------


def _age_session(client, key, seconds):
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_ends(client, member, settings):
    settings.SESSION_IDLE_SECONDS = 600
    post_login(client, "member", PASSWORD)
    _age_session(client, middleware.SEEN_AT, 300)
    assert client.get(reverse("accounts:profile")).status_code == 200
    _age_session(client, middleware.SEEN_AT, 601)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(action="accounts.session_expired")
    assert event.changes == {"reason": "idle"}


def test_a_session_ends_at_its_maximum_age_even_when_used(client, member, settings):
    settings.SESSION_MAX_SECONDS = 3600
    post_login(client, "member", PASSWORD)
    _age_session(client, middleware.AUTH_AT, 3601)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="accounts.session_expired").changes == {
        "reason": "max_age"
    }


# --- two-factor login ---------------------------------------------------------------


def code_for(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return str(totp.token()).zfill(device.digits)


def test_a_leader_must_set_up_two_factor_before_anything_else(client, leader, settings):
    settings.TWO_FACTOR_REQUIRED = True
    response = post_login(client, "leader", PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))
    # Every other page sends back there.
    response = client.get(reverse("accounts:profile"))
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))
    page = client.get(reverse("accounts:two-factor-setup")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert "<script" not in page.split("<body", 1)[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=leader, confirmed=False)

    response = client.post(reverse("accounts:two-factor-setup"), {"code": "000000"})
    assert response.status_code == 200
    response = client.post(
        reverse("accounts:two-factor-setup"), {"code": code_for(device)}
    )
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert "accounts.2fa_enrol" in actions()

    # Next login: a code is asked; a wrong one is refused and audited; a
    # recovery code works once.
    other = Client()
    response = post_login(other, "leader", PASSWORD)
    assert response["Location"].startswith(reverse("accounts:two-factor-verify"))
    assert other.get(reverse("accounts:profile")).status_code == 302
    response = other.post(reverse("accounts:two-factor-verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "accounts.2fa_fail" in actions()
    response = other.post(reverse("accounts:two-factor-verify"), {"code": codes[0]})
    assert response.status_code == 302
    assert other.get(reverse("accounts:profile")).status_code == 200
    assert "accounts.2fa_verify" in actions()
    assert not StaticToken.objects.filter(token=codes[0]).exists()


@pytest.mark.parametrize("role", ["deputy", "secretariat", "admin_user"])
def test_two_factor_is_required_of_these_roles(client, role, request, settings):
    settings.TWO_FACTOR_REQUIRED = True
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))


def test_two_factor_is_optional_for_a_member(client, member, settings):
    settings.TWO_FACTOR_REQUIRED = True
    assert post_login(client, "member", PASSWORD)["Location"] == reverse("core:home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_no_two_factor_is_required_when_the_setting_is_off(client, leader, settings):
    settings.TWO_FACTOR_REQUIRED = False
    assert post_login(client, "leader", PASSWORD)["Location"] == reverse("core:home")


def test_the_token_endpoint_asks_for_the_code_of_a_user_with_a_device(
    client, leader, settings
):
    settings.TWO_FACTOR_REQUIRED = True

    def issue(**extra):
        return client.post(
            TOKEN_URL,
            {"username": "leader", "password": PASSWORD, **extra},
            content_type="application/json",
        )

    response = issue()
    assert response.status_code == 401
    assert response.json()["code"] == "two_factor_enrolment_required"
    device = TOTPDevice.objects.create(user=leader, name="app", confirmed=True)
    assert issue().json()["code"] == "otp_required"
    assert issue(otp="000000").status_code == 401
    assert issue(otp=code_for(device)).status_code == 200


# --- password policy --------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "ngan-qua-1",  # 10 characters
        "member-song-hong-2025",  # the username
        "dieuphoi-song-hong",  # the product
        "Điều Phối sông Hồng",  # the product, with accents
        "qwerty-song-hong",  # keyboard run
        "abcabcabcabc",  # a short unit repeated
        "123456789012",  # digits only
    ],
)
def test_weak_passwords_are_refused(member, password):
    with pytest.raises(ValidationError):
        validate_password(password, member)


@pytest.mark.parametrize(
    "password", ["song hong chay qua", "ba-con-ca-vang-bơi", "hồ tây lộng gió"]
)
def test_long_passphrases_without_composition_rules_are_accepted(member, password):
    validate_password(password, member)
