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


def _with_counts(qs):
    """Each report with its contributions' counts (``expected``,
    ``submitted``, ``on_time``) in the same query."""
    submitted = Q(requests__contributions__state=Contribution.State.SUBMITTED)
    return qs.annotate(
        expected=Count("requests__contributions"),
        submitted=Count("requests__contributions", filter=submitted),
        on_time=Count(
            "requests__contributions",
            filter=submitted & Q(requests__contributions__late=False),
        ),
    )


def report_list(*, user, filters: ReportFilters = ReportFilters()) -> list[Report]:
    """The reports ``user`` may see, newest cut-off first (at most
    ``LIST_LIMIT``: a body makes a few dozen a year), with their
    contributions' counts; the compiled figures (large JSON) are not read."""
    qs = permissions.visible_reports(user).select_related("body", "paper")
    if filters.period_type:
        qs = qs.filter(period_type=filters.period_type)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return list(_with_counts(qs.defer("figures")).order_by("-end", "-id")[:LIST_LIMIT])


def report_counted(report: Report) -> Report:
    """``report`` (already checked visible) with its contributions' counts."""
    return _with_counts(
        Report.objects.select_related("body", "paper").filter(pk=report.pk)
    ).get()


def creatable_bodies(user):
    """The bodies whose reports ``user`` prepares."""
    from dieuphoi.org.models import Body
    from dieuphoi.org.permissions import can_manage_body

    ids = visible_body_ids(user)
    qs = Body.objects.all() if ids is None else Body.objects.filter(pk__in=sorted(ids))
    return [b for b in qs.order_by("name") if can_manage_body(user, b.pk)]
