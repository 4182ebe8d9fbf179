"""Shared error shapes: every error is JSON with a code, a message and,
for validation errors, the fields and reasons."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


class FieldError(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] = []


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


def install(api) -> None:
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

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        return api.create_response(
            request,
            {"code": "error", "message": str(exc), "errors": []},
            status=exc.status_code,
        )
