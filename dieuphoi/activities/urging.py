"""Invitations not answered, as obligations of the reminder ladder
(``dieuphoi.reminders.obligations``): each pending invitee of an invited
activity is reminded before its response deadline and urged after it
(``Invitee.urge_count``); its people are told (``permissions.responders``)
and, after ``ESCALATE_AFTER_URGINGS``, the host's secretariat. An invitee
stops being reminded once it answers or the activity is held or cancelled.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.org.models import Membership
from dieuphoi.reminders.obligations import (
    Obligation,
    ObligationSource,
    register_obligation_source,
)
from dieuphoi.tasks.notices import PartySeats

from . import permissions
from .models import Activity, Invitee

SOURCE = "activities.response"


def responses_due(day: datetime.date, horizon: datetime.date) -> list[Obligation]:
    invitees = list(
        Invitee.objects.filter(
            response=Invitee.Response.PENDING,
            activity__state=Activity.State.INVITED,
            activity__response_deadline__lte=horizon,
        ).select_related("activity", "activity__body", "body", "agency", "person")
    )
    if not invitees:
        return []
    by_activity: dict[int, list[Invitee]] = {}
    for invitee in invitees:
        by_activity.setdefault(invitee.activity_id, []).append(invitee)
    bodies = {i.activity.body_id for i in invitees}
    seats = PartySeats.load(day, bodies=list(bodies))
    escalate = {
        body: frozenset(seats.role(body, Membership.Role.SECRETARIAT))
        for body in bodies
    }
    out = []
    for group in by_activity.values():
        activity = group[0].activity
        people = permissions.responders(activity, group, day)
        for invitee in group:
            out.append(
                Obligation(
                    pk=invitee.pk,
                    deadline=activity.response_deadline,
                    urge_count=invitee.urge_count,
                    recipients=frozenset(people.get(invitee.pk, ())),
                    target=activity,
                    subject=lambda invitee=invitee: _subject(invitee),
                    url=f"{activity.get_absolute_url()}#respond",
                    escalate_to=escalate[activity.body_id],
                )
            )
    return out


def _subject(invitee: Invitee) -> str:
    return gettext("the answer of %(party)s to the invitation to %(title)s") % {
        "party": invitee.name,
        "title": invitee.activity.title[:100],
    }


def responses_counted(counts: dict[int, int], day: datetime.date) -> None:
    Invitee.objects.filter(pk__in=counts).update(
        urge_count=Case(
            *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
            output_field=IntegerField(),
        )
    )


def register() -> None:
    register_obligation_source(
        ObligationSource(
            key=SOURCE,
            label=_("Answer to an invitation"),
            open_due=responses_due,
            counted=responses_counted,
        )
    )
