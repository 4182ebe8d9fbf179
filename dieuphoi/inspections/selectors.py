"""Reads of inspections, scoped by permission (``permissions.visible``).

- ``parse_filters(data)``: the list's filters (kind, state, agency, year)
  from a query dict, errors keyed by parameter (pages and API).
- ``inspection_list(*, user, filters, after=None, limit=50)``: a page of
  inspections, newest plan first, keyset on ``(planned_on, id)``, each with
  its inspected agencies and follow-up figures (``followup``). Three
  queries whatever the page size (rows, agencies, figures).
- ``followup_figures(inspection_ids, on=None) -> {id: Followup}``: how the
  follow-up tasks of each inspection's findings stand, in the official
  buckets (``tasks.buckets``), counted in SQL in one query.
- ``followup_tasks(inspection, bucket=None, on=None)``: the follow-up tasks
  of one inspection with their bucket (one query).
- ``finding_rows(inspection)``: the findings with their agency, task and
  evidence files (two queries).
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.core.params import parse_id
from dieuphoi.org.models import Agency
from dieuphoi.tasks import buckets

from . import permissions
from .models import Finding, Inspection

LIST_LIMIT = 50
MAX_LIMIT = 200
FILTER_NAMES = ("kind", "state", "agency", "year")


@dataclass(frozen=True)
class InspectionFilters:
    kind: str = ""
    state: str = ""
    agency: int | None = None
    year: int | None = None

    def to_params(self) -> dict[str, str]:
        return {
            name: str(getattr(self, name))
            for name in FILTER_NAMES
            if getattr(self, name) not in (None, "")
        }


def parse_filters(data) -> tuple[InspectionFilters, dict[str, str]]:
    values: dict = {}
    errors: dict[str, str] = {}
    kind = (data.get("kind") or "").strip()
    if kind and kind not in Inspection.Kind.values:
        errors["kind"] = gettext("Choose a value from the list.")
    elif kind:
        values["kind"] = kind
    state = (data.get("state") or "").strip()
    if state and state not in Inspection.State.values:
        errors["state"] = gettext("Unknown state.")
    elif state:
        values["state"] = state
    raw = (data.get("agency") or "").strip()
    if raw:
        try:
            values["agency"] = parse_id(raw)
        except ValueError:
            errors["agency"] = gettext("Choose a value from the list.")
    raw = (data.get("year") or "").strip()
    if raw:
        if raw.isdigit() and 1900 <= int(raw) <= 2100:
            values["year"] = int(raw)
        else:
            errors["year"] = gettext("Give a year such as 2026.")
    return InspectionFilters(**values), errors


def inspections_filtered(*, user, filters: InspectionFilters):
    qs = permissions.visible(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.agency:
        qs = qs.filter(
            Exists(
                Inspection.subject_agencies.through.objects.filter(
                    inspection_id=OuterRef("pk"), agency_id=filters.agency
                )
            )
        )
    return qs


# --- follow-up figures -------------------------------------------------------------


@dataclass
class Followup:
    findings: int = 0
    converted: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    in_progress_within_deadline: int = 0
    overdue: int = 0
    tasks: int = 0

    @property
    def done(self) -> int:
        return self.completed_on_time + self.completed_late

    @property
    def pending(self) -> int:
        return self.findings - self.converted

    def as_dict(self) -> dict:
        return {
            "findings": self.findings,
            "converted": self.converted,
            "tasks": self.tasks,
            "done": self.done,
            **{name: getattr(self, name) for name in buckets.BUCKETS},
        }


def followup_figures(inspection_ids, on: datetime.date | None = None) -> dict:
    """``{inspection id: Followup}``: the findings and the buckets of their
    follow-up tasks (cancelled tasks count in none), in one query."""
    on = on or local_today()
    ids = sorted({int(i) for i in inspection_ids})
    out = {pk: Followup() for pk in ids}
    if not ids:
        return out
    task_counts = {
        name: Count(
            "task",
            filter=Q(
                task__isnull=False,
                **{},
            )
            & _task_bucket_q(name, on),
        )
        for name in buckets.BUCKETS
    }
    rows = (
        Finding.objects.filter(inspection_id__in=ids)
        .order_by()
        .values("inspection_id")
        .annotate(
            findings=Count("pk"),
            converted=Count("pk", filter=Q(converted_at__isnull=False)),
            tasks=Count("task", filter=Q(task__isnull=False) & _task_counted_q(on)),
            **task_counts,
        )
    )
    for r in rows:
        out[r["inspection_id"]] = Followup(
            findings=r["findings"],
            converted=r["converted"],
            tasks=r["tasks"],
            **{name: r[name] for name in buckets.BUCKETS},
        )
    return out


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` (on Task's fields) with every lookup under ``prefix``."""
    out = Q()
    out.connector = q.connector
    out.negated = q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        elif isinstance(child, tuple):
            out.children.append((f"{prefix}{child[0]}", child[1]))
        else:
            # An expression (e.g. the late condition): resolved against the
            # task's columns by a relabelled copy.
            out.children.append(_relabel(child, prefix))
    return out


