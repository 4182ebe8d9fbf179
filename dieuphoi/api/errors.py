"""Shared error shapes: every error is JSON with a code, a message and,
for validation errors, the fields and reasons.

``install(api)`` maps exceptions to those answers and makes every operation
refuse query parameters it does not know (422 on the parameter): a typo such
as ``lead_agncy=5`` would otherwise answer the unfiltered list.
"""

import functools

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


class FieldError(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] = []


class ConflictOut(ErrorOut):
    current_version: int | None = Field(
        None, description="The object's version now: read it again and retry."
    )


# The error answers every operation declares (OpenAPI), all with the shared
# body: 400 a body that is not JSON or a form, 401 no valid token, 403 not
# allowed, 404 not found or not visible, 422 invalid input (field and reason).
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
# Operations that take a ``version``: 409 when someone changed the object first.
CONFLICT = {409: ConflictOut}
# Operations that take a body: 413 over DATA_UPLOAD_MAX_MEMORY_SIZE.
TOO_LARGE = {413: ErrorOut}


def responses(ok: dict, *, version: bool = False, body: bool = False) -> dict:
    """``response=`` of an operation: ``ok`` (e.g. ``{200: TaskOut}``), the
    shared errors, and 409 (``version``) and 413 (``body``) when they apply."""
    return {
        **ok,
        **ERRORS,
        **(CONFLICT if version else {}),
        **(TOO_LARGE if body else {}),
    }


class Conflict(Exception):
    """A stale ``version``: someone else changed the object first."""

    def __init__(self, message: str, current_version: int | None = None):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


def validation_error_fields(exc: ValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {
                "field": field,
                "reason": " ".join(str(m) for m in ValidationError(errors).messages),
            }
            for field, errors in exc.error_dict.items()
        ]
    return [{"field": "__all__", "reason": str(m)} for m in exc.messages]


def _query_names(operation) -> set[str]:
    names: set[str] = set()
    for model in getattr(operation, "models", ()):
        if getattr(model, "__ninja_param_source__", None) == "query":
            flatten = getattr(model, "__ninja_flatten_map__", None)
            names |= set(flatten or model.model_fields)
    return names


def _known_query_only(api):
    """A "view" decorator (runs before validation): 422 on an unknown query
    parameter. ``run`` is the operation's bound ``run`` method."""

    def decorate(run):
        operation = getattr(run, "__self__", None)
        if operation is None or getattr(
            operation.view_func, "accepts_any_query", False
        ):
            return run
        known = _query_names(operation)

        @functools.wraps(run)
        def wrapped(request, *args, **kwargs):
            unknown = sorted(set(request.GET) - known)
            if unknown:
                return api.create_response(
                    request,
                    {
                        "code": "invalid",
                        "message": "Invalid input.",
                        "errors": [
                            {"field": name, "reason": "Unknown query parameter."}
                            for name in unknown
                        ],
                    },
                    status=422,
                )
            return run(request, *args, **kwargs)

        return wrapped

    return decorate


def install(api) -> None:
    api.add_decorator(_known_query_only(api), mode="view")

    @api.exception_handler(NinjaValidationError)
    def _schema_invalid(request, exc):
        errors = []
        for err in exc.errors:
            loc = [
                str(p)
                for p in err.get("loc", ())
                if p not in ("body", "query", "path", "payload", "form")
            ]
            errors.append(
                {
                    "field": ".".join(loc) or "__all__",
                    "reason": err.get("msg", "invalid"),
                }
            )
        return api.create_response(
            request,
            {"code": "invalid", "message": "Invalid input.", "errors": errors},
            status=422,
        )

    @api.exception_handler(ValidationError)
    def _domain_invalid(request, exc):
        return api.create_response(
            request,
            {
                "code": "invalid",
                "message": "Invalid input.",
                "errors": validation_error_fields(exc),
            },
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(
            request,
            {
                "code": "unauthenticated",
                "message": "Authentication required.",
                "errors": [],
            },
            status=401,
        )

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return api.create_response(
            request,
            {"code": "forbidden", "message": "You may not do this.", "errors": []},
            status=403,
        )

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(
            request,
            {"code": "not_found", "message": "Not found.", "errors": []},
            status=404,
        )

    @api.exception_handler(Conflict)
    def _conflict(request, exc):
        return api.create_response(
            request,
            {
                "code": "conflict",
                "message": exc.message,
                "errors": [],
                "current_version": exc.current_version,
            },
            status=409,
        )

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request, exc):
        return api.create_response(
            request,
            {"code": "too_large", "message": "The request is too large.", "errors": []},
            status=413,
        )

    @api.exception_handler(SuspiciousOperation)
    def _bad_request(request, exc):
        # Too many fields or files in a form, a malformed multipart body.
        return api.create_response(
            request,
            {"code": "bad_request", "message": "Bad request.", "errors": []},
            status=400,
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        return api.create_response(
            request,
            {"code": "error", "message": str(exc), "errors": []},
            status=exc.status_code,
        )
