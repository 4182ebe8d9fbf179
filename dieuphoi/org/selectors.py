"""Reads of the registry, each "as of date D" (default: today in Hanoi).

Every selector runs a fixed number of queries whatever the number of rows:
related rows are joined or prefetched, never fetched per row.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.middleware import current_request_context
from dieuphoi.core.models import local_today

from . import permissions
from .models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    Body,
    BodyAgency,
    DutyAssignment,
    Membership,
    Region,
    RegionMembership,
)

CAPITAL_REGION_KEY = "vung-thu-do"

# Leader first, then deputy, secretariat, specialists, members.
ROLE_ORDER = [
    Membership.Role.LEADER,
    Membership.Role.DEPUTY,
    Membership.Role.SECRETARIAT,
    Membership.Role.SPECIALIST,
    Membership.Role.MEMBER,
]


def _role_rank():
    return Case(
        *[When(role=role, then=Value(i)) for i, role in enumerate(ROLE_ORDER)],
        default=Value(len(ROLE_ORDER)),
        output_field=IntegerField(),
    )


# --- units and the region ---------------------------------------------------


def unit_list(*, on: datetime.date | None = None) -> QuerySet[AdministrativeUnit]:
    """Units valid on ``on``, with their predecessors and successors."""
    return AdministrativeUnit.objects.as_of(on or local_today()).prefetch_related(
        "predecessors", "successors"
    )


def region_get(*, key: str = CAPITAL_REGION_KEY) -> Region | None:
    return Region.objects.filter(key=key).first()


def region_units(
    *, region: Region, on: datetime.date | None = None
) -> list[AdministrativeUnit]:
    """The units in ``region`` on ``on``: from the dated memberships, never inferred.

    A unit is listed when both its region membership and its own version are
    valid on the date.
    """
    on = on or local_today()
    memberships = (
        RegionMembership.objects.as_of(on)
        .filter(region=region, unit__valid_from__lte=on)
        .filter(Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=on))
        .select_related("unit")
        .prefetch_related("unit__predecessors", "unit__successors")
        .order_by("unit__name", "unit__valid_from")
    )
    return [m.unit for m in memberships]


@dataclass
class MergerRow:
    """One unit after a reorganisation and the units it came from."""

    unit: AdministrativeUnit
    predecessors: list[AdministrativeUnit]

    @property
    def unchanged(self) -> bool:
        return not self.predecessors


@dataclass
class MergerMap:
    rows: list[MergerRow] = field(default_factory=list)
    # unit id -> its predecessors (for successor units) / its successor.
    predecessors_of: dict[int, list[AdministrativeUnit]] = field(default_factory=dict)
    successor_of: dict[int, AdministrativeUnit] = field(default_factory=dict)


def region_mergers(*, region: Region) -> MergerMap:
    """The merger history of ``region``: for each new unit its predecessors,
    for each old unit its successor.

    Units that were in the region before the first merger and are still in it
    after (Hà Nội in 2025) appear as unchanged rows. Three queries.
    """
    memberships = list(
        RegionMembership.objects.filter(region=region)
        .select_related("unit")
        .prefetch_related("unit__predecessors")
        .order_by("unit__name", "unit__valid_from")
    )
    units = {m.unit.pk: m.unit for m in memberships}
    result = MergerMap()
    successors = [u for u in units.values() if u.predecessors.all()]
    if not successors:
        return result
    change_date = min(u.valid_from for u in successors)
    for membership in memberships:
        unit = membership.unit
        preds = sorted(unit.predecessors.all(), key=lambda u: u.name)
        if preds:
            result.rows.append(MergerRow(unit=unit, predecessors=preds))
            result.predecessors_of[unit.pk] = preds
            for pred in preds:
                result.successor_of[pred.pk] = unit
        elif (
            membership.valid_from < change_date
            and (membership.valid_to is None or membership.valid_to >= change_date)
            and (unit.valid_to is None or unit.valid_to >= change_date)
        ):
            result.rows.append(MergerRow(unit=unit, predecessors=[]))
    # Hà Nội (unchanged) first, then the merged units by name.
    result.rows.sort(key=lambda row: (not row.unchanged, row.unit.name))
    return result


# --- agencies ---------------------------------------------------------------


def agency_list(
    *,
    on: datetime.date | None = None,
    search: str = "",
    kind: str = "",
    unit: AdministrativeUnit | int | None = None,
) -> QuerySet[Agency]:
    """Agencies valid on ``on``, with unit, predecessors and successors."""
    qs = (
        Agency.objects.as_of(on or local_today())
        .select_related("unit")
        .prefetch_related(
            Prefetch("predecessors", queryset=Agency.objects.order_by("name")),
            Prefetch("successors", queryset=Agency.objects.order_by("name")),
        )
        .order_by("kind", "name", "code")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit=unit)
    search = (search or "").strip()
    if search:
        qs = qs.filter(pk__in=agency_search_ids(qs, search))
    return qs


def agency_search_ids(qs: QuerySet[Agency], search: str) -> list[int]:
    """Ids of the agencies in ``qs`` whose name, short name or code contains
    ``search``, case- and accent-insensitively as the task search: "xay
    dung" finds "Sở Xây dựng"; a query typed with accents matches only the
    accented text. The registry is small (hundreds of rows), so the folding
    runs here over one narrow query rather than in a stored column."""
    from dieuphoi.docs.models import fold, strip_diacritics

    needle = fold(search)
    if not needle:
        return []
    ids = []
    for pk, name, short_name, code in qs.order_by().values_list(
        "pk", "name", "short_name", "code"
    ):
        hay = fold(" | ".join([name, short_name, code]))
        if needle in hay or needle in strip_diacritics(hay):
            ids.append(pk)
    return ids


def agency_get(*, pk: int) -> Agency | None:
    return (
        Agency.objects.select_related("unit")
        .prefetch_related("predecessors", "successors")
        .filter(pk=pk)
        .first()
    )


def agency_versions(*, agency: Agency) -> QuerySet[Agency]:
    """Every version of the agency's code, oldest first."""
    return Agency.objects.filter(code=agency.code).order_by("valid_from")


