"""Who may see and change an inter-provincial matter.

| who | sees | log, comments, files | changes, transitions |
|---|---|---|---|
| the owning body's members, administrators, city leadership viewers | every matter of the body, its links and history | the body's members and administrators | the body's managers (leader, deputy, secretariat, specialists) and administrators (``workflow``) |
| a user of another province's team whose unit is one of the matter's provinces, or a unit that province absorbed (``keyprojects.permissions.province_units``) | that matter (facts, log, comments, files) and the linked items they may see themselves | yes | no (403) |
| anyone else | nothing: 404, an empty list | — | — |
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from dieuphoi.keyprojects.permissions import province_unit_ids, province_units
from dieuphoi.org import permissions as org_perms

from .models import LogEntry, Matter

VIEW, CHANGE, LOG = "view", "change", "log"


def _seated(user) -> bool:
    return bool(org_perms.body_roles(user))


def shared_q(user) -> Q:
    """Matters one of whose provinces the user's team stands for (SQL)."""
    return Q(
        Exists(
            Matter.provinces.through.objects.filter(
                matter_id=OuterRef("pk"),
                administrativeunit_id__in=province_units(user),
            )
        )
    )


def visible(user, qs: QuerySet | None = None) -> QuerySet:
    """The matters ``user`` may see, in SQL."""
    qs = Matter.objects.all() if qs is None else qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    ids = org_perms.visible_body_ids(user)
    if ids is None:
        return qs
    if not ids:
        return qs.none()
    return qs.filter(Q(body_id__in=sorted(ids)) | shared_q(user))


def is_shared_with(user, matter: Matter) -> bool:
    """Whether the matter concerns the province of one of the user's teams."""
    if not getattr(user, "is_authenticated", False) or not _seated(user):
        return False
    units = province_unit_ids(user)
    return bool(units) and any(u.pk in units for u in matter.provinces.all())


def can_view_matter(user, matter: Matter) -> bool:
    return org_perms.can_see_body(user, matter.body_id) or is_shared_with(user, matter)


def can_see_internals(user, matter: Matter) -> bool:
    """The body's own records (history, the links' full lists)."""
    return org_perms.can_see_body(user, matter.body_id)


def can_change_matter(user, matter: Matter) -> bool:
    return org_perms.can_manage_body(user, matter.body_id)


def can_log(user, matter: Matter) -> bool:
    """Add to the log, comment, attach files: the body's members and the
    concerned provinces' teams (not the read-only city viewers)."""
    if org_perms.is_admin(user):
        return True
    if org_perms.roles_in(user, matter.body_id):
        return True
    return is_shared_with(user, matter)


def manager_bodies(user) -> list:
    from dieuphoi.keyprojects.permissions import manager_bodies as bodies

    return bodies(user)


def may_create(user) -> bool:
    from dieuphoi.keyprojects.permissions import may_create as create

    return create(user)


def _pk(value) -> int:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def access_matter(*, user, pk, perm: str = VIEW) -> Matter:
    """The matter, or 404 when ``user`` may not see it, 403 when they may
    see it but not ``perm`` (``"change"``, ``"log"``)."""
    matter = (
        Matter.objects.select_related(
            "body", "sector", "owner", "raised_by_body", "raised_by_agency"
        )
        .filter(pk=_pk(pk))
        .first()
    )
    if matter is None or not can_view_matter(user, matter):
        raise Http404
    if perm == CHANGE and not can_change_matter(user, matter):
        raise PermissionDenied
    if perm == LOG and not can_log(user, matter):
        raise PermissionDenied
    return matter


def can_view_log_entry(user, entry: LogEntry) -> bool:
    return can_view_matter(user, entry.matter)


def register_targets() -> None:
    from dieuphoi.docs.permissions import register_attachment_target
    from dieuphoi.notifications.registry import register_notification_target

    register_attachment_target(
        Matter,
        view_check=can_view_matter,
        change_check=can_log,
        body_of=lambda m: m.body_id,
        is_open=lambda m: m.is_open,
    )
    register_attachment_target(
        LogEntry,
        view_check=can_view_log_entry,
        change_check=lambda user, e: can_log(user, e.matter),
        body_of=lambda e: e.matter.body_id,
        is_open=lambda e: e.matter.is_open,
    )
    register_notification_target(Matter, can_view=can_view_matter)


def can_manage_body_id(user, body_id: int) -> bool:
    return org_perms.can_manage_body(user, body_id)
