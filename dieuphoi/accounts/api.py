"""Token endpoints (``/api/v1/auth``): issue, inspect and revoke bearer tokens."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from dieuphoi.api.errors import ErrorOut
from dieuphoi.core.models import local_today

from . import selectors, services
from .models import ApiToken

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=4096)
    name: str = Field("", max_length=ApiToken._meta.get_field("name").max_length)


class TokenOut(Schema):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme name, not a secret
    prefix: str


class AgencyOut(Schema):
    id: int
    code: str
    name: str


class MembershipOut(Schema):
    body_id: int
    body: str
    role: str
    role_label: str
    agency: str | None
    valid_from: datetime.date
    valid_to: datetime.date | None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    agency: AgencyOut | None
    is_admin: bool
    is_leadership_viewer: bool
    memberships: list[MembershipOut]


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut},
    summary="Issue a token for a username and password",
)
def token_issue(request, payload: TokenIn):
    """The raw token is in this response only; the server keeps its hash."""
    try:
        token, raw = services.api_token_issue_for_credentials(
            username=payload.username, password=payload.password, name=payload.name
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) != services.INVALID_CREDENTIALS:
            raise
        return 401, {
            "code": "invalid_credentials",
            "message": _("The username or password is incorrect."),
            "errors": [],
        }
    return 200, {"token": raw, "token_type": "bearer", "prefix": token.prefix}


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The token's user")
def me(request):
    """The user and their memberships valid today (Asia/Ho_Chi_Minh)."""
    user = request.auth
    memberships = selectors.user_membership_list(user=user, on=local_today())
    agency = user.agency
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "agency": (
            {"id": agency.pk, "code": agency.code, "name": agency.name}
            if agency
            else None
        ),
        "is_admin": user.is_superuser,
        "is_leadership_viewer": user.is_leadership_viewer,
        "memberships": [
            {
                "body_id": m.body_id,
                "body": m.body.name,
                "role": m.role,
                "role_label": m.get_role_display(),
                "agency": m.agency.name if m.agency else None,
                "valid_from": m.valid_from,
                "valid_to": m.valid_to,
            }
            for m in memberships
        ],
    }


@router.delete(
    "/token", response={204: None, 401: ErrorOut}, summary="Revoke this token"
)
def token_revoke(request):
    """Revoke the token that authenticated this request."""
    services.api_token_revoke(actor=request.auth, token=request.api_token)
    return 204, None
