"""Token endpoints (``/api/v1/auth``): issue, inspect and revoke bearer tokens."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema

from dieuphoi.api.errors import ErrorOut, responses
from dieuphoi.core.models import local_today

from . import selectors, services
from .lockout import lockout_message
from .models import ApiToken

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=4096)
    name: str = Field("", max_length=ApiToken._meta.get_field("name").max_length)
    otp: str = Field(
        "",
        max_length=16,
        description="Two-factor code (or a recovery code) of a user who has set up two-factor login.",
    )


class TokenOut(Schema):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme name, not a secret
    prefix: str
    expires_at: datetime.datetime


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
    response=responses({200: TokenOut, 429: ErrorOut}, body=True),
    summary="Issue a token for a username and password",
)
def token_issue(request, payload: TokenIn):
    """The raw token is in this response only; the server keeps its hash.

    A user who has set up two-factor login sends its code as ``otp`` (401
    ``otp_required`` without it); one who must set it up does so in the web
    interface first (401 ``two_factor_enrolment_required``). Repeated
    failures lock the username and the client for a while (429
    ``locked_out``). The token expires at ``expires_at``.
    """
    try:
        token, raw = services.api_token_issue_for_credentials(
            username=payload.username,
            password=payload.password,
            name=payload.name,
            otp=payload.otp,
            request=request,
        )
    except ValidationError as exc:
        code = getattr(exc, "code", None)
        if code == services.LOCKED_OUT:
            return 429, {"code": code, "message": lockout_message(), "errors": []}
        if code not in (
            services.INVALID_CREDENTIALS,
            services.OTP_REQUIRED,
            services.ENROLMENT_REQUIRED,
        ):
            raise
        return 401, {"code": code, "message": str(exc.messages[0]), "errors": []}
    return 200, {
        "token": raw,
        "token_type": "bearer",  # the scheme name, not a secret  # nosec B105
        "prefix": token.prefix,
        "expires_at": token.expires_at,
    }


@router.get("/me", response=responses({200: MeOut}), summary="The token's user")
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


@router.delete("/token", response=responses({204: None}), summary="Revoke this token")
def token_revoke(request):
    """Revoke the token that authenticated this request."""
    services.api_token_revoke(actor=request.auth, token=request.api_token)
    return 204, None
