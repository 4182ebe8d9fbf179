"""Who may do what in a coordination body.

Roles come from the user's current memberships (as of today, Asia/Ho_Chi_Minh)
plus two user-level flags: administrator (``is_superuser``) and city
leadership viewer. Every app builds its rules from the helpers here, so the
meaning of "secretariat of body X" is decided in one place.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import Http404

from dieuphoi.core.aggregates import TextList
from dieuphoi.core.models import local_today
from dieuphoi.core.prepared import Prepared

from . import cache
from .models import Body, Membership

Role = Membership.Role
MANAGER_ROLES = frozenset({Role.LEADER, Role.DEPUTY, Role.SECRETARIAT, Role.SPECIALIST})
SECRETARIAT_ROLES = frozenset({Role.SECRETARIAT, Role.SPECIALIST})
LEADER_ROLES = frozenset({Role.LEADER, Role.DEPUTY})
# Who keeps the body's own register of members and duties: the leader, the
# deputy and the secretariat. Specialists and members read it.
MEMBER_MANAGER_ROLES = frozenset({Role.LEADER, Role.DEPUTY, Role.SECRETARIAT})

_CACHE_ATTR = "_dieuphoi_body_roles"
_SEAT_ROWS_ATTR = "_dieuphoi_seat_rows"
_FLOOR_ATTR = "_dieuphoi_seat_floor"


def _roles_query(mark, day):
    return (
        Membership.objects.as_of(day)
        .filter(person=mark)
        .values_list("body_id", "role", "agency_id")
    )


# Compiled once a day (core.prepared): most pages ask who the user is in
# which body, and building this SQL cost more than running it.
_ROLES = Prepared(_roles_query)


def remember_seats(user, rows) -> None:
    """Keep on ``user`` (for this request) its memberships valid today as
    ``(body_id, role, agency_id)`` rows, and the roles derived from them.
    ``tasks.permissions.user_seats`` calls it with the same rows it loads,
    so either read costs the one query."""
    rows = tuple(sorted(rows, key=repr))
    roles: dict[int, set[str]] = {}
    for body_id, role, _agency_id in rows:
        roles.setdefault(body_id, set()).add(role)
    setattr(user, _SEAT_ROWS_ATTR, rows)
    setattr(user, _CACHE_ATTR, {k: frozenset(v) for k, v in roles.items()})


def seats_floor_expression(day):
    """The user's seats valid on ``day`` as one text, ``"body:role:agency,..."``
    (NULL: none), for the request's user query (``core.auth``): every page
    reads them, and they come with the user instead of a query of their own."""
    row = Concat(
        Cast("body_id", CharField()),
        Value(":"),
        "role",
        Value(":"),
        Coalesce(Cast("agency_id", CharField()), Value("")),
        output_field=CharField(),
    )
    return Subquery(
        Membership.objects.as_of(day)
        .filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(packed=TextList(row))
        .values("packed")
    )


def seats_floor_loaded(user, packed) -> None:
    setattr(user, _FLOOR_ATTR, (cache.SEAT_WRITES.count, packed or ""))


def _floor_rows(user) -> list | None:
    """The rows loaded with the user, if no seat was written here since."""
    floor = getattr(user, _FLOOR_ATTR, None)
    if floor is None or floor[0] != cache.SEAT_WRITES.count:
        return None
    rows = []
    for part in floor[1].split(","):
        if part:
            body_id, role, agency_id = part.split(":")
            rows.append((int(body_id), role, int(agency_id) if agency_id else None))
    return rows


def seat_rows(user) -> tuple:
    """The user's ``(body_id, role, agency_id)`` rows valid today, loaded
    once per request (``remember_seats``): with the user when the request's
    user query brought them, else one query."""
    rows = getattr(user, _SEAT_ROWS_ATTR, None)
    if rows is None:
        found = _floor_rows(user)
        if found is None:
            found = _ROLES.rows(user.pk, key=(local_today(),))
        remember_seats(user, found)
        rows = getattr(user, _SEAT_ROWS_ATTR)
    return rows


def body_roles(user) -> dict[int, frozenset[str]]:
    """``{body_id: roles}`` for the user's memberships valid today (one query, cached)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        seat_rows(user)
        cached = getattr(user, _CACHE_ATTR)
    return cached


def access_key(user) -> tuple:
    """All that the user's own row and memberships valid today say about
    what they may see: flags, and every seat (body, role, agency). A cache of
    a per-user permission answer keys on it (with the date), so a membership
    begun or ended, or a flag changed, is a new key at once."""
    if not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    return (
        user.pk,
        bool(getattr(user, "is_active", False)),
        bool(getattr(user, "is_superuser", False)),
        bool(getattr(user, "is_leadership_viewer", False)),
        getattr(user, "agency_id", None),
        seat_rows(user),
    )


