"""Progress of long jobs, shown to the user who started them.

Flow (recommended)::

    # in a service, inside its transaction
    progress = enqueue_with_progress(
        letter_generate, owner=actor, label=gettext("Urging letter"),
        kwargs={"selection": ids},
    )   # the job is called with progress_id=<str(progress.pk)>

    # in the job
    @retrying_task()
    def letter_generate(*, progress_id: str, selection: list[int]) -> None:
        for i, row in enumerate(rows, 1):
            ...
            if i % 50 == 0:
                job_progress_update(progress_id, i, len(rows))
        job_progress_finish(progress_id, result_url=url)

    # in the page
    {% include "components/job_progress.html" with progress=progress only %}

``job_progress_update`` and ``job_progress_finish`` take the progress id or
the job's own id in the task backend (for a row made by
``job_progress_start(job_id=result.id, ...)``). They write outside any
caller's transaction concerns: each is one UPDATE (or an insert for a job id
not seen yet), cheap enough to call every few dozen items.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import JobProgress


def _key_q(key: str | uuid.UUID) -> Q:
    try:
        return Q(pk=uuid.UUID(str(key))) | Q(job_id=str(key))
    except ValueError:
        return Q(job_id=str(key))


def job_progress_get(key: str | uuid.UUID) -> JobProgress | None:
    return JobProgress.objects.filter(_key_q(key)).first()


def job_progress_start(
    *, job_id: str, owner=None, label: str = "", total: int = 0
) -> JobProgress:
    """A progress row for a job you enqueued yourself (keyed by its id)."""
    owner_id = owner.pk if owner is not None and owner.is_authenticated else None
    try:
        with transaction.atomic():
            progress, _created = JobProgress.objects.update_or_create(
                job_id=str(job_id),
                defaults={"owner_id": owner_id, "label": label[:255], "total": total},
            )
    except IntegrityError:  # pragma: no cover - a job raced us to create it
        progress = JobProgress.objects.get(job_id=str(job_id))
    return progress


def enqueue_with_progress(
    job,
    *,
    owner=None,
    label: str = "",
    total: int = 0,
    args: tuple = (),
    kwargs: dict[str, Any] | None = None,
) -> JobProgress:
    """Create the progress row, then enqueue ``job`` with ``progress_id``."""
    owner_id = owner.pk if owner is not None and owner.is_authenticated else None
    progress = JobProgress.objects.create(
        owner_id=owner_id, label=label[:255], total=total
    )
    result = job.enqueue(*args, progress_id=str(progress.pk), **(kwargs or {}))
    progress.job_id = str(result.id)
    progress.save(update_fields=["job_id", "updated_at"])
    return progress


def job_progress_update(
    key: str | uuid.UUID,
    done: int,
    total: int | None = None,
    *,
    message: str | None = None,
) -> None:
    """Record that ``done`` of ``total`` items are done."""
    if done < 0 or (total is not None and total < 0):
        raise ValueError("done and total must not be negative")
    fields: dict[str, Any] = {"done": done, "updated_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:255]
    if JobProgress.objects.filter(_key_q(key)).update(**fields):
        return
    # A job whose id was never registered (or that ran before its row was
    # committed): record it without an owner, so only administrators see it.
    fields.pop("updated_at")
    try:
        with transaction.atomic():
            JobProgress.objects.create(job_id=str(key)[:64], **fields)
    except IntegrityError:  # pragma: no cover - created meanwhile
        JobProgress.objects.filter(_key_q(key)).update(**fields)


def job_progress_finish(
    key: str | uuid.UUID,
    *,
    result_url: str = "",
    message: str = "",
    failed: bool = False,
) -> None:
    """Mark the job done (or failed), with a link to its result if any."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "finished_at": now,
        "failed": failed,
        "updated_at": now,
        "result_url": result_url[:500],
    }
    if message:
        fields["message"] = message[:255]
    JobProgress.objects.filter(_key_q(key)).update(**fields)
