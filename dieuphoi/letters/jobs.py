"""The background job that generates an urging letter (thin: it calls
``generation``; ``services.urging_letter_request`` enqueues it).

Idempotent: the letter row carries its reserved number and its status, so a
second run (a retry, a re-queue after the worker died) finishes the same
letter or returns at once when it is drafted.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.jobs.progress import job_progress_finish
from dieuphoi.jobs.retry import retrying_task

from . import generation
from .models import UrgingLetter

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def _result_url(letter: UrgingLetter) -> str:
    return reverse("letters:detail", args=[letter.pk])


@retrying_task(max_attempts=MAX_ATTEMPTS, backoff=30)
def urging_letter_job(*, progress_id: str, letter_id: int, _attempt: int = 1) -> None:
    letter = (
        UrgingLetter.objects.select_related("body", "agency", "created_by")
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        job_progress_finish(
            progress_id, failed=True, message=gettext("The letter no longer exists.")
        )
        return
    if letter.status in (UrgingLetter.Status.DRAFTED, UrgingLetter.Status.DONE):
        job_progress_finish(progress_id, result_url=_result_url(letter))
        return
    try:
        generation.urging_letter_generate(
            actor=letter.created_by,
            body=letter.body,
            on=letter.on,
            task_ids=letter.task_ids or None,
            agency=letter.agency,
            keep_ids=letter.kept_ids or None,
            letter=letter,
            progress_id=progress_id,
        )
    except ValidationError as exc:
        # The data changed since the request (the tasks were completed, the
        # profile removed): retrying would fail the same way.
        message = " ".join(exc.messages)
        generation.urging_letter_fail(letter=letter, message=message)
        job_progress_finish(
            progress_id, failed=True, message=message, result_url=_result_url(letter)
        )
        return
    except Exception:
        if _attempt >= MAX_ATTEMPTS:
            message = gettext(
                "The letter could not be generated; the administrators can see why."
            )
            generation.urging_letter_fail(letter=letter, message=message)
            job_progress_finish(
                progress_id,
                failed=True,
                message=message,
                result_url=_result_url(letter),
            )
        raise
    job_progress_finish(
        progress_id,
        result_url=_result_url(letter),
        message=gettext("The draft letter is ready for review."),
    )
