from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dieuphoi.accounts import selectors as account_selectors

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
    """200 with database and job-queue status; 503 when the database is down."""
    status = {"database": "ok", "jobs": "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any DB failure means unhealthy
        status["database"] = "unavailable"
        status["jobs"] = "unknown"
        code = 503
    else:
        try:
            from django_tasks_db.models import DBTaskResult

            status["jobs_queued"] = DBTaskResult.objects.filter(status="READY").count()
            status["jobs_failed"] = DBTaskResult.objects.filter(status="FAILED").count()
        except Exception:  # the queue tables may be missing or locked
            status["jobs"] = "unavailable"
    status["status"] = "ok" if code == 200 else "error"
    return JsonResponse(status, status=code)


@never_cache
@require_GET
def ping(request):
    """Liveness without touching the database: the benchmarks' bare baseline."""
    return HttpResponse("ok", content_type="text/plain")