def agency_body_roles(*, user, agency: Agency) -> QuerySet[BodyAgency]:
    """The agency's roles in the bodies the user may see, every date."""
    qs = (
        BodyAgency.objects.filter(agency=agency)
        .select_related("body")
        .order_by("body__name", "valid_from")
    )
    visible = permissions.visible_body_ids(user)
    if visible is not None:
        qs = qs.filter(body_id__in=visible)
    return qs


# --- bodies -----------------------------------------------------------------


def _standing_prefetch(on: datetime.date) -> Prefetch:
    return Prefetch(
        "agency_roles",
        queryset=BodyAgency.objects.as_of(on)
        .filter(role=BodyAgency.Role.STANDING)
        .select_related("agency"),
        to_attr="standing_roles",
    )


def body_list(*, user, on: datetime.date | None = None) -> list[Body]:
    """Bodies valid on ``on`` that the user may see.

    Each carries ``standing_agency`` (for the date) and ``member_count``.
    """
    on = on or local_today()
    qs = Body.objects.as_of(on).select_related(
        "unit", "parent", "establishing_document"
    )
    visible = permissions.visible_body_ids(user)
    if visible is not None:
        qs = qs.filter(pk__in=visible)
    valid_on = Q(memberships__valid_from__lte=on) & (
        Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gte=on)
    )
    qs = (
        qs.annotate(member_count=Count("memberships", filter=valid_on))
        .prefetch_related(_standing_prefetch(on))
        .order_by("kind", "name", "valid_from")
    )
    bodies = list(qs)
    for body in bodies:
        body.standing_agency = (
            body.standing_roles[0].agency if body.standing_roles else None
        )
    return bodies


def team_list(*, on: datetime.date | None = None, search: str = "") -> list[Body]:
    """Coordination teams valid on ``on`` (any user): the parties a task can
    ask to co-operate. Only registry facts (name, unit), never members."""
    qs = (
        Body.objects.as_of(on or local_today())
        .filter(kind=Body.Kind.TEAM)
        .select_related("unit")
        .order_by("name", "valid_from")
    )
    teams = list(qs)
    search = (search or "").strip()
    if search:
        from dieuphoi.docs.models import fold, strip_diacritics

        needle = fold(search)
        teams = [
            b
            for b in teams
            if needle in (hay := fold(f"{b.name} | {b.short_name} | {b.key}"))
            or needle in strip_diacritics(hay)
        ]
    return teams


# Agency groups for pickers and the API, relative to a body's province.
GROUP_OWN = "own"
GROUP_PROVINCE = "province"
GROUP_CENTRAL = "central"
CENTRAL_KINDS = frozenset(
    {Agency.Kind.MINISTRY, Agency.Kind.GOVERNMENT, Agency.Kind.COUNCIL_OFFICE}
)


