"""Bearer-token authentication. Tokens are stored as sha256 only."""

from django.utils import timezone
from ninja.security import HttpBearer

from dieuphoi.accounts.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(
                key_hash=hash_token(token),
                revoked_at__isnull=True,
                user__is_active=True,
            )
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        # Touch at most once a minute: a write per request would serialise
        # SQLite under load.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        # The token itself, for endpoints that act on it (DELETE /auth/token).
        request.api_token = row
        return row.user


token_auth = TokenAuth()
