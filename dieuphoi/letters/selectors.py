"""Reads for urging letters: overdue tasks to urge, letters of a task.

Callers check permissions first (``permissions.access_letter_body``); these
functions scope by body.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from dieuphoi.org.models import Agency, Body
from dieuphoi.org.selectors import body_standing_agency
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task

from .models import IssuingProfile, LetterTask, UrgingLetter


def clean_task_ids(values: Iterable) -> list[int]:
    """Distinct positive integer ids in their first order; junk is dropped."""
    seen: dict[int, None] = {}
    for value in values:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            continue
        if number > 0:
            seen.setdefault(number, None)
    return list(seen)


def overdue_q(on: datetime.date):
    return buckets.in_view_q(on) & buckets.bucket_q(buckets.OVERDUE, on)


def overdue_tasks(
    *,
    body: Body,
    on: datetime.date,
    task_ids: list[int] | None = None,
    agency: Agency | None = None,
) -> QuerySet[Task]:
    """Tasks of ``body`` overdue on ``on``: those of ``agency`` as lead
    agency, or those among ``task_ids``. Sorted as the letter lists them
    (lead agency, deadline, code), with what its table shows loaded."""
    qs = Task.objects.filter(body=body).filter(overdue_q(on))
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    if task_ids is not None:
        qs = qs.filter(pk__in=task_ids)
    return (
        qs.select_related("lead_agency", "source_document")
        .defer("description", "search_text")
        .order_by("lead_agency__name", "lead_agency_id", "deadline", "year", "seq")
    )


@dataclass(frozen=True)
class AgencyCount:
    agency_id: int
    name: str
    count: int


def agency_overdue_counts(*, body: Body, on: datetime.date) -> list[AgencyCount]:
    """Lead agencies of ``body`` with their number of overdue tasks, most first."""
    rows = (
        Task.objects.filter(body=body)
        .filter(overdue_q(on))
        .values("lead_agency_id", "lead_agency__name")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_agency__name")
    )
    return [
        AgencyCount(row["lead_agency_id"], row["lead_agency__name"], row["n"])
        for row in rows
    ]


def selected_not_overdue(
    *, body: Body, on: datetime.date, task_ids: list[int]
) -> list[Task]:
    """Tasks among ``task_ids`` of ``body`` that are not overdue on ``on``
    (shown on the preview as left out of the letter)."""
    if not task_ids:
        return []
    return list(
        Task.objects.filter(body=body, pk__in=task_ids)
        .exclude(overdue_q(on))
        .select_related("lead_agency")
        .only("id", "code", "title", "lead_agency__name", "lead_agency__short_name")
        .order_by("year", "seq")
    )


def task_body_ids(task_ids: list[int]) -> list[int]:
    """The distinct bodies of the tasks ``task_ids``."""
    return sorted(
        set(Task.objects.filter(pk__in=task_ids).values_list("body_id", flat=True))
    )


def issuing_profile_get(*, body: Body) -> IssuingProfile | None:
    return (
        IssuingProfile.objects.select_related("body", "issuer_agency")
        .filter(body=body)
        .first()
    )


def issuing_agency(
    *, body: Body, on: datetime.date, profile: IssuingProfile | None
) -> Agency | None:
    """The agency entered as issuer in the register: the profile's, else the
    body's standing agency on ``on``."""
    if profile is not None and profile.issuer_agency_id:
        return profile.issuer_agency
    return body_standing_agency(body=body, on=on)


def letter_tasks(*, letter: UrgingLetter) -> QuerySet[LetterTask]:
    return letter.links.select_related("task", "task__lead_agency").order_by("position")


def task_letters(*, task: Task) -> QuerySet[UrgingLetter]:
    """Generated letters that urged ``task``, newest first, with their files.

    For the task page: ``{% include "letters/task_letters.html" with
    letters=letters only %}``.
    """
    from dieuphoi.docs.models import Attachment

    return (
        UrgingLetter.objects.filter(links__task=task, status=UrgingLetter.Status.DONE)
        .select_related("document")
        .prefetch_related(
            Prefetch(
                "document__attachments",
                queryset=Attachment.objects.order_by("original_name"),
            )
        )
        .order_by("-on", "-id")
    )


def letters_of_body(*, body: Body, limit: int = 20) -> QuerySet[UrgingLetter]:
    """The body's latest letters for the letters page."""
    return (
        UrgingLetter.objects.filter(body=body)
        .select_related("agency", "document", "created_by")
        .annotate(task_count=Count("links"))
        .order_by("-created_at", "-id")[:limit]
    )
