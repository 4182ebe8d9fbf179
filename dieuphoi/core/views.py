import sys

from django import db
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dieuphoi.accounts import selectors as account_selectors

from . import health
from .context_processors import nav_areas
from .home import render_home_sections
from .models import local_today

QUICK_LINKS = {
    "org:region": _("The Capital Region: provinces and their history"),
    "org:agency-list": _("Agencies and departments"),
    "org:body-list": _("Coordination bodies and their members"),
    "docs:list": _("Document register"),
}


@login_required
def home(request):
    """ "My work": the user's roles today, quick links and app sections."""
    today = local_today()
    items, _coming = nav_areas()
    quick_links = [
        {**item, "description": QUICK_LINKS[item["name"]]}
        for item in items
        if item["name"] in QUICK_LINKS
    ]
    context = {
        "today": today,
        "memberships": account_selectors.user_membership_list(
            user=request.user, on=today
        ),
        "quick_links": quick_links,
        "home_sections": render_home_sections(request),
    }
    return render(request, "core/home.html", context)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not, within
    ``HEALTHZ_TIMEOUT_SECONDS`` whatever it does (``health.check``).
    Anonymous callers (monitors) get only up or down; administrators also
    see the job queue's counts."""
    result = health.check()
    status = {"status": "ok" if result.up else "error"}
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.is_superuser)
    ):
        status["database"] = result.database
        if not result.up:
            status["jobs"] = "unknown"
        elif result.jobs:
            status["jobs"] = "ok"
            status["jobs_queued"] = result.jobs.get("READY", 0)
            status["jobs_failed"] = result.jobs.get("FAILED", 0)
        else:  # the queue table is missing
            status["jobs"] = "unavailable"
    return JsonResponse(status, status=200 if result.up else 503)


@never_cache
@require_GET
def ping(request):
    """Liveness without touching the database: the benchmarks' bare baseline."""
    return HttpResponse("ok", content_type="text/plain")


# Errors that mean the database cannot be reached (stopped, restarting, out of
# connections): the request may succeed in a minute, so 503 + Retry-After, not
# a 500 that reads as a bug.
DATABASE_UNAVAILABLE = (db.OperationalError, db.InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """``handler500``: 503 while the database is unreachable, else 500.

    Rendered without a request context (no user, no database), like Django's
    own: whatever failed may fail again."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, DATABASE_UNAVAILABLE) and not _locked(error)
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        detail = (
            _("The database is unavailable; try again in a minute.")
            if unavailable
            else _("Server error.")
        )
        response = JsonResponse({"detail": str(detail)}, status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render(), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _locked(error) -> bool:
    # SQLite's "database is locked" is a writer waiting too long, not an outage.
    return "locked" in str(error)


def page_not_found(request, exception):
    """``handler404``: the API's JSON error under ``/api/`` (a path no route
    matches, e.g. one with a line break the API's own fallback cannot
    take), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": "Not found.", "errors": []}, status=404
        )
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """``handler400``: the API's JSON error under ``/api/`` for what Django
    refuses before any route runs (a Host header that is not allowed, a
    suspicious operation); the site's page elsewhere. Reads only the path:
    the host may be what was refused."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "bad_request", "message": "Bad request.", "errors": []},
            status=400,
        )
    return defaults.bad_request(request, exception)
