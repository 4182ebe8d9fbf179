"""The compilation job: counting a year of data takes seconds, so the page
that asks for it answers at once and shows this job's progress
(``services.report_compile_request`` enqueues it; it runs
``compilation.report_compile``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.jobs.progress import job_progress_finish, job_progress_update
from dieuphoi.jobs.retry import retrying_task

from . import compilation
from .models import Report

MAX_ATTEMPTS = 3


@retrying_task(max_attempts=MAX_ATTEMPTS, backoff=10)
def report_compile_job(
    *, progress_id: str, report_id: int, actor_id: int, _attempt: int = 1
) -> None:
    url = reverse("reports:detail", args=[report_id])
    actor = get_user_model().objects.filter(pk=actor_id).first()
    report = Report.objects.select_related("body", "paper").filter(pk=report_id).first()
    if report is None or actor is None:
        job_progress_finish(progress_id, failed=True, message=gettext("Not found."))
        return

    def progress(done: int, total: int) -> None:
        job_progress_update(progress_id, done, total=total)

    try:
        compilation.report_compile(actor=actor, report=report, progress=progress)
    except (ValidationError, PermissionDenied) as exc:
        # The report changed since the request: a retry fails the same way.
        message = " ".join(getattr(exc, "messages", [str(exc)]))
        job_progress_finish(progress_id, failed=True, message=message, result_url=url)
        return
    except Exception:
        if _attempt >= MAX_ATTEMPTS:
            job_progress_finish(
                progress_id,
                failed=True,
                message=gettext(
                    "The report could not be compiled. The administrators can see why."
                ),
                result_url=url,
            )
        raise
    job_progress_finish(
        progress_id, result_url=url, message=gettext("The report is compiled.")
    )
