"""Bearer-token authentication. Tokens are stored as sha256 only.

A token authenticates while it is not revoked, not expired
(``API_TOKEN_DAYS``), its user is active, and the user still holds every seat
it was issued for (administrator, staff, leadership viewer, a membership valid
today): a token whose user lost one is revoked here, at its next use.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from ninja.security import HttpBearer

from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.core.middleware import client_ip
from dieuphoi.core.models import local_today
from dieuphoi.core.prepared import Prepared, loaded
from dieuphoi.org.models import Membership

# The token's columns the check reads, brought with its user.
_TOKEN_FIELDS = ("id", "seats", "last_used_at")


def _user_by_token(key, now, day):
    seats = Membership.objects.as_of(day).filter(person=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            api_tokens__key_hash=key,
            api_tokens__revoked_at__isnull=True,
            api_tokens__expires_at__gt=now,
        )
        .annotate(
            # The same join as the filter's: the one token with that hash.
            **{f"token_{name}": F(f"api_tokens__{name}") for name in _TOKEN_FIELDS},
            has_membership=Exists(seats),
        )
        .order_by()
    )


# One query for the token and its user, compiled once a day (core.prepared),
# as the session's read is: every API request makes it, and building its SQL
# cost more than running it (docs/performance.md).
_USER_BY_TOKEN = Prepared(_user_by_token, opens=("str", "datetime"))


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        now = timezone.now()
        user = _USER_BY_TOKEN.first((hash_token(token), now), key=(local_today(),))
        if user is None:
            return None
        # EXISTS comes back as 0/1 from SQLite (no converter in raw()).
        has_membership = bool(user.has_membership)
        row = loaded(
            ApiToken,
            {
                "user": user.pk,
                **{name: getattr(user, f"token_{name}") for name in _TOKEN_FIELDS},
            },
        )
        row.user = user
        current = services.user_seats(user=user, has_membership=has_membership)
        if set(row.seats) - current:
            services.api_tokens_revoke_lost_seats(
                user=user, has_membership=has_membership
            )
            return None
        # Touch at most once a minute: a write per request would serialise
        # SQLite under load. The address is the one of that request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(
                last_used_at=now, last_used_ip=client_ip(request)
            )
        request.user = user
        # The token itself (its other columns load when read), for endpoints
        # that act on it (DELETE /auth/token).
        request.api_token = row
        return user


token_auth = TokenAuth()
