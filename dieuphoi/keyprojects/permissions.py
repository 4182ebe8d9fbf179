"""Who may see and change a key project.

- The project's body (every member), administrators and city leadership
  viewers see it; its managers (leader, deputy, secretariat, specialists:
  ``org.permissions.can_manage_body``) and administrators change it, its
  phases and milestones.
- A user of another province's coordination team sees a project one of
  whose locations is their team's province, or a unit that province
  absorbed (a 2025 Bắc Ninh team sees a 2024 project in Bắc Giang), read
  only: not its linked tasks nor its proposal unless they may see those
  (the proposals' rule: ``proposals.permissions.can_view_proposal``).
- Anyone else: 404 on the project, an empty list.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import AdministrativeUnit

from .models import KeyProject, Milestone

VIEW = "view"
CHANGE = "change"
_UNITS_ATTR = "_dieuphoi_keyproject_units"


def _seat_body_ids(user) -> list[int]:
    return sorted(org_perms.body_roles(user))


def province_units(user) -> QuerySet:
    """The units of the provinces the user's teams stand for (today's
    seats), and the units those absorbed: a subquery, no query by itself."""
    ids = _seat_body_ids(user)
    return AdministrativeUnit.objects.filter(
        Q(bodies__pk__in=ids) | Q(successors__bodies__pk__in=ids)
    ).values("pk")


def province_unit_ids(user) -> frozenset[int]:
    """``province_units`` evaluated (one query, cached on the user)."""
    cached = getattr(user, _UNITS_ATTR, None)
    if cached is not None:
        return cached
    ids = (
        frozenset(province_units(user).values_list("pk", flat=True))
        if _seat_body_ids(user)
        else frozenset()
    )
    if getattr(user, "is_authenticated", False):
        setattr(user, _UNITS_ATTR, ids)
    return ids


def visible(user, qs: QuerySet | None = None) -> QuerySet:
    """The projects ``user`` may see, in SQL."""
    qs = KeyProject.objects.all() if qs is None else qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    ids = org_perms.visible_body_ids(user)
    if ids is None:
        return qs
    if not ids:
        return qs.none()
    located = Exists(
        KeyProject.locations.through.objects.filter(
            keyproject_id=OuterRef("pk"),
            administrativeunit_id__in=province_units(user),
        )
    )
    return qs.filter(Q(body_id__in=sorted(ids)) | located)


def can_view_project(user, project: KeyProject) -> bool:
    if org_perms.can_see_body(user, project.body_id):
        return True
    if not getattr(user, "is_authenticated", False) or not _seat_body_ids(user):
        return False
    units = province_unit_ids(user)
    return bool(units) and any(u.pk in units for u in project.locations.all())


def can_see_internals(user, project: KeyProject) -> bool:
    """Linked tasks and the body's own records: the body's viewers."""
    return org_perms.can_see_body(user, project.body_id)


def can_change_project(user, project: KeyProject) -> bool:
    return org_perms.can_manage_body(user, project.body_id)


def manager_bodies(user) -> list:
    """Bodies where ``user`` may create key projects (every team for an
    administrator)."""
    from dieuphoi.org.models import Body

    if org_perms.is_admin(user):
        return list(Body.objects.filter(kind=Body.Kind.TEAM).order_by("name"))
    ids = [
        body_id
        for body_id, roles in org_perms.body_roles(user).items()
        if roles & org_perms.MANAGER_ROLES
    ]
    return list(Body.objects.filter(pk__in=ids).order_by("name"))


def may_create(user) -> bool:
    """Without a query once the roles are loaded."""
    if org_perms.is_admin(user):
        return True
    return any(
        roles & org_perms.MANAGER_ROLES for roles in org_perms.body_roles(user).values()
    )


def _pk(value) -> int:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def access_project(*, user, pk, perm: str = VIEW) -> KeyProject:
    """The project, or 404 when ``user`` may not see it, 403 when they may
    see it but not ``perm`` (``"change"``)."""
    project = (
        KeyProject.objects.select_related("body", "lead_agency", "proposal")
        .filter(pk=_pk(pk))
        .first()
    )
    if project is None or not can_view_project(user, project):
        raise Http404
    if perm == CHANGE and not can_change_project(user, project):
        raise PermissionDenied
    return project


def access_milestone(*, user, project_pk, pk, perm: str = VIEW) -> Milestone:
    """A milestone of the project ``project_pk``: 404 when the project is
    hidden or the milestone is not one of its own, 403 as ``access_project``."""
    project = access_project(user=user, pk=project_pk)
    milestone = (
        Milestone.objects.select_related("responsible_agency", "phase")
        .filter(pk=_pk(pk), project=project)
        .first()
    )
    if milestone is None:
        raise Http404
    if perm == CHANGE and not can_change_project(user, project):
        raise PermissionDenied
    milestone.project = project
    return milestone
