"""Progress bar fragment, polled by ``components/job_progress.html``.

Permission: the user who started the job or an administrator; anyone else
(and an unknown id) gets 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .permissions import access_job_progress

FAILED = "FAILED"


def backend_status(progress) -> str | None:
    """The task backend's status of the job (READY, RUNNING, FAILED,
    SUCCESSFUL), or None when the backend cannot tell."""
    if not progress.job_id:
        return None
    try:
        from django_tasks import default_task_backend

        return str(default_task_backend.get_result(progress.job_id).status)
    except Exception:  # unknown id, a backend without results, Redis down
        return None


@never_cache
@login_required
@require_GET
def job_progress(request, pk):
    progress = access_job_progress(user=request.user, pk=pk)
    status = None if progress.is_finished else backend_status(progress)
    response = render(
        request,
        "components/job_progress.html",
        {"progress": progress, "crashed": status == FAILED},
    )
    patch_vary_headers(response, ("HX-Request",))
    return response
