"""Who may watch a job's progress: the user who started it, or an
administrator. Anyone else gets 404 (the job is not theirs to know of)."""

from __future__ import annotations

import uuid

from django.http import Http404

from .models import JobProgress


def access_job_progress(*, user, pk: uuid.UUID | str) -> JobProgress:
    try:
        progress = JobProgress.objects.get(pk=pk)
    except (JobProgress.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if user.is_superuser or (
        progress.owner_id is not None and progress.owner_id == user.pk
    ):
        return progress
    raise Http404
