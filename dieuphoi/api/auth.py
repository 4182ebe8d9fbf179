"""Bearer-token authentication. Tokens are stored as sha256 only.

A token authenticates while it is not revoked, not expired
(``API_TOKEN_DAYS``), its user is active, and the user still holds every seat
it was issued for (administrator, staff, leadership viewer, a membership valid
today): a token whose user lost one is revoked here, at its next use.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from ninja.security import HttpBearer

from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.core.middleware import client_ip
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token:
            return None
        now = timezone.now()
        seats = Membership.objects.as_of(local_today()).filter(person=OuterRef("user"))
        row = (
            ApiToken.objects.select_related("user")
            .annotate(user_has_membership=Exists(seats))
            .filter(
                key_hash=hash_token(token),
                revoked_at__isnull=True,
                expires_at__gt=now,
                user__is_active=True,
            )
            .first()
        )
        if row is None:
            return None
        current = services.user_seats(
            user=row.user, has_membership=row.user_has_membership
        )
        if set(row.seats) - current:
            services.api_tokens_revoke_lost_seats(
                user=row.user, has_membership=row.user_has_membership
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
