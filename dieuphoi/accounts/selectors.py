"""Reads about the signed-in user: memberships and API tokens."""

import datetime

from django.db.models import QuerySet

from dieuphoi.org.models import Membership

from .models import ApiToken, User


def user_membership_list(
    *, user: User, on: datetime.date | None = None
) -> QuerySet[Membership]:
    """The user's memberships, newest first; only those valid ``on`` if given.

    Read-only view of ``org.Membership`` for the user's own pages.
    """
    qs = Membership.objects.filter(person=user)
    if on is not None:
        qs = qs.as_of(on)
    return qs.select_related("body", "agency", "appointing_document").order_by(
        "-valid_from", "body__name", "role"
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        "revoked_at", "-created_at", "-id"
    )
