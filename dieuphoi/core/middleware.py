"""Request context for the audit trail: a request id and the client IP.

Services read them through ``current_request_context()`` so that the audit
event written in the same transaction as a change knows where it came from,
without passing the request through every layer.
"""

import contextlib
import contextvars
import re
import uuid
from dataclasses import dataclass

from . import cache as stamps

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "dieuphoi_request_context", default=None
)


def current_request_context() -> RequestContext:
    return _context.get() or _EMPTY


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the reverse proxy's address in production; the proxy is
    # trusted to set X-Forwarded-For (README, "Production").
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _context.set(
            RequestContext(request_id=request_id, ip=client_ip(request))
        )
        try:
            with stamps.request_scope():
                response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    """The UI language: Vietnamese unless the user chose English.

    Replaces Django's ``LocaleMiddleware``, which would follow the browser's
    Accept-Language: officials' machines often say English while the team
    works in Vietnamese. Only the language switch (``set_language``, which
    sets ``settings.LANGUAGE_COOKIE_NAME``, kept for
    ``LANGUAGE_COOKIE_AGE``) changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            with contextlib.suppress(LookupError):  # not offered: the default
                language = translation.get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PrivateCacheMiddleware:
    """Responses for a signed-in user (session or API token) are never
    stored by a browser or a proxy: ``Cache-Control: private, no-store``.

    Anonymous responses (the login page, ``/healthz``) keep what the view set;
    static files are answered by WhiteNoise before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.META.get(
            "HTTP_AUTHORIZATION"
        ):
            from django.utils.cache import patch_cache_control

            cache_control = response.get("Cache-Control", "")
            if "public" in cache_control:
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response