def _relabel(expression, prefix: str):
    from django.db.models import F

    def walk(e):
        if isinstance(e, F):
            return F(f"{prefix}{e.name}")
        if hasattr(e, "get_source_expressions"):
            e = e.copy()
            e.set_source_expressions([walk(s) for s in e.get_source_expressions()])
        return e

    return walk(expression)


def _task_bucket_q(name: str, on: datetime.date) -> Q:
    return _prefixed(buckets.bucket_q(name, on, indexed=False), "task__")


def _task_counted_q(on: datetime.date) -> Q:
    return _prefixed(buckets.counted_q(on), "task__")


def followup_tasks(
    inspection: Inspection, *, bucket: str | None = None, on=None
) -> list:
    """The follow-up tasks of the inspection's findings, with ``bucket``
    (``tasks.buckets.annotate_buckets``) and the finding's order. One query."""
    from dieuphoi.tasks.models import Task

    on = on or local_today()
    qs = buckets.annotate_buckets(
        Task.objects.filter(inspection_findings__inspection=inspection),
        on,
    ).select_related("lead_agency")
    if bucket in buckets.BUCKETS:
        qs = qs.filter(buckets.bucket_q(bucket, on, indexed=False))
    rows = list(qs.order_by("deadline", "code").distinct())
    for task in rows:
        task.bucket_label = buckets.bucket_label(task.bucket)
    return rows


# --- the list ----------------------------------------------------------------------


@dataclass
class InspectionPage:
    items: list
    next_cursor: str | None
    figures: dict = field(default_factory=dict)


def encode_cursor(inspection: Inspection) -> str:
    raw = f"{inspection.planned_on.isoformat()}:{inspection.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.date, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        value = (datetime.date.fromisoformat(day), int(pk))
        if not 0 < value[1] < 2**63:
            raise ValueError(pk)
        return value
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(
            {"cursor": gettext("This page link is invalid or expired.")}
        ) from None


def inspection_list(
    *,
    user,
    filters: InspectionFilters,
    after: str | None = None,
    limit: int = LIST_LIMIT,
    on=None,
) -> InspectionPage:
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = inspections_filtered(user=user, filters=filters)
    if after:
        day, pk = decode_cursor(after)
        qs = qs.filter(Q(planned_on__lt=day) | Q(planned_on=day, id__lt=pk))
    qs = (
        qs.select_related("body", "leader")
        .prefetch_related(
            Prefetch(
                "subject_agencies",
                queryset=Agency.objects.only("id", "name", "code").order_by("name"),
            )
        )
        .order_by("-planned_on", "-id")
    )
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    figures = followup_figures([i.pk for i in items], on)
    for item in items:
        item.followup = figures[item.pk]
    return InspectionPage(
        items=items,
        next_cursor=encode_cursor(items[-1]) if more else None,
        figures=figures,
    )


# --- one inspection ----------------------------------------------------------------


def finding_rows(inspection: Inspection) -> list[Finding]:
    """The findings in order, each with its agency, task and ``evidence``
    (live attachments). Two queries."""
    from dieuphoi.docs.models import Attachment

    findings = list(
        inspection.findings.select_related("agency", "task").order_by("order", "id")
    )
    for f in findings:
        f.inspection = inspection
        f.evidence = []
    if findings:
        ct = ContentType.objects.get_for_model(Finding)
        by_id = {f.pk: f for f in findings}
        for a in Attachment.objects.filter(
            target_type=ct, target_id__in=list(by_id)
        ).order_by("uploaded_at", "id"):
            by_id[a.target_id].evidence.append(a)
    return findings
