"""Background jobs of the documents engine (thin: they call ``issuing``;
``services`` enqueues them).

Both are idempotent: a draft's files are laid out again from the same
content; an issued paper is returned as it is.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.jobs.progress import job_progress_finish
from dieuphoi.jobs.retry import retrying_task

from . import issuing

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@retrying_task(max_attempts=MAX_ATTEMPTS, backoff=10)
def paper_version_render(
    *, progress_id: str, version_id: int, _attempt: int = 1
) -> None:
    version = issuing.version_render(version_id=version_id, progress_id=progress_id)
    url = reverse("paperwork:detail", args=[version.paper_id]) if version else ""
    job_progress_finish(progress_id, result_url=url)


@retrying_task(max_attempts=MAX_ATTEMPTS, backoff=10)
def paper_issue_job(
    *, progress_id: str, paper_id: int, actor_id: int, _attempt: int = 1
) -> None:
    url = reverse("paperwork:detail", args=[paper_id])
    actor = get_user_model().objects.filter(pk=actor_id).first()
    try:
        issuing.paper_issue(actor=actor, paper_id=paper_id, progress_id=progress_id)
    except (ValidationError, PermissionDenied) as exc:
        # The data changed since the request: a retry would fail the same way.
        message = " ".join(getattr(exc, "messages", [str(exc)]))
        issuing.paper_issue_fail(paper_id=paper_id, message=message)
        job_progress_finish(progress_id, failed=True, message=message, result_url=url)
        return
    except Exception:
        if _attempt >= MAX_ATTEMPTS:
            message = gettext(
                "The document could not be laid out; no number was taken. "
                "The administrators can see why."
            )
            issuing.paper_issue_fail(paper_id=paper_id, message=message)
            job_progress_finish(
                progress_id, failed=True, message=message, result_url=url
            )
        raise
    job_progress_finish(
        progress_id, result_url=url, message=gettext("The document is issued.")
    )
