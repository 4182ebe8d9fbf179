"""Reads of reports, scoped by who may see them (``permissions``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from dieuphoi.org.permissions import visible_body_ids

from . import permissions
from .models import Contribution, Report

LIST_LIMIT = 200


@dataclass(frozen=True)
class ReportFilters:
    period_type: str = ""
    year: int | None = None
    state: str = ""


def report_list(*, user, filters: ReportFilters = ReportFilters()) -> list[Report]:
    """The reports ``user`` may see, newest cut-off first (at most
    ``LIST_LIMIT``: a body makes a few dozen a year), each with its
    contributions' counts (``expected``, ``submitted``, ``on_time``)."""
    qs = permissions.visible_reports(user).select_related("body", "paper")
    if filters.period_type:
        qs = qs.filter(period_type=filters.period_type)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.state:
        qs = qs.filter(state=filters.state)
    submitted = Q(requests__contributions__state=Contribution.State.SUBMITTED)
    return list(
        qs.annotate(
            expected=Count("requests__contributions"),
            submitted=Count("requests__contributions", filter=submitted),
            on_time=Count(
                "requests__contributions",
                filter=submitted & Q(requests__contributions__late=False),
            ),
        ).order_by("-end", "-id")[:LIST_LIMIT]
    )


def report_years(user) -> list[int]:
    return list(
        permissions.visible_reports(user)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def creatable_bodies(user):
    """The bodies whose reports ``user`` prepares."""
    from dieuphoi.org.models import Body
    from dieuphoi.org.permissions import can_manage_body

    ids = visible_body_ids(user)
    qs = Body.objects.all() if ids is None else Body.objects.filter(pk__in=sorted(ids))
    return [b for b in qs.order_by("name") if can_manage_body(user, b.pk)]
