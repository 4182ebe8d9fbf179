from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_required
def home(request):
    return render(request, "core/home.html", {})


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
    except Exception:  # noqa: BLE001 - any DB failure means unhealthy
        status["database"] = "unavailable"
        status["jobs"] = "unknown"
        code = 503
    else:
        try:
            from django_tasks_db.models import DBTaskResult

            status["jobs_queued"] = DBTaskResult.objects.filter(status="READY").count()
            status["jobs_failed"] = DBTaskResult.objects.filter(status="FAILED").count()
        except Exception:  # noqa: BLE001
            status["jobs"] = "unavailable"
    status["status"] = "ok" if code == 200 else "error"
    return JsonResponse(status, status=code)
