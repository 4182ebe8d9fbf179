"""Reads of key projects, scoped by permission (``permissions.visible``).

- ``parse_filters(data)``: the list's filters from a query dict, with
  errors keyed by parameter (shared by the pages and the API).
- ``project_list(*, user, filters, after=None, limit=50, on=None)``: a page
  of projects, newest decision first, keyset on ``(decided_on, id)``; each
  row carries its milestone figures (``milestones_total``, ``milestones_done``,
  ``milestones_late``, ``next_planned_on``: the next one still ahead) from
  subqueries. Two queries
  whatever the page size (rows, locations).
- ``project_summary(*, user, filters, on=None)``: the counts above the
  list (projects per state, late milestones) in one query.
- ``project_milestones(project, on=None)``: the project page's phases and
  milestones (two queries).
- ``timeline_milestones(*, user, filters, on=None)``: the milestones of
  every visible project, for the timeline page (one query).
- ``late_milestone_count(*, body_ids, on=None)``: for the home page (one
  query).

A milestone's status in SQL is ``milestone_status(on)``; it matches
``Milestone.status_on`` (the tests compare the two).
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.core.params import parse_id
from dieuphoi.org.models import AdministrativeUnit

from . import permissions
from .models import KeyProject, Milestone

LIST_LIMIT = 50
MAX_LIMIT = 200
# The timeline draws at most this many milestones (the newest decisions
# first); the page says when there are more.
TIMELINE_LIMIT = 1000
FILTER_NAMES = ("state", "lead_agency", "province", "late")


def late_q(on: datetime.date, prefix: str = "") -> Q:
    """Open milestones past their planned date, on ``on``."""
    return Q(**{f"{prefix}actual_on__isnull": True, f"{prefix}planned_on__lt": on})


def milestone_status(on: datetime.date):
    S = Milestone.Status
    return Case(
        When(late_q(on), then=Value(S.LATE)),
        When(actual_on__isnull=True, then=Value(S.PLANNED)),
        When(actual_on__gt=F("planned_on"), then=Value(S.DONE_LATE)),
        default=Value(S.DONE),
        output_field=CharField(),
    )


# --- filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilters:
    state: str = ""
    lead_agency: int | None = None
    province: int | None = None
    late: bool = False

    def to_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if value is True:
                out[name] = "1"
            elif value not in (None, "", False):
                out[name] = str(value)
        return out


def parse_filters(data) -> tuple[ProjectFilters, dict[str, str]]:
    """Filters from a query dict; ``errors`` keyed by parameter (a bad value
    shows a message at its field, never a 500)."""
    values: dict = {}
    errors: dict[str, str] = {}
    state = (data.get("state") or "").strip()
    if state and state not in KeyProject.State.values:
        errors["state"] = gettext("Unknown state.")
    elif state:
        values["state"] = state
    for name in ("lead_agency", "province"):
        raw = (data.get(name) or "").strip()
        if not raw:
            continue
        try:
            values[name] = parse_id(raw)
        except ValueError:
            errors[name] = gettext("Choose a value from the list.")
    raw = (data.get("late") or "").strip().lower()
    if raw in ("1", "true", "on", "yes"):
        values["late"] = True
    elif raw not in ("", "0", "false"):
        errors["late"] = gettext("Choose a value from the list.")
    return ProjectFilters(**values), errors


def projects_filtered(*, user, filters: ProjectFilters, on=None):
    """The projects ``user`` may see, filtered in SQL."""
    on = on or local_today()
    qs = permissions.visible(user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.lead_agency:
        qs = qs.filter(lead_agency_id=filters.lead_agency)
    if filters.province:
        qs = qs.filter(
            Exists(
                KeyProject.locations.through.objects.filter(
                    keyproject_id=OuterRef("pk"),
                    administrativeunit_id=filters.province,
                )
            )
        )
    if filters.late:
        qs = qs.filter(
            Exists(Milestone.objects.filter(late_q(on), project_id=OuterRef("pk")))
        )
    return qs


def _count(qs):
    return Coalesce(
        Subquery(
            qs.order_by().values("project_id").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_milestone_figures(qs, on):
    """Each row's milestones: total, done, late (open past the planned
    date), and the next planned date still ahead (subqueries: no join
    multiplies the rows)."""
    mine = Milestone.objects.filter(project_id=OuterRef("pk"))
    next_open = (
        mine.filter(actual_on__isnull=True, planned_on__gte=on)
        .order_by()
        .values("project_id")
        .annotate(d=Min("planned_on"))
        .values("d")
    )
    return qs.annotate(
        milestones_total=_count(mine),
        milestones_done=_count(mine.filter(actual_on__isnull=False)),
        milestones_late=_count(mine.filter(late_q(on))),
        next_planned_on=Subquery(next_open),
    )


# --- the list ----------------------------------------------------------------------


@dataclass
class ProjectPage:
    items: list
    next_cursor: str | None


def encode_cursor(project: KeyProject) -> str:
    raw = f"{project.decided_on.isoformat()}:{project.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.date, int]:
    """``(decided_on, id)`` of ``cursor``; ``ValidationError`` on ``cursor``."""
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


def project_list(
    *,
    user,
    filters: ProjectFilters,
    after: str | None = None,
    limit: int = LIST_LIMIT,
    on=None,
) -> ProjectPage:
    on = on or local_today()
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = projects_filtered(user=user, filters=filters, on=on)
    if after:
        day, pk = decode_cursor(after)
        qs = qs.filter(Q(decided_on__lt=day) | Q(decided_on=day, id__lt=pk))
    qs = (
        with_milestone_figures(qs, on)
        .select_related("lead_agency", "body")
        .prefetch_related(
            Prefetch(
                "locations",
                queryset=AdministrativeUnit.objects.only("id", "name").order_by("name"),
            )
        )
        .order_by("-decided_on", "-id")
    )
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return ProjectPage(
        items=items, next_cursor=encode_cursor(items[-1]) if more else None
    )


@dataclass(frozen=True)
class Summary:
    projects: int
    by_state: list[tuple[str, str, int]]
    late_milestones: int
    late_projects: int


def project_summary(*, user, filters: ProjectFilters, on=None) -> Summary:
    """Counts of the filtered projects per state and their late milestones
    (one query)."""
    on = on or local_today()
    late = _count(Milestone.objects.filter(late_q(on), project_id=OuterRef("pk")))
    per_state = {
        value: Count("pk", filter=Q(state=value)) for value in KeyProject.State.values
    }
    row = (
        projects_filtered(user=user, filters=filters, on=on)
        .annotate(late=late)
        .aggregate(
            projects=Count("pk"),
            late_milestones=Coalesce(Sum("late"), 0),
            late_projects=Count("pk", filter=Q(late__gt=0)),
            **per_state,
        )
    )
    return Summary(
        projects=row["projects"],
        by_state=[
            (value, str(label), row[value]) for value, label in KeyProject.State.choices
        ],
        late_milestones=row["late_milestones"],
        late_projects=row["late_projects"],
    )


# --- one project -------------------------------------------------------------------


def project_milestones(project: KeyProject, on=None) -> tuple[list, list]:
    """``(phases, milestones)``: the phases in order, each with
    ``phase.rows`` (its milestones); the milestones without a phase are the
    second item. Two queries."""
    on = on or local_today()
    phases = list(project.phases.order_by("order", "id"))
    milestones = list(
        project.milestones.select_related("responsible_agency")
        .annotate(status_value=milestone_status(on))
        .order_by("planned_on", "id")
    )
    by_phase: dict[int, list] = {p.pk: [] for p in phases}
    loose = []
    for m in milestones:
        m.project = project
        (by_phase.get(m.phase_id, loose) if m.phase_id else loose).append(m)
    for phase in phases:
        phase.rows = by_phase[phase.pk]
    return phases, loose


# --- the timeline ------------------------------------------------------------------


@dataclass
class Timeline:
    milestones: list
    more: bool


def timeline_milestones(*, user, filters: ProjectFilters, on=None) -> Timeline:
    """The milestones of the visible, filtered projects, by project (newest
    decision first) then planned date, each with its project, phase,
    responsible agency and ``status_value``. One query."""
    on = on or local_today()
    projects = projects_filtered(user=user, filters=filters, on=on)
    rows = list(
        Milestone.objects.filter(project__in=projects.values("pk"))
        .select_related("project", "phase", "responsible_agency")
        .annotate(status_value=milestone_status(on))
        .order_by("-project__decided_on", "-project_id", "planned_on", "id")[
            : TIMELINE_LIMIT + 1
        ]
    )
    return Timeline(milestones=rows[:TIMELINE_LIMIT], more=len(rows) > TIMELINE_LIMIT)


def gantt_rows(milestones: list, on=None) -> list[dict]:
    """The chart's bars: one per milestone, from the previous milestone of
    the same project (or the project's start, or a month before) to its
    planned date; a late or done-late one reaches to today or the actual
    date, so the slip shows."""
    out = []
    last: dict[int, datetime.date] = {}
    on = on or local_today()
    for m in milestones:
        project = m.project
        start = last.get(project.pk) or project.starts_on
        if start is None or start >= m.planned_on:
            start = m.planned_on - datetime.timedelta(days=30)
        end = m.planned_on
        if m.status_value == Milestone.Status.LATE:
            end = max(end, on)
        elif m.actual_on is not None:
            end = max(end, m.actual_on)
        last[project.pk] = m.planned_on
        out.append(
            {
                "id": f"m{m.pk}",
                "name": f"{project.code} · {m.name}",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "progress": 100 if m.actual_on else 0,
                "status": m.status_value,
                "status_label": str(Milestone.Status(m.status_value).label),
                "planned": m.planned_on.strftime("%d/%m/%Y"),
                "actual": m.actual_on.strftime("%d/%m/%Y") if m.actual_on else "",
                "agency": str(m.responsible_agency),
                "project": project.name,
                "url": project.get_absolute_url(),
            }
        )
    return out


# --- home --------------------------------------------------------------------------


def late_milestone_count(*, body_ids, on=None) -> dict:
    """``{"milestones": n, "projects": m}``: late milestones of the bodies'
    projects (one query)."""
    on = on or local_today()
    row = Milestone.objects.filter(
        late_q(on), project__body_id__in=sorted(body_ids)
    ).aggregate(milestones=Count("pk"), projects=Count("project_id", distinct=True))
    return row
