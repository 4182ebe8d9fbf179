"""Writes about accounts: API tokens, passwords, sessions and two-factor
devices. Each one is audited, and so is every authentication event."""

import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dieuphoi.audit.services import audit_record, audit_record_many, diff, snapshot
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership

from .models import ApiToken, User, hash_token

INVALID_CREDENTIALS = "invalid_credentials"
LOCKED_OUT = "locked_out"
OTP_REQUIRED = "otp_required"
ENROLMENT_REQUIRED = "two_factor_enrolment_required"
RECOVERY_CODE_COUNT = 10

Reason = ApiToken.RevokedReason
Seat = ApiToken.Seat


# --- audit of authentication events ---------------------------------------------


def auth_event_record(
    *,
    action: str,
    user: User | None = None,
    username: str = "",
    changes=None,
    signed_in: bool = True,
) -> None:
    """Audit an authentication event about ``user``: its target and, when
    ``signed_in``, its actor. Without a known user (a failed login with an
    unknown username, an anonymous refusal) the target is named only."""
    if user is not None and user.pk is not None:
        actor = user if signed_in else None
        audit_record(actor=actor, action=action, target=user, changes=changes)
        return
    audit_record_many(
        actor=None,
        events=[
            {
                "action": action,
                "target_type": ContentType.objects.get_for_model(User),
                "target_id": "",
                "target_repr": (username or "—")[:150],
                "changes": changes,
            }
        ],
    )


def login_failed_record(*, username: str, channel: str) -> None:
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    auth_event_record(
        action="accounts.login_failed",
        user=user,
        username=username,
        changes={"username": username[:150], "channel": channel},
        # Whoever tried is not known to be the user the username names.
        signed_in=False,
    )


# --- API tokens --------------------------------------------------------------------


def user_seats(*, user: User, has_membership: bool | None = None) -> set[str]:
    """What ``user`` holds today that a token may be issued for."""
    seats = set()
    if user.is_superuser:
        seats.add(Seat.ADMIN)
    if user.is_staff:
        seats.add(Seat.STAFF)
    if user.is_leadership_viewer:
        seats.add(Seat.LEADERSHIP)
    if has_membership is None:
        has_membership = (
            Membership.objects.as_of(local_today()).filter(person=user).exists()
        )
    if has_membership:
        seats.add(Seat.MEMBER)
    return {str(seat) for seat in seats}


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns ``(token, raw)``.

    The raw value is returned once and never stored: only its sha256 is kept,
    so it cannot be shown again. It expires ``API_TOKEN_DAYS`` days from now
    and ends early when the user loses a seat it was issued for.
    """
    raw = ApiToken.generate_raw()
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=raw[: ApiToken.PREFIX_LEN],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS),
        seats=sorted(user_seats(user=user)),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=user,
        action="accounts.token_create",
        target=token,
        changes={
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
            "seats": token.seats,
        },
    )
    return token, raw


def _token_revoke(*, actor, token: ApiToken, reason: str) -> ApiToken:
    # Lock the row so two concurrent revocations record one event.
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = snapshot(token, ["revoked_at", "revoked_reason"])
    token.revoked_at = timezone.now()
    token.revoked_reason = reason
    token.save(update_fields=["revoked_at", "revoked_reason"])
    audit_record(
        actor=actor,
        action="accounts.token_revoke",
        target=token,
        changes=diff(before, snapshot(token, ["revoked_at", "revoked_reason"])),
    )
    return token


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token``; revoking a revoked token changes nothing.

    Raises PermissionDenied unless ``actor`` owns the token or is an
    administrator.
    """
    if actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied
    reason = Reason.OWNER if actor.pk == token.user_id else Reason.ADMIN
    return _token_revoke(actor=actor, token=token, reason=reason)


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor, reason: str) -> int:
    """Revoke every token of ``user`` still active; returns how many."""
    tokens = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        _token_revoke(actor=actor, token=token, reason=reason)
    return len(tokens)


@transaction.atomic
def api_tokens_revoke_lost_seats(
    *, user: User, actor=None, has_membership: bool | None = None
) -> int:
    """Revoke the tokens of ``user`` issued for a seat the user no longer
    holds (administrator, staff, leadership viewer, a membership valid
    today). Returns how many were revoked."""
    current = user_seats(user=user, has_membership=has_membership)
    count = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        if set(token.seats) - current:
            _token_revoke(actor=actor, token=token, reason=Reason.ROLE_LOST)
            count += 1
    return count


def api_token_issue_for_credentials(
    *, username: str, password: str, name: str = "", otp: str = "", request=None
) -> tuple[ApiToken, str]:
    """Check a username and password (and the two-factor code of a user who
    has a device) and issue a token for that user.

    Raises ValidationError with code ``invalid_credentials`` when they do not
    match an active user (the message does not say which part was wrong),
    ``locked_out`` when the username or client is locked after repeated
    failures, ``otp_required`` when the code is missing or wrong, and
    ``two_factor_enrolment_required`` for a user who must set up two-factor
    login in the web interface first.
    """
    user = authenticate(request, username=username, password=password)
    if request is not None and getattr(request, "axes_locked_out", False):
        raise ValidationError(_("Too many failed logins."), code=LOCKED_OUT)
    if user is None or not user.is_active:
        raise ValidationError(
            _("The username or password is incorrect."), code=INVALID_CREDENTIALS
        )
    state = two_factor_state(user=user)
    if state == TWO_FACTOR_ENROL:
        raise ValidationError(
            _("Set up two-factor login in the web interface first."),
            code=ENROLMENT_REQUIRED,
        )
    if state == TWO_FACTOR_VERIFY and two_factor_verify(user=user, code=otp) is None:
        raise ValidationError(
            _("A valid two-factor code is required."), code=OTP_REQUIRED
        )
    return api_token_create(user=user, name=name)


