"""Reads of inter-provincial matters, scoped by permission
(``permissions.visible``).

- ``parse_filters(data)``: the list's filters (province, state, competence,
  sector, stale, q) from a query dict, errors keyed by parameter (pages and
  API share it).
- ``matter_list(*, user, filters, after=None, limit=50, on=None)``: a page,
  newest first, keyset on ``(raised_on, id)``; three queries whatever the
  page size (rows with body, sector, owner and raiser; provinces with their
  successors; the log counts come from a subquery).
- ``matter_counts(*, user, filters, on=None)``: per state and stale, one query.
- ``matrix(*, user, on=None)``: the province-by-state matrix (two queries).
- ``log_page(matter, *, after=None, limit=50)``: the log, newest first, keyset
  on ``(occurred_on, id)``, with parties, documents, authors and files.

A province filter matches the unit and the units it absorbed: the matrix's
row of the 2025 Bắc Ninh counts the matters of the 2022 Bắc Giang.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.core.params import parse_id
from dieuphoi.org.models import AdministrativeUnit, RegionMembership

from . import permissions, stale
from .models import LogEntry, Matter

LIST_LIMIT = 50
MAX_LIMIT = 200
FILTER_NAMES = ("province", "state", "competence", "sector", "stale", "q")
Q_MAX = 200


@dataclass(frozen=True)
class MatterFilters:
    province: int | None = None
    state: str = ""
    competence: str = ""
    sector: int | None = None
    stale: bool = False
    q: str = ""

    def to_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if value is True:
                out[name] = "1"
            elif value not in (None, "", False):
                out[name] = str(value)
        return out


def parse_filters(data) -> tuple[MatterFilters, dict[str, str]]:
    values: dict = {}
    errors: dict[str, str] = {}
    for name, choices in (
        ("state", Matter.State.values),
        ("competence", Matter.Competence.values),
    ):
        raw = (data.get(name) or "").strip()
        if raw and raw not in choices:
            errors[name] = gettext("Choose a value from the list.")
        elif raw:
            values[name] = raw
    for name in ("province", "sector"):
        raw = (data.get(name) or "").strip()
        if not raw:
            continue
        try:
            values[name] = parse_id(raw)
        except ValueError:
            errors[name] = gettext("Choose a value from the list.")
    raw = (data.get("stale") or "").strip().lower()
    if raw in ("1", "true", "on", "yes"):
        values["stale"] = True
    elif raw not in ("", "0", "false"):
        errors["stale"] = gettext("Choose a value from the list.")
    text = " ".join((data.get("q") or "").split())
    if len(text) > Q_MAX:
        errors["q"] = gettext("The search text is longer than %(n)d characters.") % {
            "n": Q_MAX
        }
    elif text:
        values["q"] = text
    return MatterFilters(**values), errors


def province_q(unit_id: int) -> Q:
    """Matters concerning ``unit_id`` or a unit it absorbed."""
    absorbed = AdministrativeUnit.predecessors.through.objects.filter(
        from_administrativeunit_id=unit_id
    ).values("to_administrativeunit_id")
    return Q(
        Exists(
            Matter.provinces.through.objects.filter(
                Q(administrativeunit_id=unit_id)
                | Q(administrativeunit_id__in=absorbed),
                matter_id=OuterRef("pk"),
            )
        )
    )


def matters_filtered(*, user, filters: MatterFilters, on=None):
    qs = permissions.visible(user)
    if filters.province:
        qs = qs.filter(province_q(filters.province))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.competence:
        qs = qs.filter(competence=filters.competence)
    if filters.sector:
        qs = qs.filter(sector_id=filters.sector)
    if filters.stale:
        qs = qs.filter(stale.stale_q(on))
    if filters.q:
        for word in filters.q.split()[:8]:
            qs = qs.filter(
                Q(code__icontains=word)
                | Q(title__icontains=word)
                | Q(description__icontains=word)
            )
    return qs


# --- the list ------------------------------------------------------------------------


@dataclass
class MatterPage:
    items: list
    next_cursor: str | None


def encode_cursor(matter: Matter) -> str:
    raw = f"{matter.raised_on.isoformat()}:{matter.pk}"
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


def _units_prefetch(name: str = "provinces") -> Prefetch:
    return Prefetch(
        name,
        queryset=AdministrativeUnit.objects.only(
            "id", "name", "key", "valid_from", "valid_to"
        )
        .prefetch_related(
            Prefetch(
                "successors",
                queryset=AdministrativeUnit.objects.only(
                    "id", "name", "valid_from", "valid_to"
                ).order_by("name"),
            )
        )
        .order_by("name"),
    )


def with_log_count(qs):
    return qs.annotate(
        log_count=Coalesce(
            Subquery(
                LogEntry.objects.filter(matter_id=OuterRef("pk"))
                .order_by()
                .values("matter_id")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )
    )


def mark(items: list, on: datetime.date) -> None:
    """Each row's ``stale`` and, per province, the successors today."""
    cutoff = stale.stale_cutoff(on)
    for m in items:
        m.stale = m.is_open and m.last_activity_on <= cutoff
        for unit in m.provinces.all():
            unit.today = [s for s in unit.successors.all() if s.is_valid_on(on)]