def agency_group(agency: Agency, unit_id: int | None) -> str:
    """``own`` (an agency of the province whose unit is ``unit_id``: it can
    lead that team's tasks), ``province`` (another province's agency) or
    ``central`` (ministries, the Government, agencies without a province)."""
    if agency.kind in CENTRAL_KINDS:
        return GROUP_CENTRAL
    if agency.unit_id is None:
        return GROUP_CENTRAL if unit_id is not None else GROUP_OWN
    if unit_id is None or agency.unit_id == unit_id:
        return GROUP_OWN
    return GROUP_PROVINCE


def owner_candidates(
    *, body: Body, on: datetime.date | None = None, agency: Agency | int | None = None
) -> QuerySet[Membership]:
    """People who may own a task of ``body``: its members on ``on`` (the
    caller has checked the body), optionally at ``agency``."""
    qs = (
        Membership.objects.as_of(on or local_today())
        .filter(body=body)
        .select_related("person", "agency")
        .order_by("person__full_name", "person__username", "pk")
    )
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def body_members(
    *, body: Body, on: datetime.date | None = None
) -> QuerySet[Membership]:
    """Memberships valid on ``on``, leader first, with person and agency joined."""
    return (
        Membership.objects.as_of(on or local_today())
        .filter(body=body)
        .select_related("person", "agency", "appointing_document")
        .annotate(role_rank=_role_rank())
        .order_by("role_rank", "person__full_name", "valid_from", "pk")
    )


def body_role_history(*, body: Body) -> QuerySet[Membership]:
    """Who held which role when: every membership, ended ones included."""
    return (
        Membership.objects.filter(body=body)
        .select_related("person", "agency")
        .annotate(role_rank=_role_rank())
        .order_by("role_rank", "valid_from", "pk")
    )


def body_standing_agency(
    *, body: Body, on: datetime.date | None = None
) -> Agency | None:
    """The standing agency on ``on``, resolved from the dated ``BodyAgency`` rows."""
    role = (
        BodyAgency.objects.as_of(on or local_today())
        .filter(body=body, role=BodyAgency.Role.STANDING)
        .select_related("agency")
        .order_by("-valid_from")
        .first()
    )
    return role.agency if role else None


def body_agency_roles(
    *, body: Body, on: datetime.date | None = None
) -> QuerySet[BodyAgency]:
    """Standing and member agencies on ``on``."""
    return (
        BodyAgency.objects.as_of(on or local_today())
        .filter(body=body)
        .select_related("agency")
        .order_by("-role", "agency__name")
    )


