"""Login lockout (django-axes): the backend, the client IP and the response.

After ``AXES_FAILURE_LIMIT`` failed logins in a row, the username and,
separately, the client IP are locked for ``AXES_COOLOFF_TIME``, on the login
form and on the token endpoint alike. Administrators see the locks in the
admin ("Access attempts") and release one by deleting it.
"""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dieuphoi.core.middleware import client_ip as _client_ip


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, which needs the request to know the client.

    Every login of ours (the form, the token endpoint, the admin through the
    form) passes the request. Code that authenticates without one (the test
    client's ``login()``, a script) has no client to lock and is not checked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request) -> str:
    """The same client address the audit trail records."""
    return _client_ip(request) or ""


def lockout_message() -> str:
    cool_off = get_cool_off()
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    return _(
        "Too many failed logins. Try again in %(minutes)d minutes, or ask an "
        "administrator to unlock the account."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """429 with the reason: JSON for the API, the lockout page otherwise."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "locked_out", "message": message, "errors": []}, status=429
        )
    return render(
        request, "registration/locked_out.html", {"message": message}, status=429
    )