def matter_list(
    *,
    user,
    filters: MatterFilters,
    after: str | None = None,
    limit: int = LIST_LIMIT,
    on=None,
) -> MatterPage:
    on = on or local_today()
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = matters_filtered(user=user, filters=filters, on=on)
    if after:
        day, pk = decode_cursor(after)
        qs = qs.filter(Q(raised_on__lt=day) | Q(raised_on=day, id__lt=pk))
    qs = (
        with_log_count(qs)
        .select_related("body", "sector", "owner", "raised_by_body", "raised_by_agency")
        .prefetch_related(_units_prefetch())
        .order_by("-raised_on", "-id")
    )
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    mark(items, on)
    return MatterPage(
        items=items, next_cursor=encode_cursor(items[-1]) if more else None
    )


@dataclass(frozen=True)
class Counts:
    total: int
    stale: int
    by_state: list[tuple[str, str, int]]


def matter_counts(*, user, filters: MatterFilters, on=None) -> Counts:
    on = on or local_today()
    per_state = {v: Count("pk", filter=Q(state=v)) for v in Matter.State.values}
    row = matters_filtered(user=user, filters=filters, on=on).aggregate(
        total=Count("pk"), stale_n=Count("pk", filter=stale.stale_q(on)), **per_state
    )
    return Counts(
        total=row["total"],
        stale=row["stale_n"],
        by_state=[(v, str(label), row[v]) for v, label in Matter.State.choices],
    )


# --- the matrix ----------------------------------------------------------------------


@dataclass
class MatrixRow:
    unit: AdministrativeUnit
    cells: list[int]
    total: int
    merged: list[str]


@dataclass
class Matrix:
    states: list[tuple[str, str]]
    rows: list[MatrixRow]
    totals: list[int]
    total: int


def matrix(*, user, on=None) -> Matrix:
    """Rows: the region's provinces today (a matter of a merged-away
    province counted under its successors); columns: the states. A matter
    is counted once per row; the totals count each matter once."""
    on = on or local_today()
    today_units = list(
        AdministrativeUnit.objects.filter(
            pk__in=RegionMembership.objects.as_of(on).values("unit_id")
        )
        .prefetch_related("predecessors")
        .order_by("name")
    )
    # Hà Nội (the city) first, then the provinces by name.
    today_units.sort(
        key=lambda u: (
            u.kind != AdministrativeUnit.Kind.CITY or u.key != "ha-noi",
            u.name,
        )
    )
    row_of: dict[int, set[int]] = {}
    for unit in today_units:
        row_of.setdefault(unit.pk, set()).add(unit.pk)
        for old in unit.predecessors.all():
            row_of.setdefault(old.pk, set()).add(unit.pk)
    pairs = list(
        Matter.provinces.through.objects.filter(
            matter_id__in=permissions.visible(user).values("pk")
        ).values_list("matter_id", "administrativeunit_id", "matter__state")
    )
    states = [(v, str(label)) for v, label in Matter.State.choices]
    index = {v: i for i, (v, _) in enumerate(states)}
    seen: dict[int, set[int]] = {u.pk: set() for u in today_units}
    cells = {u.pk: [0] * len(states) for u in today_units}
    all_matters: dict[int, str] = {}
    for matter_id, unit_id, state in pairs:
        all_matters[matter_id] = state
        for row in row_of.get(unit_id, ()):
            if matter_id in seen[row]:
                continue
            seen[row].add(matter_id)
            cells[row][index[state]] += 1
    totals = [0] * len(states)
    for state in all_matters.values():
        totals[index[state]] += 1
    rows = [
        MatrixRow(
            unit=u,
            cells=cells[u.pk],
            total=sum(cells[u.pk]),
            merged=[
                p.name
                for p in u.predecessors.all()
                if p.pk != u.pk and p.name != u.name
            ],
        )
        for u in today_units
    ]
    return Matrix(states=states, rows=rows, totals=totals, total=len(all_matters))


# --- the log -------------------------------------------------------------------------


@dataclass
class LogPage:
    items: list
    next_cursor: str | None


def encode_log_cursor(entry: LogEntry) -> str:
    raw = f"{entry.occurred_on.isoformat()}:{entry.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def log_page(
    matter: Matter, *, after: str | None = None, limit: int = LIST_LIMIT
) -> LogPage:
    from dieuphoi.docs.models import Attachment

    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = matter.log_entries.all()
    if after:
        day, pk = decode_cursor(after)
        qs = qs.filter(Q(occurred_on__lt=day) | Q(occurred_on=day, id__lt=pk))
    items = list(
        qs.select_related("author", "document")
        .prefetch_related("agencies", "bodies")
        .order_by("-occurred_on", "-id")[: limit + 1]
    )
    more = len(items) > limit
    items = items[:limit]
    files: dict[int, list] = {}
    if items:
        type_id = ContentType.objects.get_for_model(LogEntry).pk
        for a in Attachment.objects.filter(
            target_type_id=type_id, target_id__in=[e.pk for e in items]
        ).order_by("pk"):
            files.setdefault(int(a.target_id), []).append(a)
    for e in items:
        e.files = files.get(e.pk, [])
        e.matter = matter
    return LogPage(
        items=items, next_cursor=encode_log_cursor(items[-1]) if more else None
    )