def body_timeline(*, body: Body, limit: int = 100) -> list[AuditEvent]:
    """Audit events of the body and of its memberships, newest first.

    ``audit_timeline`` takes one target; a body's history is also the history
    of the memberships in it, so this reads both in one query.
    """
    body_ct = ContentType.objects.get_for_model(Body)
    membership_ct = ContentType.objects.get_for_model(Membership)
    # target_id is a text column; compare with the membership ids as text.
    ids_as_text = (
        Membership.objects.filter(body=body)
        .annotate(pk_text=Cast("pk", output_field=CharField()))
        .values("pk_text")
    )
    return list(
        AuditEvent.objects.filter(
            Q(target_type=body_ct, target_id=str(body.pk))
            | Q(target_type=membership_ct, target_id__in=ids_as_text)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def membership_duties(*, membership: Membership) -> QuerySet[DutyAssignment]:
    return DutyAssignment.objects.filter(membership=membership).select_related(
        "assigned_by", "document"
    )


# --- people -----------------------------------------------------------------


def person_memberships(*, user, person) -> QuerySet[Membership]:
    """The person's memberships in the bodies the user may see, newest first."""
    qs = (
        Membership.objects.filter(person=person)
        .select_related("body", "agency", "appointing_document")
        .order_by("-valid_from", "body__name")
    )
    visible = permissions.visible_body_ids(user)
    if visible is not None and person.pk != user.pk:
        qs = qs.filter(body_id__in=visible)
    return qs


# --- lineage: predecessors and successors ------------------------------------
#
# ``Agency.predecessors`` and ``AdministrativeUnit.predecessors`` link each
# version to the rows it replaced (mergers, splits, renamings and the new
# version of the same code). Statistics and filters follow these links: a
# filter on a successor includes its predecessors' tasks.

# How many generations a filter's subquery follows (merged in 2025, merged
# again later, ...); the Python helpers below follow every generation.
LINEAGE_DEPTH = 4

_graphs = threading.local()


def _predecessor_edges(model) -> list[tuple[int, int]]:
    """``[(successor id, predecessor id)]`` of ``model``, one query, cached
    for the current request (a web request has an id; elsewhere, no cache)."""
    request_id = current_request_context().request_id
    cache = getattr(_graphs, "cache", None)
    if (
        request_id
        and cache is not None
        and cache[0] == request_id
        and model in cache[1]
    ):
        return cache[1][model]
    through = model.predecessors.through
    edges = list(
        through.objects.order_by().values_list(
            f"from_{model._meta.model_name}_id", f"to_{model._meta.model_name}_id"
        )
    )
    if request_id:
        if cache is None or cache[0] != request_id:
            cache = (request_id, {})
            _graphs.cache = cache
        cache[1][model] = edges
    return edges


def _closure(start: int, step: dict[int, set[int]]) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in step.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _lineage_ids(model, pk: int) -> set[int]:
    back: dict[int, set[int]] = {}
    for successor, predecessor in _predecessor_edges(model):
        back.setdefault(successor, set()).add(predecessor)
    return _closure(pk, back)


def agency_lineage_ids(agency_id: int) -> set[int]:
    """The agency and all its predecessors, transitively."""
    return _lineage_ids(Agency, agency_id)


def unit_lineage_ids(unit_id: int) -> set[int]:
    """The unit and all the units it absorbed, transitively (2025 Bắc Ninh:
    2022 Bắc Ninh and Bắc Giang)."""
    return _lineage_ids(AdministrativeUnit, unit_id)


def agency_successor_ids(agency_id: int) -> set[int]:
    """Every agency that succeeded this one, transitively (not itself)."""
    forward: dict[int, set[int]] = {}
    for successor, predecessor in _predecessor_edges(Agency):
        forward.setdefault(predecessor, set()).add(successor)
    return _closure(agency_id, forward) - {agency_id}


def agency_successor_map(agency_ids, on: datetime.date) -> dict[int, int]:
    """``{id: successor}`` for the ids whose work passed to another agency by
    ``on``: each follows its successors while there is exactly one that
    exists on ``on`` (a split stops the walk: which successor took which task
    is the handover's choice). One query; ids that stay are left out."""
    through = Agency.predecessors.through
    forward: dict[int, list[int]] = {}
    for successor, predecessor in (
        through.objects.filter(from_agency__valid_from__lte=on)
        .order_by()
        .values_list("from_agency_id", "to_agency_id")
    ):
        forward.setdefault(predecessor, []).append(successor)
    result = {}
    for pk in agency_ids:
        current, seen = pk, {pk}
        while len(forward.get(current, ())) == 1 and forward[current][0] not in seen:
            current = forward[current][0]
            seen.add(current)
        if current != pk:
            result[pk] = current
    return result


def lineage_subquery(model, pk: int) -> QuerySet:
    """Ids of ``pk`` and its predecessors (``LINEAGE_DEPTH`` generations) as a
    subquery, so a list filter costs no extra round trip."""
    q = Q(pk=pk)
    path = "successors"
    for _ in range(LINEAGE_DEPTH):
        q |= Q(**{f"{path}__id": pk})
        path += "__successors"
    return model.objects.filter(q).order_by().values("pk").distinct()


# --- successions ---------------------------------------------------------------


def _succession_qs() -> QuerySet[AgencySuccession]:
    return AgencySuccession.objects.select_related(
        "document", "handed_over_by"
    ).prefetch_related(
        Prefetch("predecessors", queryset=Agency.objects.order_by("name")),
        Prefetch("successors", queryset=Agency.objects.order_by("name")),
    )


def succession_list() -> QuerySet[AgencySuccession]:
    return _succession_qs().order_by("on", "id")


def succession_get(*, pk: int) -> AgencySuccession | None:
    return _succession_qs().filter(pk=pk).first()


def agency_successions(*, agency: Agency) -> list[AgencySuccession]:
    """Successions the agency takes part in, as predecessor or successor."""
    return list(
        _succession_qs()
        .filter(Q(predecessors=agency) | Q(successors=agency))
        .distinct()
        .order_by("on", "id")
    )


def body_leader(body_id: int, on: datetime.date):
    """The person seated as ``body_id``'s leader on ``on`` (an active
    account), or ``None``: the usual signer of the body's papers."""
    from .models import Membership

    seat = (
        Membership.objects.as_of(on)
        .filter(body_id=body_id, role=Membership.Role.LEADER, person__is_active=True)
        .select_related("person")
        .first()
    )
    return seat.person if seat else None