def clear_role_cache(user) -> None:
    for attr in (_CACHE_ATTR, _SEAT_ROWS_ATTR, _FLOOR_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def is_admin(user) -> bool:
    return bool(
        getattr(user, "is_active", False) and getattr(user, "is_superuser", False)
    )


def is_leadership(user) -> bool:
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_leadership_viewer", False)
    )


def roles_in(user, body_id: int | None) -> frozenset[str]:
    if body_id is None:
        return frozenset()
    return body_roles(user).get(body_id, frozenset())


def visible_body_ids(user) -> set[int] | None:
    """Body ids the user may see; ``None`` means all (admin, city leadership)."""
    if is_admin(user) or is_leadership(user):
        return None
    return set(body_roles(user))


def can_see_body(user, body_id: int | None) -> bool:
    return is_admin(user) or is_leadership(user) or bool(roles_in(user, body_id))


def can_manage_body(user, body_id: int | None) -> bool:
    """Leader, deputy and secretariat manage their body's records."""
    return is_admin(user) or bool(roles_in(user, body_id) & MANAGER_ROLES)


def can_manage_members(user, body_id: int | None) -> bool:
    """Leader, deputy and secretariat add, change and end memberships."""
    return is_admin(user) or bool(roles_in(user, body_id) & MEMBER_MANAGER_ROLES)


# --- rules predicates -------------------------------------------------------


@rules.predicate
def is_administrator(user) -> bool:
    return is_admin(user)


@rules.predicate
def is_body_viewer(user, body: Body | None) -> bool:
    return body is not None and can_see_body(user, body.pk)


@rules.predicate
def is_body_manager(user, body: Body | None) -> bool:
    return body is not None and can_manage_body(user, body.pk)


@rules.predicate
def is_member_manager(user, body: Body | None) -> bool:
    return body is not None and can_manage_members(user, body.pk)


rules.add_perm("org.view_body", is_body_viewer)
rules.add_perm("org.manage_body_members", is_member_manager)
rules.add_perm("org.edit_registry", is_administrator)


def access_body(*, user, pk: int, perm: str = "org.view_body") -> Body:
    """The body, or 404 when the user may not see it, 403 when not allowed ``perm``."""
    body = (
        Body.objects.select_related("unit", "parent", "establishing_document")
        .filter(pk=pk)
        .first()
    )
    if body is None or not user.has_perm("org.view_body", body):
        raise Http404
    if perm != "org.view_body" and not user.has_perm(perm, body):
        raise PermissionDenied
    return body


def access_membership(*, user, pk: int, perm: str = "org.view_body") -> Membership:
    """The membership, or 404 when its body is hidden, 403 when not allowed ``perm``."""
    membership = (
        Membership.objects.select_related(
            "person", "body", "agency", "appointing_document"
        )
        .filter(pk=pk)
        .first()
    )
    if membership is None or not user.has_perm("org.view_body", membership.body):
        raise Http404
    if perm != "org.view_body" and not user.has_perm(perm, membership.body):
        raise PermissionDenied
    return membership


def access_person(*, user, pk: int):
    """A person whose memberships the user may read, or 404.

    Administrators and the city leadership see everyone; a user sees
    themselves and anyone who is or was a member of a body they see.
    """
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.select_related("agency").filter(pk=pk).first()
    if person is None:
        raise Http404
    if person.pk == user.pk:
        return person
    visible = visible_body_ids(user)
    if visible is None:
        return person
    if (
        not visible
        or not Membership.objects.filter(person=person, body_id__in=visible).exists()
    ):
        raise Http404
    return person


def can_edit_registry(user) -> bool:
    """Units, agencies and bodies are edited by administrators.

    The same rule as the ``org.edit_registry`` perm, without the model
    backend's permission-table queries on every page.
    """
    return is_admin(user)


def require_registry_editor(user) -> None:
    """403 unless the user may edit units, agencies and bodies."""
    if not can_edit_registry(user):
        raise PermissionDenied


# --- handing tasks over to successor agencies --------------------------------


def handover_body_ids(user) -> set[int] | None:
    """Bodies whose open tasks the user may hand over to successor agencies:
    every body (``None``) for administrators; else the bodies where the user
    is leader, deputy, secretariat or specialist (may be empty)."""
    if is_admin(user):
        return None
    return {
        body_id for body_id, roles in body_roles(user).items() if roles & MANAGER_ROLES
    }


def require_handover(user) -> set[int] | None:
    """``handover_body_ids``, or 404 for a user of no body (the page does not
    exist for them) and 403 for a member who manages none."""
    body_ids = handover_body_ids(user)
    if body_ids is None or body_ids:
        return body_ids
    if not body_roles(user) and not is_leadership(user):
        raise Http404
    raise PermissionDenied
