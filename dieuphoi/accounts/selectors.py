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


def two_factor_status(*, user: User) -> dict:
    """The user's two-factor login: set up or not, required or not, and how
    many recovery codes are left."""
    from django_otp.plugins.otp_static.models import StaticToken

    from . import services

    has_device = services.two_factor_has_device(user=user)
    return {
        "enabled": has_device,
        "required": services.two_factor_required(user=user),
        "recovery_left": (
            StaticToken.objects.filter(device__user=user).count() if has_device else 0
        ),
    }
