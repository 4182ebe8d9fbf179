"""Who may see and change an inspection.

- The inspection's body (every member), administrators and city leadership
  viewers see it; the body's managers (leader, deputy, secretariat,
  specialists: ``org.permissions.can_manage_body``) and administrators
  change it, its findings, and turn its recommendations into tasks.
- A focal point (member or specialist seat, today) of an inspected agency,
  in any body, sees that inspection read only: its plan, findings and
  evidence, not its history.
- Anyone else, including the other provinces' teams: 404 on the
  inspection, an empty list.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from dieuphoi.org import permissions as org_perms

from .models import Finding, Inspection

VIEW = "view"
CHANGE = "change"


def focal_agency_ids(user) -> frozenset[int]:
    """Agencies ``user`` is a focal point of today, in any body (no query
    once the seats are loaded: ``tasks.permissions.user_seats``)."""
    from dieuphoi.tasks.permissions import FOCAL_ROLES, user_seats

    return frozenset(
        s.agency_id for s in user_seats(user) if s.agency_id and s.role in FOCAL_ROLES
    )


def visible(user, qs: QuerySet | None = None) -> QuerySet:
    """The inspections ``user`` may see, in SQL."""
    qs = Inspection.objects.all() if qs is None else qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    ids = org_perms.visible_body_ids(user)
    if ids is None:
        return qs
    agencies = focal_agency_ids(user)
    q = Q(body_id__in=sorted(ids)) if ids else Q(pk__in=[])
    if agencies:
        q |= Exists(
            Inspection.subject_agencies.through.objects.filter(
                inspection_id=OuterRef("pk"), agency_id__in=sorted(agencies)
            )
        )
    if not ids and not agencies:
        return qs.none()
    return qs.filter(q)


def can_view_inspection(user, inspection: Inspection) -> bool:
    if org_perms.can_see_body(user, inspection.body_id):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    agencies = focal_agency_ids(user)
    if not agencies:
        return False
    return inspection.subject_agencies.filter(pk__in=sorted(agencies)).exists()


def can_see_internals(user, inspection: Inspection) -> bool:
    """History and the body's own records: the body's viewers."""
    return org_perms.can_see_body(user, inspection.body_id)


def can_change_inspection(user, inspection: Inspection) -> bool:
    return org_perms.can_manage_body(user, inspection.body_id)


def can_view_finding(user, finding: Finding) -> bool:
    return can_view_inspection(user, finding.inspection)


def can_change_finding(user, finding: Finding) -> bool:
    from . import workflow

    return (
        can_change_inspection(user, finding.inspection)
        and finding.inspection.state != Inspection.State.CLOSED
        and finding.inspection.state in workflow.CONVERT_STATES
    )


def manager_bodies(user) -> list:
    """Bodies where ``user`` may plan inspections (every team for an
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


def access_inspection(*, user, pk, perm: str = VIEW) -> Inspection:
    """The inspection, or 404 when ``user`` may not see it, 403 when they
    may see it but not ``perm`` (``"change"``)."""
    inspection = (
        Inspection.objects.select_related("body", "leader", "conclusion_paper")
        .filter(pk=_pk(pk))
        .first()
    )
    if inspection is None or not can_view_inspection(user, inspection):
        raise Http404
    if perm == CHANGE and not can_change_inspection(user, inspection):
        raise PermissionDenied
    return inspection


def access_finding(*, user, inspection_pk, pk, perm: str = VIEW) -> Finding:
    inspection = access_inspection(user=user, pk=inspection_pk)
    finding = (
        Finding.objects.select_related("agency", "task")
        .filter(pk=_pk(pk), inspection=inspection)
        .first()
    )
    if finding is None:
        raise Http404
    if perm == CHANGE and not can_change_inspection(user, inspection):
        raise PermissionDenied
    finding.inspection = inspection
    return finding


def matter_items(matter, user) -> list[tuple[str, str]]:
    """``(title, url)`` of the inspections linked to ``matter`` that
    ``user`` may see (``matters.links``; one query)."""
    return [
        (str(i), i.get_absolute_url())
        for i in visible(user)
        .filter(matters=matter)
        .only("id", "code", "title")
        .order_by("-planned_on", "-id")
    ]


def register_targets() -> None:
    """Notifications and task sources (``tasks.sources``) about findings and
    inspections; evidence files on findings (``docs`` attachments)."""
    from dieuphoi.docs.permissions import register_attachment_target
    from dieuphoi.notifications.registry import register_notification_target

    register_notification_target(Inspection, can_view=can_view_inspection)
    register_notification_target(Finding, can_view=can_view_finding)
    register_attachment_target(
        Finding,
        can_view_finding,
        can_change_finding,
        body_of=lambda finding: finding.inspection.body_id,
        is_open=lambda finding: finding.inspection.state != Inspection.State.CLOSED,
    )
