"""Bearer-token authentication. Tokens are stored as sha256 only.

A token authenticates while it is not revoked, not expired
(``API_TOKEN_DAYS``), its user is active, and the user still holds every seat
it was issued for (administrator, staff, leadership viewer, a membership valid
today): a token whose user lost one is revoked here, at its next use.
"""

from django.utils import timezone
from ninja.security import HttpBearer

from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.core.auth import ModelBackend
from dieuphoi.core.middleware import client_ip
from dieuphoi.core.prepared import Prepared


def _token_query(key, now):
    return ApiToken.objects.filter(
        key_hash=key, revoked_at__isnull=True, expires_at__gt=now
    ).order_by("pk")


# Compiled once (core.prepared): every API request looks its token up, and
# building this SQL cost more than running it (as the session's read).
_TOKEN = Prepared(_token_query, opens=("str", "datetime"))


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        now = timezone.now()
        row = _TOKEN.first((hash_token(token), now))
        if row is None:
            return None
        # The user as every web request loads it (core.auth: compiled once,
        # with ``nav_has_seat``, a membership valid today); None if inactive.
        user = ModelBackend().get_user(row.user_id)
        if user is None:
            return None
        row.user = user
        current = services.user_seats(user=user, has_membership=user.nav_has_seat)
        if set(row.seats) - current:
            services.api_tokens_revoke_lost_seats(
                user=user, has_membership=user.nav_has_seat
            )
            return None
        # Touch at most once a minute: a write per request would serialise
        # SQLite under load. The address is the one of that request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(
                last_used_at=now, last_used_ip=client_ip(request)
            )
        request.user = row.user
        # The token itself, for endpoints that act on it (DELETE /auth/token).
        request.api_token = row
        return row.user


token_auth = TokenAuth()