# --- passwords and sessions ---------------------------------------------------------


@transaction.atomic
def user_password_change(*, user: User, new_password: str, actor=None) -> User:
    """Set a new password (already validated by the form) and audit it.

    Only the password column is written; the audit event records that it
    changed, never a hash or a value. Every session signed in with the old
    password ends (its hash no longer matches; the view keeps the current
    one), and every API token is revoked.
    """
    actor = actor or user
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="accounts.password_change", target=user)
    api_tokens_revoke_all(user=user, actor=actor, reason=Reason.PASSWORD_CHANGE)
    return user


@transaction.atomic
def user_sessions_end(*, user: User, actor=None, reason: str) -> User:
    """End every session of ``user`` (on every browser)."""
    user.sessions_ended_at = timezone.now()
    User.objects.filter(pk=user.pk).update(sessions_ended_at=user.sessions_ended_at)
    audit_record(
        actor=actor or user,
        action="accounts.sessions_end",
        target=user,
        changes={"reason": reason},
    )
    return user


@transaction.atomic
def user_logout(*, user: User) -> None:
    """Logging out ends every session of the user, on every browser."""
    user.sessions_ended_at = timezone.now()
    User.objects.filter(pk=user.pk).update(sessions_ended_at=user.sessions_ended_at)
    auth_event_record(action="accounts.logout", user=user)


@transaction.atomic
def user_deactivated(*, user: User, actor) -> None:
    """After an administrator deactivated ``user``: sessions and tokens end."""
    user_sessions_end(user=user, actor=actor, reason="deactivation")
    api_tokens_revoke_all(user=user, actor=actor, reason=Reason.DEACTIVATION)


# --- two-factor login ---------------------------------------------------------------

TWO_FACTOR_VERIFY = "verify"  # has a device: must enter a code
TWO_FACTOR_ENROL = "enrol"  # must set up a device first
TWO_FACTOR_NONE = ""  # neither


def two_factor_required(*, user: User) -> bool:
    """Two-factor login is required of administrators and of the roles in
    ``TWO_FACTOR_ROLES`` (leader, deputy, secretariat) when
    ``TWO_FACTOR_REQUIRED`` is on."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return (
        Membership.objects.as_of(local_today())
        .filter(person=user, role__in=settings.TWO_FACTOR_ROLES)
        .exists()
    )


def two_factor_has_device(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_state(*, user: User) -> str:
    if two_factor_has_device(user=user):
        return TWO_FACTOR_VERIFY
    if two_factor_required(user=user):
        return TWO_FACTOR_ENROL
    return TWO_FACTOR_NONE


def two_factor_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (the same key until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=str(_("Authenticator app")), confirmed=False
        )
    return device


def _recovery_codes_new(*, user: User) -> list[str]:
    static, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": str(_("Recovery codes"))}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=static, token=code) for code in codes]
    )
    return codes


@transaction.atomic
def two_factor_enrol(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with a first ``code``; returns new recovery codes.

    Raises ValidationError if the code is wrong.
    """
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    if not device.verify_token(code.strip().replace(" ", "")):
        auth_event_record(
            action="accounts.2fa_fail", user=user, changes={"step": "enrol"}
        )
        raise ValidationError(
            _("The code is not valid. Check the time on your phone and try again."),
            code="invalid_code",
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_new(user=user)
    auth_event_record(action="accounts.2fa_enrol", user=user)
    return codes


def two_factor_verify(*, user: User, code: str):
    """The device (app or recovery code) that ``code`` is valid for, or None.

    A recovery code is used up. Audited either way.
    """
    code = (code or "").strip().replace(" ", "")
    device = None
    if code:
        for candidate in [
            *TOTPDevice.objects.filter(user=user, confirmed=True),
            *StaticDevice.objects.filter(user=user, confirmed=True),
        ]:
            # verify_is_allowed: django-otp's throttling after failures.
            allowed, _info = candidate.verify_is_allowed()
            if allowed and candidate.verify_token(code):
                device = candidate
                break
    if device is None:
        auth_event_record(
            action="accounts.2fa_fail", user=user, changes={"step": "verify"}
        )
        return None
    auth_event_record(
        action="accounts.2fa_verify",
        user=user,
        changes={
            "method": "recovery_code" if isinstance(device, StaticDevice) else "app"
        },
    )
    return device


@transaction.atomic
def two_factor_recovery_codes_renew(*, user: User) -> list[str]:
    codes = _recovery_codes_new(user=user)
    auth_event_record(action="accounts.2fa_recovery_renew", user=user)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Remove the user's devices; refused when two-factor login is required."""
    if two_factor_required(user=user):
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    auth_event_record(action="accounts.2fa_disable", user=user)
