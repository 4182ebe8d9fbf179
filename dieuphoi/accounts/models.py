import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who may log in. Roles come from org.Membership, not from here."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # City leadership: read-only view of every body's work.
    is_leadership_viewer = models.BooleanField(_("leadership viewer"), default=False)
    # Set when all the user's sessions must end (logout, deactivation): a
    # session signed in before it no longer matches (_get_session_auth_hash).
    sessions_ended_at = models.DateTimeField(
        _("sessions ended at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "username"]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    def _get_session_auth_hash(self, secret=None):
        # Django ends a session whose stored hash no longer matches: besides
        # the password, the moment all sessions were ended is part of it.
        if self.sessions_ended_at is None:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "dieuphoi.accounts.User.get_session_auth_hash"
        value = f"{self.password}|{self.sessions_ended_at.isoformat()}"
        return salted_hmac(
            key_salt, value, secret=secret, algorithm="sha256"
        ).hexdigest()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_expiry():
    """When a token created now expires (``API_TOKEN_DAYS``)."""
    import datetime

    return timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for the API. Only its sha256 is stored."""

    PREFIX_LEN = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LEN)
    key_hash = models.CharField(max_length=64, unique=True)

    class RevokedReason(models.TextChoices):
        OWNER = "owner", _("revoked by its owner")
        ADMIN = "admin", _("revoked by an administrator")
        PASSWORD_CHANGE = "password_change", _("password changed")
        DEACTIVATION = "deactivation", _("account deactivated")
        ROLE_LOST = "role_lost", _("role ended")

    class Seat(models.TextChoices):
        """What the user held when the token was issued; losing any ends it."""

        ADMIN = "admin", _("administrator")
        STAFF = "staff", _("staff")
        LEADERSHIP = "leadership", _("leadership viewer")
        MEMBER = "member", _("member of a coordination body")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), default=token_expiry)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(
        _("last used from"), null=True, blank=True
    )
    seats = models.JSONField(_("issued for"), default=list, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("reason revoked"), max_length=20, choices=RevokedReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate_raw() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
