"""Who sees an activity and who answers for an invitee.

- The host body's members, city leadership viewers and administrators see
  it; its managers (``org.permissions.can_manage_body``) change it.
- A user with a seat today in an invited body (another province's team)
  sees that activity (facts, agenda, invitees, conclusions, papers; not the
  history) and answers for their body; nothing else of the host's.
- An invited person sees the activity and answers for themselves.
- Anyone else: 404, an empty list.

Who answers for an invitee (``can_respond``): for a body its members; for
an agency its focal points in the host body (``tasks.notices.PartySeats``:
an agency without focal points there, its people's seats elsewhere); for a
person that person; the host's managers for anyone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from dieuphoi.core.models import local_today
from dieuphoi.org import permissions as org_perms

from .models import Activity, AgendaItem, Conclusion, Invitee

VIEW = "view"
CHANGE = "change"


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible(user, qs: QuerySet | None = None) -> QuerySet:
    """The activities ``user`` may see, in SQL (no query by itself)."""
    qs = Activity.objects.all() if qs is None else qs
    if not _authenticated(user):
        return qs.none()
    ids = org_perms.visible_body_ids(user)
    if ids is None:
        return qs
    invited = Invitee.objects.filter(activity_id=OuterRef("pk"))
    where = Exists(invited.filter(person_id=user.pk))
    if ids:
        where |= Q(body_id__in=sorted(ids)) | Exists(
            invited.filter(body_id__in=sorted(ids))
        )
    return qs.filter(where)


def can_view_activity(user, activity: Activity) -> bool:
    if org_perms.can_see_body(user, activity.body_id):
        return True
    if not _authenticated(user):
        return False
    seats = sorted(org_perms.body_roles(user))
    return activity.invitees.filter(
        Q(person_id=user.pk) | Q(body_id__in=seats)
    ).exists()


def can_see_internals(user, activity: Activity) -> bool:
    """History and the host's own records: the host body's viewers."""
    return org_perms.can_see_body(user, activity.body_id)


def can_change_activity(user, activity: Activity) -> bool:
    return org_perms.can_manage_body(user, activity.body_id)


def responders(activity: Activity, invitees, day=None) -> dict[int, set[int]]:
    """``{invitee id: user ids}`` who answer for each invitee (one query)."""
    from dieuphoi.tasks.notices import PartySeats

    invitees = list(invitees)
    seats = PartySeats.load(
        day or local_today(),
        bodies=[activity.body_id],
        party_bodies=[i.body_id for i in invitees if i.body_id],
        party_agencies=[i.agency_id for i in invitees if i.agency_id],
    )
    out: dict[int, set[int]] = {}
    for invitee in invitees:
        if invitee.person_id:
            out[invitee.pk] = {invitee.person_id}
        elif invitee.body_id == activity.body_id:
            # The host's own team: every member of it.
            out[invitee.pk] = {
                person
                for (body, _role), people in seats.roles.items()
                if body == activity.body_id
                for person in people
            }
        else:
            out[invitee.pk] = seats.party(
                activity.body_id, invitee.agency_id, invitee.body_id
            )
    return out


def can_respond(user, invitee: Invitee) -> bool:
    activity = invitee.activity
    if not _authenticated(user):
        return False
    if can_change_activity(user, activity):
        return True
    return user.pk in responders(activity, [invitee]).get(invitee.pk, set())


def own_invitees(user, activity: Activity, invitees) -> list[Invitee]:
    """The invitees ``user`` answers for as one of their people (the host's
    managers answer for anyone, but their "own" are only these)."""
    if not _authenticated(user):
        return []
    invitees = list(invitees)
    people = responders(activity, invitees)
    return [i for i in invitees if user.pk in people.get(i.pk, set())]


def manager_bodies(user) -> list:
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


def access_activity(*, user, pk, perm: str = VIEW) -> Activity:
    """The activity, or 404 when ``user`` may not see it, 403 when they may
    see it but not change it (``perm="change"``)."""
    activity = Activity.objects.select_related("body").filter(pk=_pk(pk)).first()
    if activity is None or not can_view_activity(user, activity):
        raise Http404
    if perm == CHANGE and not can_change_activity(user, activity):
        raise PermissionDenied
    return activity


def access_conclusion(*, user, activity_pk, pk, perm: str = VIEW) -> Conclusion:
    activity = access_activity(user=user, pk=activity_pk)
    conclusion = Conclusion.objects.filter(pk=_pk(pk), activity=activity).first()
    if conclusion is None:
        raise Http404
    if perm == CHANGE and not can_change_activity(user, activity):
        raise PermissionDenied
    conclusion.activity = activity
    return conclusion


def access_invitee(*, user, activity_pk, pk) -> Invitee:
    activity = access_activity(user=user, pk=activity_pk)
    invitee = Invitee.objects.filter(pk=_pk(pk), activity=activity).first()
    if invitee is None:
        raise Http404
    invitee.activity = activity
    return invitee


def can_view_agenda_item(user, item: AgendaItem) -> bool:
    return can_view_activity(user, item.activity)


def can_change_agenda_item(user, item: AgendaItem) -> bool:
    return can_change_activity(user, item.activity)


def can_view_conclusion(user, conclusion: Conclusion) -> bool:
    return can_view_activity(user, conclusion.activity)
