"""Telling the invitees, the ICS they are e-mailed, and the calendar source.

- ``invitation_sent(activity)``: each invitee's people (``permissions.
  responders``) get ``activity_invited`` in the notification centre and an
  e-mail with ``moi-hop.ics`` (``METHOD:REQUEST``) attached.
- ``activity_changed`` / ``activity_cancelled``: the same people, with the
  updated ICS (same UID, the new SEQUENCE) or ``METHOD:CANCEL`` +
  ``STATUS:CANCELLED``. Notification keys hold the sequence: a move tells
  them again, a repeat call does not.
- ``ics_attachments(target_id, kind)``: the registry's ``attachments`` hook.
- ``activity_events``: the calendar source (``calendars.events``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.translation import gettext

from dieuphoi.calendars.events import CalendarEvent
from dieuphoi.calendars.ics import calendar_bytes
from dieuphoi.notifications.services import notify

from . import permissions
from .models import Activity, Invitee

INVITED = "activity_invited"
CHANGED = "activity_changed"
CANCELLED = "activity_cancelled"
KINDS = (INVITED, CHANGED, CANCELLED)


def _people(activity: Activity, only=None) -> tuple[dict[int, set[int]], list[Invitee]]:
    invitees = list(activity.invitees.select_related("body", "agency", "person"))
    if only is not None:
        wanted = {i.pk for i in only}
        invitees = [i for i in invitees if i.pk in wanted]
    return permissions.responders(activity, invitees), invitees


def invitation_sent(activity: Activity, only=None) -> tuple[int, list[str]]:
    """Notify and e-mail every invitee's people (``only``: these invitees,
    e.g. one added after the invitation went out); ``(how many people were
    notified, names of invitees nobody could be told or e-mailed)``."""
    from django.contrib.auth import get_user_model

    people, invitees = _people(activity, only)
    everyone = set().union(*people.values()) if people else set()
    emails = dict(
        get_user_model().objects.filter(pk__in=everyone).values_list("pk", "email")
    )
    unreachable = [
        i.name for i in invitees if not any(emails.get(p) for p in people.get(i.pk, ()))
    ]
    title = activity.title

    def text() -> str:
        return gettext("Invitation: %(title)s") % {"title": title}

    count = notify(
        recipients=everyone,
        kind=INVITED,
        target=activity,
        title=text,
        url=activity.get_absolute_url(),
        key=f"activity:{activity.pk}:invite:{activity.sequence}",
    )
    return count, unreachable


def activity_changed(activity: Activity) -> int:
    people, _invitees = _people(activity)
    title = activity.title

    def text() -> str:
        return gettext("Changed: %(title)s") % {"title": title}

    return notify(
        recipients=set().union(*people.values()) if people else set(),
        kind=CHANGED,
        target=activity,
        title=text,
        url=activity.get_absolute_url(),
        key=f"activity:{activity.pk}:change:{activity.sequence}",
    )


def activity_cancelled(activity: Activity) -> int:
    people, _invitees = _people(activity)
    title = activity.title

    def text() -> str:
        return gettext("Cancelled: %(title)s") % {"title": title}

    return notify(
        recipients=set().union(*people.values()) if people else set(),
        kind=CANCELLED,
        target=activity,
        title=text,
        url=activity.get_absolute_url(),
        key=f"activity:{activity.pk}:cancel:{activity.sequence}",
    )


# --- ICS ---------------------------------------------------------------------------


def _location(activity: Activity) -> str:
    return " — ".join(p for p in (activity.place, activity.online_link) if p)


def to_event(activity: Activity, agency_ids: tuple[int, ...] = ()) -> CalendarEvent:
    return CalendarEvent(
        uid=activity.uid,
        kind="activity",
        title=activity.title,
        start=activity.starts_at,
        end=activity.ends_at,
        url=activity.get_absolute_url(),
        sequence=activity.sequence,
        status="CANCELLED" if activity.is_cancelled else "CONFIRMED",
        location=_location(activity),
        description=activity.description,
        body_id=activity.body_id,
        agency_ids=agency_ids,
        last_modified=activity.updated_at,
        extra={"state": activity.state},
    )


def ics_bytes(activity: Activity, *, method: str | None = None) -> bytes:
    """The invitation's ``text/calendar`` (``REQUEST``, or ``CANCEL`` once
    cancelled), with the host as organizer."""
    if method is None:
        method = "CANCEL" if activity.is_cancelled else "REQUEST"
    return calendar_bytes(
        [to_event(activity)],
        method=method,
        base_url=settings.SITE_URL,
        organizer=(settings.DEFAULT_FROM_EMAIL, activity.body.name),
    )


def ics_attachments(target_id: int, kind: str) -> list[tuple[str, bytes, str]]:
    if kind not in KINDS:
        return []
    activity = Activity.objects.select_related("body").filter(pk=target_id).first()
    if activity is None:
        return []
    method = "CANCEL" if activity.is_cancelled else "REQUEST"
    return [
        (
            "moi-hop.ics",
            ics_bytes(activity, method=method),
            f"text/calendar; method={method}",
        )
    ]


# --- calendar source ---------------------------------------------------------------


def activity_events(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    body_ids=None,
    agency_ids=None,
) -> list[CalendarEvent]:
    """The activities ``user`` may see overlapping ``[start, end)`` (local
    dates): two queries (activities, their invited agencies)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    lo = datetime.datetime.combine(start, datetime.time.min, tz)
    hi = datetime.datetime.combine(end, datetime.time.min, tz)
    qs = permissions.visible(user).filter(starts_at__lt=hi, ends_at__gt=lo)
    if body_ids is not None:
        qs = qs.filter(body_id__in=sorted(body_ids))
    if agency_ids is not None:
        qs = qs.filter(invitees__agency_id__in=sorted(agency_ids)).distinct()
    activities = list(qs.order_by("starts_at", "id"))
    agencies: dict[int, list[int]] = {}
    if activities:
        for activity_id, agency_id in Invitee.objects.filter(
            activity_id__in=[a.pk for a in activities], agency_id__isnull=False
        ).values_list("activity_id", "agency_id"):
            agencies.setdefault(activity_id, []).append(agency_id)
    return [to_event(a, tuple(sorted(agencies.get(a.pk, ())))) for a in activities]
