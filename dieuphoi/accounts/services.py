"""Writes about accounts: API tokens and passwords. Each one is audited."""

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, diff, snapshot

from .models import ApiToken, User, hash_token

INVALID_CREDENTIALS = "invalid_credentials"


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns ``(token, raw)``.

    The raw value is returned once and never stored: only its sha256 is kept,
    so it cannot be shown again.
    """
    raw = ApiToken.generate_raw()
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=raw[: ApiToken.PREFIX_LEN],
        key_hash=hash_token(raw),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=user,
        action="accounts.token_create",
        target=token,
        changes={"name": token.name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token``; revoking a revoked token changes nothing.

    Raises PermissionDenied unless ``actor`` owns the token or is an
    administrator.
    """
    if actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied
    # Lock the row so two concurrent revocations record one event.
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = snapshot(token, ["revoked_at"])
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="accounts.token_revoke",
        target=token,
        changes=diff(before, snapshot(token, ["revoked_at"])),
    )
    return token


def api_token_issue_for_credentials(
    *, username: str, password: str, name: str = ""
) -> tuple[ApiToken, str]:
    """Check a username and password and issue a token for that user.

    Raises ValidationError (code ``invalid_credentials``) when they do not
    match an active user; the message does not say which part was wrong.
    """
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise ValidationError(
            _("The username or password is incorrect."), code=INVALID_CREDENTIALS
        )
    return api_token_create(user=user, name=name)


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    """Set a new password (already validated by the form) and audit it.

    Only the password column is written; the audit event records that it
    changed, never a hash or a value.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="accounts.password_change", target=user)
    return user
