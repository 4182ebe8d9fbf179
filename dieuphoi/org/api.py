"""Registry endpoints (``/api/v1``), read-only, each "as of" a date.

``on`` is an ISO date (YYYY-MM-DD), default today in Hanoi; a malformed one
answers 422 with the field ``on``. Units, agencies and the list of teams
(``/teams``: names only, the parties a task can ask to co-operate) are open
to any token; bodies, their members and the people who can own a task
(``/bodies/{id}/people``) are those of bodies the token's user may see, and
a body they may not see is 404. Together with ``/api/v1/tasks/sectors`` they
give every id ``POST /api/v1/tasks`` needs.
"""

from __future__ import annotations

import datetime

from django.http import Http404
from ninja import Field, Path, Query, Router, Schema

from dieuphoi.api.errors import responses
from dieuphoi.core.params import ApiDate, ApiId

from . import permissions, selectors
from .models import Agency, Body

router = Router(tags=["registry"])
MAX_ID = 2**63 - 1  # bigint; larger ids are a 422, not a database error


class OnQuery(Schema):
    on: ApiDate | None = Field(
        None,
        description="The date the registry is read as of (YYYY-MM-DD); default today.",
    )


class AgencyQuery(OnQuery):
    # No NUL: PostgreSQL refuses it in a query parameter.
    search: str = Field(
        "",
        max_length=100,
        pattern=r"^[^\x00]*$",
        description=(
            "Part of the name, short name or code; case- and accent-insensitive "
            "(“xay dung” finds “Sở Xây dựng”)."
        ),
    )
    q: str = Field(
        "",
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="Same as search (the task list's name for it).",
    )
    kind: Agency.Kind | None = Field(None, description="Only agencies of this kind.")
    unit: ApiId | None = Field(
        None, ge=1, le=2**63 - 1, description="Only agencies of this unit (id)."
    )
    body: ApiId | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description=(
            "A coordination body id: each agency's group is given relative to "
            "its province (own, province, central)."
        ),
    )


class TeamQuery(OnQuery):
    q: str = Field(
        "",
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="Part of the name; case- and accent-insensitive.",
    )


class PeopleQuery(OnQuery):
    agency: ApiId | None = Field(
        None, ge=1, le=2**63 - 1, description="Only people at this agency (id)."
    )


class UnitOut(Schema):
    id: int = Field(description="Unit id (province_ids of a task).")
    key: str
    name: str
    kind: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    absorbed_note: str
    legal_basis: str
    predecessors: list[str] = Field(
        description="Keys of the units this one was formed from."
    )
    successors: list[str] = Field(
        description="Keys of the units this one became part of."
    )


class RegistryAgencyRef(Schema):
    id: int
    code: str
    name: str


class RegistryAgencyOut(Schema):
    id: int = Field(description="Agency id (lead_agency_id, cooperating.agency_id).")
    code: str
    name: str
    short_name: str
    kind: str = Field(description=", ".join(Agency.Kind.values))
    unit: str | None = Field(description="Key of the administrative unit.")
    unit_id: int | None = Field(description="Id of the administrative unit.")
    group: str | None = Field(
        description=(
            "With body=: own (can lead the body's tasks), province (another "
            "province: ask it to co-operate), central (ministries)."
        )
    )
    valid_from: datetime.date
    valid_to: datetime.date | None
    legal_basis: str
    predecessors: list[RegistryAgencyRef]
    successors: list[RegistryAgencyRef]


class BodyOut(Schema):
    id: int
    key: str
    name: str
    short_name: str
    kind: str
    unit: str | None
    valid_from: datetime.date
    valid_to: datetime.date | None
    standing_agency: RegistryAgencyRef | None
    member_count: int


class PersonRef(Schema):
    id: int
    name: str


class TeamOut(Schema):
    id: int = Field(description="Body id (cooperating.body_id of a task).")
    key: str
    name: str
    short_name: str
    unit: str | None = Field(description="Key of the team's administrative unit.")
    unit_id: int | None = Field(description="Id of the team's administrative unit.")
    valid_from: datetime.date
    valid_to: datetime.date | None


class PersonOut(Schema):
    id: int = Field(description="User id (owner_id of a task).")
    username: str
    name: str = Field(description="Full name, else the username.")
    role: str = Field(description="Role in the body.")
    agency: RegistryAgencyRef | None = Field(description="Home agency in the body.")


class MemberOut(Schema):
    id: int
    person: PersonRef
    role: str
    agency: RegistryAgencyRef | None
    position: str
    is_part_time: bool
    duties: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    version: int


def _agency_ref(agency: Agency | None) -> dict | None:
    if agency is None:
        return None
    return {"id": agency.pk, "code": agency.code, "name": agency.name}


