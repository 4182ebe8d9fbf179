"""The login policy, applied to every signed-in web request.

- A session ends after ``SESSION_IDLE_SECONDS`` without a request, and
  ``SESSION_MAX_SECONDS`` after login whatever happens.
- Two-factor login: a user with a device enters a code after the password; a
  user who must have one (``services.two_factor_required``) sets it up
  first. Until then every page but those of the login itself redirects there.
- Every refused access (403) is recorded in the audit trail.

The API is not concerned by the first two (it authenticates each request by
bearer token; tokens expire on their own), but its 403s are audited too.
"""

import time
from functools import partial

from django.apps import apps
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from dieuphoi.core.auth import session_device
from dieuphoi.core.prepared import Prepared

AUTH_AT = "dieuphoi_auth_at"
SEEN_AT = "dieuphoi_seen_at"
TWO_FACTOR = "dieuphoi_2fa"
# The session's "last seen" is written at most this often (a session write
# per request would serialise SQLite under load).
SEEN_RESOLUTION_SECONDS = 60

# Views a signed-in user may reach before the second factor.
TWO_FACTOR_EXEMPT = {
    "accounts:login",
    "accounts:logout",
    "accounts:two-factor-setup",
    "accounts:two-factor-verify",
    "set_language",
    "javascript-catalog",
    "core:healthz",
    "healthz",
}


def _device_query(mark, label):
    return apps.get_model(label).objects.filter(id=mark).order_by("pk")


# Compiled once per device type (core.prepared): every signed-in request
# loads the session's device.
_DEVICE = Prepared(_device_query)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified``)
    with the same rules, at no query of its own: the user's query answers
    whether the session's device exists, is confirmed and is the user's
    (``core.auth``), and the device itself is loaded only if something reads
    it (``is_verified`` does not). A malformed id, or one of no device
    model, gives no device, as ``Device.from_persistent_id`` does."""

    def _verify_user_sync(self, request, user):
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        wanted = self._parse(persistent_id) if persistent_id else None
        if wanted is None:
            return super()._verify_user_sync(request, user)
        with session_device(*wanted):
            self._init_user_fields(user)  # loads the user, in the block
        if not user.is_authenticated:
            return user
        confirmed = getattr(user, "floor_device", None)
        if confirmed is None:  # the user was loaded before: ask on its own
            device = self._device_from_persistent_id(persistent_id)
            user.otp_device = self._finalize_device(request, user, device)
        elif confirmed:
            user.otp_device = SimpleLazyObject(partial(_load_device, *wanted))
        else:
            user.otp_device = self._finalize_device(request, user, None)
        return user

    def _parse(self, persistent_id: str) -> tuple[str, int] | None:
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            label, device_id = persistent_id.rsplit("/", 1)
            device_cls = apps.get_model(label)
            device_id = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(device_cls, Device) or not 0 < device_id < 2**63:
            return None
        return device_cls._meta.label_lower, device_id

    def _device_from_persistent_id(self, persistent_id: str):
        wanted = self._parse(persistent_id)
        return None if wanted is None else _load_device(*wanted)


def _load_device(label: str, device_id: int):
    return _DEVICE.first(device_id, key=(label,))


def session_start(request, user) -> None:
    """Called at login: the clock starts, the two-factor state is noted."""
    from . import services

    now = int(time.time())
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now
    request.session[TWO_FACTOR] = services.two_factor_state(user=user)


def _redirect(request, url: str):
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class LoginPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            self._audit_refusal(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = request.session
        now = int(time.time())
        auth_at = session.get(AUTH_AT)
        seen_at = session.get(SEEN_AT)
        if auth_at is None:  # a session older than this policy
            session[AUTH_AT] = auth_at = now
        reason = None
        if now - auth_at > settings.SESSION_MAX_SECONDS:
            reason = "max_age"
        elif seen_at is not None and now - seen_at > settings.SESSION_IDLE_SECONDS:
            reason = "idle"
        if reason is not None:
            from . import services

            services.auth_event_record(
                action="accounts.session_expired", user=user, changes={"reason": reason}
            )
            logout(request)
            return _redirect(request, redirect_to_login(request.get_full_path()).url)
        if seen_at is None or now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now

        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_EXEMPT:
            return None
        if TWO_FACTOR not in session:
            from . import services

            session[TWO_FACTOR] = services.two_factor_state(user=user)
        state = session[TWO_FACTOR]
        if not state or (hasattr(user, "is_verified") and user.is_verified()):
            return None
        name = (
            "accounts:two-factor-verify"
            if state == "verify"
            else "accounts:two-factor-setup"
        )
        target = reverse(name)
        if request.method == "GET" and not getattr(request, "htmx", False):
            from urllib.parse import urlencode

            target += "?" + urlencode({"next": request.get_full_path()})
        return _redirect(request, target)

    @staticmethod
    def _audit_refusal(request) -> None:
        from . import services

        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        services.auth_event_record(
            action="access.denied",
            user=user,
            username="",
            changes={
                "method": request.method,
                "path": request.path[:200],
                "status": 403,
            },
        )