@router.get(
    "/region/units",
    response=responses({200: list[UnitOut]}),
    summary="Units in the Capital Region as of a date",
)
def region_units(request, query: Query[OnQuery]):
    region = selectors.region_get()
    if region is None:
        return []
    units = selectors.region_units(region=region, on=query.on)
    return [
        {
            "id": unit.pk,
            "key": unit.key,
            "name": unit.name,
            "kind": unit.kind,
            "valid_from": unit.valid_from,
            "valid_to": unit.valid_to,
            "absorbed_note": unit.absorbed_note,
            "legal_basis": unit.legal_basis,
            "predecessors": sorted(p.key for p in unit.predecessors.all()),
            "successors": sorted(s.key for s in unit.successors.all()),
        }
        for unit in units
    ]


@router.get(
    "/agencies",
    response=responses({200: list[RegistryAgencyOut]}),
    summary="Agencies as of a date",
)
def agencies(request, query: Query[AgencyQuery]):
    """Agencies valid on ``on``, filtered by ``kind``, ``unit`` and a search
    (``q`` or ``search``, accent-insensitive); with ``body`` each has its
    group relative to that body's province (404 for a body that does not
    exist)."""
    group_unit = None
    if query.body is not None:
        body = Body.objects.filter(pk=query.body).only("pk", "unit_id").first()
        if body is None:
            raise Http404
        group_unit = body.unit_id
    rows = selectors.agency_list(
        on=query.on,
        search=query.q or query.search,
        kind=query.kind or "",
        unit=query.unit,
    )
    return [
        {
            "id": a.pk,
            "code": a.code,
            "name": a.name,
            "short_name": a.short_name,
            "kind": a.kind,
            "unit": a.unit.key if a.unit else None,
            "unit_id": a.unit_id,
            "group": selectors.agency_group(a, group_unit)
            if query.body is not None
            else None,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
            "legal_basis": a.legal_basis,
            "predecessors": [_agency_ref(p) for p in a.predecessors.all()],
            "successors": [_agency_ref(s) for s in a.successors.all()],
        }
        for a in rows
    ]


@router.get(
    "/bodies",
    response=responses({200: list[BodyOut]}),
    summary="Coordination bodies the user may see, as of a date",
)
def bodies(request, query: Query[OnQuery]):
    rows = selectors.body_list(user=request.auth, on=query.on)
    return [
        {
            "id": b.pk,
            "key": b.key,
            "name": b.name,
            "short_name": b.short_name,
            "kind": b.kind,
            "unit": b.unit.key if b.unit else None,
            "valid_from": b.valid_from,
            "valid_to": b.valid_to,
            "standing_agency": _agency_ref(b.standing_agency),
            "member_count": b.member_count,
        }
        for b in rows
    ]


@router.get(
    "/bodies/{body_id}/members",
    response=responses({200: list[MemberOut]}),
    summary="A body's members as of a date",
)
def body_members(
    request, query: Query[OnQuery], body_id: int = Path(..., ge=1, le=MAX_ID)
):
    body = permissions.access_body(user=request.auth, pk=body_id)
    rows = selectors.body_members(body=body, on=query.on)
    return [
        {
            "id": m.pk,
            "person": {"id": m.person.pk, "name": str(m.person)},
            "role": m.role,
            "agency": _agency_ref(m.agency),
            "position": m.position,
            "is_part_time": m.is_part_time,
            "duties": m.duties,
            "valid_from": m.valid_from,
            "valid_to": m.valid_to,
            "version": m.version,
        }
        for m in rows
    ]


@router.get(
    "/teams",
    response=responses({200: list[TeamOut]}),
    summary="Coordination teams as of a date (co-operating parties)",
)
def teams(request, query: Query[TeamQuery]):
    """Every coordination team valid on ``on``: names and units only (no
    members), so a task can name another province's team as a party."""
    return [
        {
            "id": b.pk,
            "key": b.key,
            "name": b.name,
            "short_name": b.short_name,
            "unit": b.unit.key if b.unit else None,
            "unit_id": b.unit_id,
            "valid_from": b.valid_from,
            "valid_to": b.valid_to,
        }
        for b in selectors.team_list(on=query.on, search=query.q)
    ]


@router.get(
    "/bodies/{body_id}/people",
    response=responses({200: list[PersonOut]}),
    summary="People who may own a task of the body, as of a date",
)
def body_people(
    request, query: Query[PeopleQuery], body_id: int = Path(..., ge=1, le=MAX_ID)
):
    """The body's members on ``on`` (optionally at ``agency``): id, username,
    name, role and home agency only. 404 for a body the user may not see."""
    body = permissions.access_body(user=request.auth, pk=body_id)
    rows = selectors.owner_candidates(body=body, on=query.on, agency=query.agency)
    return [
        {
            "id": m.person.pk,
            "username": m.person.username,
            "name": str(m.person),
            "role": m.role,
            "agency": _agency_ref(m.agency),
        }
        for m in rows
    ]
