"""Writes of activities, their invitations, responses, attendance, minutes
and conclusions.

Public names:

- ``activity_create(*, actor, body, kind, title, starts_at, ends_at, ...)``
  and ``activity_update(*, actor, activity, version, **fields)`` (a change of
  time, place or title bumps ``sequence`` and, once invited, tells the
  invitees with the updated ICS); ``activity_cancel(*, actor, activity,
  version, reason)`` (``METHOD:CANCEL``).
- ``agenda_item_add(*, actor, activity, title, presenter="")``.
- ``invitation_create(*, actor, activity)``: the Giấy mời (documents engine);
  ``invitation_send(*, actor, activity, version)`` once it is issued: every
  invitee's people are notified and e-mailed the ICS (``REQUEST``).
- ``response_record(*, actor, invitee, response, ...)``: an answer.
- ``attendance_record(*, actor, activity, version, rows)``, ``minutes_save``,
  ``activity_conclude``.
- ``conclusion_add``, ``conclusion_convert`` (into tasks, once),
  ``conclusions_notice_create`` (the Thông báo kết luận).

Each checks the actor's right (``PermissionDenied``), validates first
(``ValidationError`` keyed by field, nothing written), checks the version
(``Conflict``) and writes in one transaction with its audit event on the
activity, so its history shows every step.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core import params
from dieuphoi.core.models import local_today
from dieuphoi.core.versioning import check_version, save_bumped
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.paperwork.services import clean_text
from dieuphoi.workdays import calendar

from . import permissions, workflow
from .models import MINUTES_MAX, TEXT_MAX, Activity, AgendaItem, Conclusion, Invitee

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE_MAX = Activity._meta.get_field("title").max_length
PLACE_MAX = Activity._meta.get_field("place").max_length
LINK_MAX = Activity._meta.get_field("online_link").max_length
NAME_MAX = 200
# Working days between the response deadline and the start, by default.
RESPONSE_DAYS_BEFORE = 2

ACTION_LABELS = {
    "activities.create": _("Created the activity"),
    "activities.update": _("Edited the activity"),
    "activities.cancel": _("Cancelled the activity"),
    "activities.agenda_add": _("Added an agenda item"),
    "activities.agenda_update": _("Edited an agenda item"),
    "activities.agenda_move": _("Moved an agenda item"),
    "activities.agenda_remove": _("Removed an agenda item"),
    "activities.invitee_add": _("Invited"),
    "activities.invitee_remove": _("Removed an invitee"),
    "activities.matters": _("Changed the linked matters"),
    "activities.invitation_create": _("Drafted the Giấy mời"),
    "activities.invitation_send": _("Sent the invitation"),
    "activities.respond": _("Answered the invitation"),
    "activities.attendance": _("Recorded the attendance"),
    "activities.minutes": _("Recorded the minutes"),
    "activities.conclude": _("Marked the activity concluded"),
    "activities.conclusion_add": _("Added a conclusion"),
    "activities.conclusion_convert": _("Turned a conclusion into tasks"),
    "activities.notice_create": _("Drafted the Thông báo kết luận"),
}

CHANGE_LABELS = {
    "starts_at": _("start"),
    "ends_at": _("end"),
    "place": _("place"),
    "online_link": _("online link"),
    "sequence": _("sequence"),
    "response_deadline": _("answer by"),
    "invitees": _("invitees"),
    "agenda_item": _("agenda item"),
    "agenda": _("agenda"),
    "presenter": _("presenter"),
    "matters": _("matters"),
    "notified": _("people told"),
    "invitee": _("invitee"),
    "answer": _("answer"),
    "delegate": _("delegate"),
    "attendance": _("attendance"),
    "minutes": _("minutes"),
    "conclusion": _("conclusion"),
    "tasks": _("tasks"),
    "paper": _("document"),
    "unreachable": _("invitees nobody could be told"),
    "cancel_reason": _("reason for cancelling"),
}


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, LOCAL)


def _dt(value: datetime.datetime) -> str:
    return local(value).strftime("%H:%M %d/%m/%Y")


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def default_response_deadline(starts_at: datetime.datetime) -> datetime.date:
    """Two working days before the start's day (``workdays.calendar``)."""
    day = local(starts_at).date()
    for _i in range(RESPONSE_DAYS_BEFORE):
        day = calendar.previous_working_day(day)
    return day


def _require_manager(actor, activity: Activity) -> None:
    if not permissions.can_change_activity(actor, activity):
        raise PermissionDenied


def _require_state(activity: Activity, action: str) -> None:
    if not workflow.state_allows(activity, action):
        raise ValidationError(
            {
                "state": [
                    gettext("This cannot be done while the activity is %(state)s.")
                    % {"state": str(activity.get_state_display()).lower()}
                ]
            }
        )


# --- invitees ----------------------------------------------------------------------


@dataclass(frozen=True)
class InviteeInput:
    body: Body | None = None
    agency: Agency | None = None
    person: Any = None

    @property
    def key(self) -> tuple[str, int]:
        if self.body is not None:
            return ("body", self.body.pk)
        if self.agency is not None:
            return ("agency", self.agency.pk)
        return ("person", self.person.pk)

    def __str__(self) -> str:
        party = self.body or self.agency or self.person
        return str(party)


def _invitee_inputs(items: Iterable[Any]) -> list[InviteeInput]:
    out: dict[tuple[str, int], InviteeInput] = {}
    for item in items or ():
        if isinstance(item, InviteeInput):
            value = item
        elif isinstance(item, Body):
            value = InviteeInput(body=item)
        elif isinstance(item, Agency):
            value = InviteeInput(agency=item)
        elif isinstance(item, dict):
            value = InviteeInput(
                body=item.get("body"),
                agency=item.get("agency"),
                person=item.get("person"),
            )
        else:
            value = InviteeInput(person=item)
        if sum(x is not None for x in (value.body, value.agency, value.person)) != 1:
            raise ValidationError(
                {
                    "invitees": [
                        gettext("Each invitee is a body, an agency or a person.")
                    ]
                }
            )
        out.setdefault(value.key, value)
    return list(out.values())


def _invitee_errors(invitees: Sequence[InviteeInput], on: datetime.date, add) -> None:
    people = [i.person for i in invitees if i.person is not None]
    seated: set[int] = set()
    if people:
        seated = set(
            Membership.objects.as_of(on)
            .filter(person__in=people)
            .values_list("person_id", flat=True)
        )
    for invitee in invitees:
        if invitee.body is not None and not invitee.body.is_valid_on(on):
            add(
                "invitees",
                gettext("%(party)s did not exist on %(date)s.")
                % {"party": invitee.body, "date": _d(on)},
            )
        elif invitee.agency is not None and not invitee.agency.is_valid_on(on):
            add(
                "invitees",
                gettext("%(party)s did not exist on %(date)s.")
                % {"party": invitee.agency, "date": _d(on)},
            )
        elif invitee.person is not None and (
            not invitee.person.is_active or invitee.person.pk not in seated
        ):
            add(
                "invitees",
                gettext("%(party)s has no seat in a coordination body on %(date)s.")
                % {"party": invitee.person, "date": _d(on)},
            )


# --- activities --------------------------------------------------------------------


def _validate(
    *,
    kind: str,
    title: str,
    description: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str,
    online_link: str,
    response_deadline: datetime.date | None,
    invitees: Sequence[InviteeInput],
) -> None:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if kind not in Activity.Kind.values:
        add("kind", gettext("Choose the kind of activity."))
    if not title:
        add("title", gettext("Write the title."))
    elif len(title) > TITLE_MAX:
        add(
            "title",
            gettext("The title is longer than %(n)d characters.") % {"n": TITLE_MAX},
        )
    if len(description) > TEXT_MAX:
        add(
            "description",
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX},
        )
    if starts_at is None:
        add("starts_at", gettext("Give the start."))
    if ends_at is None:
        add("ends_at", gettext("Give the end."))
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and timezone.is_naive(value):
            raise TypeError(f"{name} must be an aware datetime")
    out_of_range = False
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and not (
            params.MIN_DATE <= local(value).date() <= params.MAX_DATE
        ):
            add(name, gettext("Enter a date between 1900 and 2100."))
            out_of_range = True
    if out_of_range:
        # The checks below compute with the dates.
        raise ValidationError(errors)
    if starts_at and ends_at and ends_at <= starts_at:
        add("ends_at", gettext("The end must be after the start."))
    if not place and not online_link:
        add("place", gettext("Give the place or the online link."))
    if len(place) > PLACE_MAX:
        add(
            "place",
            gettext("The text is longer than %(n)d characters.") % {"n": PLACE_MAX},
        )
    if online_link:
        try:
            URLValidator(schemes=["http", "https"])(online_link)
        except ValidationError:
            add("online_link", gettext("Give a full link starting with https://."))
        if len(online_link) > LINK_MAX:
            add("online_link", gettext("The link is too long."))
    if (
        response_deadline is not None
        and starts_at is not None
        and response_deadline > local(starts_at).date()
    ):
        add("response_deadline", gettext("Answers are due before the activity."))
    if starts_at is not None:
        _invitee_errors(invitees, local(starts_at).date(), add)
    if errors:
        raise ValidationError(errors)


def activity_create(
    *,
    actor,
    body: Body,
    kind: str,
    title: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str = "",
    online_link: str = "",
    description: str = "",
    response_deadline: datetime.date | None = None,
    agenda: Iterable[dict] = (),
    invitees: Iterable[Any] = (),
) -> Activity:
    """A planned activity hosted by ``body`` (its managers)."""
    if not permissions.can_change_activity(actor, Activity(body=body)):
        raise PermissionDenied
    title = clean_text(title, limit=TITLE_MAX)
    description = clean_text(description, multiline=True, limit=TEXT_MAX)
    place = clean_text(place, limit=PLACE_MAX)
    online_link = (online_link or "").strip()
    inputs = _invitee_inputs(invitees)
    agenda = [
        {
            "title": clean_text(a.get("title", ""), limit=500),
            "presenter": clean_text(a.get("presenter", ""), limit=300),
        }
        for a in agenda
    ]
    agenda = [a for a in agenda if a["title"]]
    _validate(
        kind=kind,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_link=online_link,
        response_deadline=response_deadline,
        invitees=inputs,
    )
    if response_deadline is None:
        response_deadline = default_response_deadline(starts_at)
    with transaction.atomic():
        activity = Activity.objects.create(
            body=body,
            kind=kind,
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place,
            online_link=online_link,
            response_deadline=response_deadline,
            created_by=_actor(actor),
        )
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(activity=activity, order=n, **item)
                for n, item in enumerate(agenda, start=1)
            ]
        )
        Invitee.objects.bulk_create(
            [
                Invitee(
                    activity=activity, body=i.body, agency=i.agency, person=i.person
                )
                for i in inputs
            ]
        )
        audit_record(
            actor=actor,
            action="activities.create",
            target=activity,
            changes={
                "title": {"before": None, "after": title},
                "starts_at": {"before": None, "after": _dt(starts_at)},
                "invitees": {"before": None, "after": [str(i) for i in inputs]},
            },
        )
    return activity


UPDATE_FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "response_deadline",
)
# A change of these is a new SEQUENCE (RFC 5545) and the invitees are told.
SEQUENCE_FIELDS = ("title", "starts_at", "ends_at", "place", "online_link")


def activity_update(
    *, actor, activity: Activity, version: int | None, **fields
) -> Activity:
    """Change the facts (``UPDATE_FIELDS``; ``invitees`` replaces the list:
    an invitee kept keeps its answer). Moving the time, place or title bumps
    ``sequence``; invitees already invited are told, with the new ICS."""
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    unknown = set(fields) - {*UPDATE_FIELDS, "invitees"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    new = {name: getattr(activity, name) for name in UPDATE_FIELDS}
    new.update({k: v for k, v in fields.items() if k in UPDATE_FIELDS})
    new["title"] = clean_text(new["title"] or "", limit=TITLE_MAX)
    new["description"] = clean_text(
        new["description"] or "", multiline=True, limit=TEXT_MAX
    )
    new["place"] = clean_text(new["place"] or "", limit=PLACE_MAX)
    new["online_link"] = (new["online_link"] or "").strip()
    existing = list(activity.invitees.select_related("body", "agency", "person"))
    if "invitees" in fields:
        inputs = _invitee_inputs(fields["invitees"])
    else:
        inputs = [
            InviteeInput(body=i.body, agency=i.agency, person=i.person)
            for i in existing
        ]
    moved_day = "starts_at" in fields and new["starts_at"] != activity.starts_at
    if "response_deadline" not in fields and moved_day and new["starts_at"]:
        new["response_deadline"] = default_response_deadline(new["starts_at"])
    _validate(
        kind=new["kind"],
        title=new["title"],
        description=new["description"],
        starts_at=new["starts_at"],
        ends_at=new["ends_at"],
        place=new["place"],
        online_link=new["online_link"],
        response_deadline=new["response_deadline"],
        invitees=inputs,
    )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        check_version(locked, version)
        _require_state(locked, "edit")
        changes: dict[str, Any] = {}
        for name in UPDATE_FIELDS:
            before, after = getattr(locked, name), new[name]
            if before != after:
                show = _dt if name in ("starts_at", "ends_at") else str
                changes[name] = {
                    "before": None if before is None else show(before),
                    "after": None if after is None else show(after),
                }
            setattr(locked, name, after)
        bumped = any(name in changes for name in SEQUENCE_FIELDS)
        if bumped:
            changes["sequence"] = {
                "before": locked.sequence,
                "after": locked.sequence + 1,
            }
            locked.sequence += 1
        if "invitees" in fields:
            wanted = {i.key: i for i in inputs}
            have = {
                (i.party_kind, i.body_id or i.agency_id or i.person_id): i
                for i in existing
            }
            removed = [i for k, i in have.items() if k not in wanted]
            added = [i for k, i in wanted.items() if k not in have]
            if removed or added:
                Invitee.objects.filter(pk__in=[i.pk for i in removed]).delete()
                Invitee.objects.bulk_create(
                    [
                        Invitee(
                            activity=locked,
                            body=i.body,
                            agency=i.agency,
                            person=i.person,
                        )
                        for i in added
                    ]
                )
                changes["invitees"] = {
                    "before": [str(i) for i in removed],
                    "after": [str(i) for i in added],
                }
        save_bumped(locked, [*UPDATE_FIELDS, "sequence", "updated_at"])
        audit_record(
            actor=actor, action="activities.update", target=locked, changes=changes
        )
        if bumped and locked.state == Activity.State.INVITED:
            from . import notices

            notices.activity_changed(locked)
    return locked


def activity_cancel(
    *, actor, activity: Activity, version: int | None, reason: str
) -> Activity:
    """Cancel (reason required): ``sequence`` + 1; the invitees get the ICS
    with ``METHOD:CANCEL`` and ``STATUS:CANCELLED`` (same UID)."""
    _require_manager(actor, activity)
    _require_state(activity, "cancel")
    reason = clean_text(reason, multiline=True, limit=2000)
    if not reason:
        raise ValidationError({"reason": [gettext("Give the reason for cancelling.")]})
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        check_version(locked, version)
        _require_state(locked, "cancel")
        was_invited = locked.state == Activity.State.INVITED
        before = locked.state
        locked.state = Activity.State.CANCELLED
        locked.cancel_reason = reason
        locked.sequence += 1
        save_bumped(locked, ["state", "cancel_reason", "sequence", "updated_at"])
        audit_record(
            actor=actor,
            action="activities.cancel",
            target=locked,
            changes={
                "state": {"before": before, "after": locked.state},
                "cancel_reason": reason,
                "sequence": {"before": locked.sequence - 1, "after": locked.sequence},
            },
        )
        if was_invited:
            from . import notices

            notices.activity_cancelled(locked)
    return locked


AGENDA_TITLE_MAX = AgendaItem._meta.get_field("title").max_length
PRESENTER_MAX = AgendaItem._meta.get_field("presenter").max_length


def _agenda_input(title: str, presenter: str) -> tuple[str, str]:
    """Cleaned ``(title, presenter)``; ``ValidationError`` by field."""
    title = clean_text(title or "", limit=AGENDA_TITLE_MAX + 1)
    presenter = clean_text(presenter or "", limit=PRESENTER_MAX + 1)
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [gettext("Write the agenda item.")]
    elif len(title) > AGENDA_TITLE_MAX:
        errors["title"] = [
            gettext("The text is longer than %(n)d characters.")
            % {"n": AGENDA_TITLE_MAX}
        ]
    if len(presenter) > PRESENTER_MAX:
        errors["presenter"] = [
            gettext("The text is longer than %(n)d characters.") % {"n": PRESENTER_MAX}
        ]
    if errors:
        raise ValidationError(errors)
    return title, presenter


def _agenda_text(item: AgendaItem) -> str:
    return f"{item.order}. {item.title}" + (
        f" — {item.presenter}" if item.presenter else ""
    )


def agenda_item_add(
    *, actor, activity: Activity, title: str, presenter: str = ""
) -> AgendaItem:
    """An item at the end of the agenda (while planned or invited). The
    agenda is not part of the calendar event: no new SEQUENCE."""
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    title, presenter = _agenda_input(title, presenter)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_state(locked, "edit")
        last = locked.agenda.aggregate(m=Max("order"))["m"] or 0
        item = AgendaItem.objects.create(
            activity=locked, order=last + 1, title=title, presenter=presenter
        )
        audit_record(
            actor=actor,
            action="activities.agenda_add",
            target=locked,
            changes={"agenda_item": _agenda_text(item)},
        )
    return item


def agenda_item_update(
    *, actor, item: AgendaItem, title: str, presenter: str = ""
) -> AgendaItem:
    activity = item.activity
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    title, presenter = _agenda_input(title, presenter)
    with transaction.atomic():
        Activity.objects.select_for_update().get(pk=activity.pk)
        locked = AgendaItem.objects.get(pk=item.pk)
        changes: dict[str, Any] = {"agenda_item": _agenda_text(locked)}
        if locked.title != title:
            changes["title"] = {"before": locked.title, "after": title}
        if locked.presenter != presenter:
            changes["presenter"] = {"before": locked.presenter, "after": presenter}
        if len(changes) > 1:
            locked.title, locked.presenter = title, presenter
            locked.save(update_fields=["title", "presenter"])
            audit_record(
                actor=actor,
                action="activities.agenda_update",
                target=activity,
                changes=changes,
            )
        locked.activity = activity
    return locked


def _renumber(activity: Activity, items: list[AgendaItem]) -> None:
    for n, item in enumerate(items, start=1):
        item.order = n
    AgendaItem.objects.bulk_update(items, ["order"])


def agenda_item_move(*, actor, item: AgendaItem, direction: str) -> AgendaItem:
    """One place up or down (``direction`` "up" / "down"); the first item
    cannot go up nor the last down."""
    activity = item.activity
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [gettext("Move it up or down.")]})
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        items = list(locked.agenda.order_by("order", "id"))
        index = next((n for n, i in enumerate(items) if i.pk == item.pk), None)
        if index is None:
            raise ValidationError({"agenda_item": [gettext("This item is gone.")]})
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            raise ValidationError(
                {
                    "direction": [
                        gettext("This item is already first.")
                        if direction == "up"
                        else gettext("This item is already last.")
                    ]
                }
            )
        before = items[index].order
        items[index], items[other] = items[other], items[index]
        _renumber(locked, items)
        moved = items[other]
        audit_record(
            actor=actor,
            action="activities.agenda_move",
            target=locked,
            changes={
                "agenda_item": moved.title,
                "order": {"before": before, "after": moved.order},
            },
        )
        moved.activity = activity
    return moved


def agenda_item_remove(*, actor, item: AgendaItem) -> None:
    """Remove an item (the rest renumbered). An item with documents keeps
    them: remove its documents first (they go to the bin, restorable)."""
    from django.contrib.contenttypes.models import ContentType

    from dieuphoi.docs.models import Attachment

    activity = item.activity
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    if Attachment.objects.filter(
        target_type=ContentType.objects.get_for_model(AgendaItem), target_id=item.pk
    ).exists():
        raise ValidationError(
            {"agenda_item": [gettext("Remove the item's documents first.")]}
        )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        gone = AgendaItem.objects.filter(pk=item.pk, activity=locked).first()
        if gone is None:
            raise ValidationError({"agenda_item": [gettext("This item is gone.")]})
        text = _agenda_text(gone)
        gone.delete()
        _renumber(locked, list(locked.agenda.order_by("order", "id")))
        audit_record(
            actor=actor,
            action="activities.agenda_remove",
            target=locked,
            changes={"agenda_item": text},
        )


# --- invitees after creation -------------------------------------------------------


def invitee_add(*, actor, activity: Activity, party: Any) -> Invitee:
    """Invite one more body, agency or person (``party``: a ``Body``, an
    ``Agency``, a user or an ``InviteeInput``) while planned or invited.
    Once the invitation was sent, the new invitee's people get it at once
    (notification + ICS e-mail) through ``notices.invitation_sent``; the
    result's ``notified`` and ``unreachable`` say who was told."""
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    if party is None:
        raise ValidationError(
            {"invitees": [gettext("Choose a body, an agency or a person.")]}
        )
    (value,) = _invitee_inputs([party])
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    _invitee_errors([value], local(activity.starts_at).date(), add)
    kind, pk = value.key
    if activity.invitees.filter(**{f"{kind}_id": pk}).exists():
        add("invitees", gettext("%(party)s is already invited.") % {"party": value})
    if errors:
        raise ValidationError(errors)
    from . import notices

    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_state(locked, "edit")
        invitee = Invitee.objects.create(
            activity=locked, body=value.body, agency=value.agency, person=value.person
        )
        invitee.notified, invitee.unreachable = 0, []
        changes: dict[str, Any] = {"invitee": invitee.name}
        if locked.state == Activity.State.INVITED:
            invitee.notified, invitee.unreachable = notices.invitation_sent(
                locked, only=[invitee]
            )
            changes["notified"] = invitee.notified
            changes["unreachable"] = invitee.unreachable
        audit_record(
            actor=actor, action="activities.invitee_add", target=locked, changes=changes
        )
        invitee.activity = locked
    return invitee


def invitee_remove(*, actor, invitee: Invitee, confirm: bool = False) -> None:
    """Remove an invitee while planned or invited; one who already answered
    only with ``confirm`` (their answer is in the audit event)."""
    activity = invitee.activity
    _require_manager(actor, activity)
    _require_state(activity, "edit")
    if invitee.response != Invitee.Response.PENDING and not confirm:
        raise ValidationError(
            {
                "confirm": [
                    gettext(
                        "%(party)s already answered (%(answer)s): confirm to remove them."
                    )
                    % {"party": invitee.name, "answer": invitee.get_response_display()}
                ]
            }
        )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_state(locked, "edit")
        gone = Invitee.objects.filter(pk=invitee.pk, activity=locked).first()
        if gone is None:
            raise ValidationError({"invitee": [gettext("This invitee is gone.")]})
        changes: dict[str, Any] = {
            "invitee": gone.name,
            "answer": str(Invitee.Response(gone.response).label),
        }
        if gone.response == Invitee.Response.DELEGATE:
            changes["delegate"] = f"{gone.delegate_name}, {gone.delegate_position}"
        gone.delete()
        audit_record(
            actor=actor,
            action="activities.invitee_remove",
            target=locked,
            changes=changes,
        )


# --- linked matters ----------------------------------------------------------------


def check_matters(actor, matters: Iterable[Any], field_name: str) -> list:
    """The matters, each one ``actor`` may see; unknown or hidden ones are a
    ``ValidationError`` on ``field_name`` (an id, or a ``Matter``)."""
    from dieuphoi.matters import permissions as matter_perms
    from dieuphoi.matters.models import Matter

    ids = []
    for m in matters or ():
        pk = getattr(m, "pk", m)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValidationError(
                {field_name: [gettext("Give matters by their number.")]}
            ) from None
        ids.append(pk)
    ids = list(dict.fromkeys(ids))
    found = {
        m.pk: m
        for m in matter_perms.visible(
            actor, Matter.objects.filter(pk__in=[i for i in ids if 0 < i < 2**63])
        )
    }
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError(
            {
                field_name: [
                    gettext("No matter you may see has the number %(ids)s.")
                    % {"ids": ", ".join(missing)}
                ]
            }
        )
    return [found[i] for i in ids]


def activity_matters_set(
    *,
    actor,
    activity: Activity,
    add: Iterable[Any] = (),
    remove: Iterable[Any] = (),
    replace: Iterable[Any] | None = None,
    field_name: str = "matter_ids",
) -> list:
    """Link matters (``add``), unlink (``remove``) or set the whole list
    (``replace``); only matters ``actor`` may see are linked; a matter the
    actor may not see stays linked when the list is replaced. Audited."""
    from dieuphoi.matters import permissions as matter_perms

    _require_manager(actor, activity)
    if activity.state == Activity.State.CANCELLED:
        _require_state(activity, "edit")
    adding = check_matters(actor, add, field_name)
    removing = {getattr(m, "pk", m) for m in remove}
    wanted = None if replace is None else check_matters(actor, replace, field_name)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        current = list(locked.matters.all())
        current_ids = {m.pk for m in current}
        if wanted is not None:
            visible_ids = set(
                matter_perms.visible(actor, locked.matters.all()).values_list(
                    "pk", flat=True
                )
            )
            keep = {m.pk for m in current if m.pk not in visible_ids}
            target = keep | {m.pk for m in wanted}
        else:
            target = (current_ids | {m.pk for m in adding}) - removing
        added = target - current_ids
        dropped = current_ids - target
        if added or dropped:
            locked.matters.add(*added)
            locked.matters.remove(*dropped)
            save_bumped(locked, ["updated_at"])
            names = {m.pk: str(m) for m in [*current, *adding, *(wanted or [])]}
            audit_record(
                actor=actor,
                action="activities.matters",
                target=locked,
                changes={
                    "matters": {
                        "before": [names.get(i, str(i)) for i in sorted(dropped)],
                        "after": [names.get(i, str(i)) for i in sorted(added)],
                    }
                },
            )
    return list(activity.matters.all())


# --- the invitation ----------------------------------------------------------------


def _kind(key: str):
    from dieuphoi.paperwork.models import PaperKind
    from dieuphoi.paperwork.seed import seed_kinds

    kind = PaperKind.objects.filter(key=key).first()
    if kind is None:
        seed_kinds()
        kind = PaperKind.objects.get(key=key)
    return kind


def _signer(activity: Activity, actor):
    """The host body's leader today (the actor when they lead it)."""
    from dieuphoi.org.permissions import roles_in

    if Membership.Role.LEADER in roles_in(actor, activity.body_id):
        return actor
    seat = (
        Membership.objects.as_of(local_today())
        .filter(body_id=activity.body_id, role=Membership.Role.LEADER)
        .select_related("person")
        .first()
    )
    return seat.person if seat else None


def _place_text(activity: Activity) -> str:
    parts = [p for p in (activity.place, activity.online_link) if p]
    return (
        "; trực tuyến: ".join(parts) if len(parts) == 2 else (parts[0] if parts else "")
    )


def _time_text(activity: Activity) -> str:
    start, end = local(activity.starts_at), local(activity.ends_at)
    if start.date() == end.date():
        return f"Từ {start:%H:%M} đến {end:%H:%M}, ngày {start:%d/%m/%Y}"
    return f"Từ {start:%H:%M} ngày {start:%d/%m/%Y} đến {end:%H:%M} ngày {end:%d/%m/%Y}"


def invitation_blocks(activity: Activity) -> list:
    from dieuphoi.paperwork import content as c

    agenda = list(activity.agenda.all())
    invitees = list(activity.invitees.select_related("body", "agency", "person"))
    blocks = [
        c.Paragraph(
            text=f"{activity.body.name} trân trọng kính mời đại diện các cơ quan, đơn vị "
            f"có tên dưới đây tham dự {activity.title}."
        ),
        c.Heading("Thời gian"),
        c.Paragraph(text=_time_text(activity) + "."),
        c.Heading("Địa điểm"),
        c.Paragraph(text=(_place_text(activity) or "Sẽ thông báo sau") + "."),
        c.Heading("Nội dung"),
    ]
    if agenda:
        blocks.append(
            c.Table(
                columns=("TT", "Nội dung", "Trình bày"),
                rows=tuple(
                    c.TableRow(cells=(str(a.order), a.title, a.presenter))
                    for a in agenda
                ),
                widths=(1, 8, 4),
                center=(0,),
            )
        )
    else:
        blocks.append(c.Paragraph(text=activity.description or activity.title))
    blocks.append(c.Heading("Thành phần mời"))
    for n, invitee in enumerate(invitees, start=1):
        party = invitee.body or invitee.agency
        blocks.append(
            c.Paragraph(text=f"{n}. {party.name if party else invitee.name}.")
        )
    blocks.append(
        c.Paragraph(
            text="Đề nghị các cơ quan, đơn vị xác nhận thành phần tham dự trên hệ thống "
            f"trước ngày {_d(activity.response_deadline)}."
        )
    )
    return blocks


def invitation_create(*, actor, activity: Activity):
    """The Giấy mời (draft) through the documents engine: time, place,
    agenda, participants and the response deadline. The body's usual review,
    approval and issue follow; ``invitation_send`` then sends it."""
    from dieuphoi.paperwork.models import Paper
    from dieuphoi.paperwork.services import RecipientInput, paper_create

    _require_manager(actor, activity)
    _require_state(activity, "invite")
    if (
        activity.invitation_paper_id
        and activity.invitation_paper.state != Paper.State.WITHDRAWN
    ):
        raise ValidationError(
            {
                "invitation_paper": [
                    gettext("The Giấy mời of this activity is already drafted.")
                ]
            }
        )
    if not activity.invitees.exists():
        raise ValidationError({"invitees": [gettext("Add the invitees first.")]})
    invitees = list(activity.invitees.select_related("body", "agency"))
    recipients = [
        RecipientInput(agency=i.agency)
        if i.agency_id
        else RecipientInput(party_body=i.body)
        for i in invitees
        if i.agency_id or (i.body_id and i.body_id != activity.body_id)
    ]
    with transaction.atomic():
        paper = paper_create(
            actor=actor,
            body=activity.body,
            kind=_kind("giay-moi"),
            subject=activity.title,
            blocks=invitation_blocks(activity),
            recipients=recipients,
            authority=Paper.Authority.TM,
            signer=_signer(activity, actor),
            producer="activities.invitation",
            source=activity,
        )
        Activity.objects.filter(pk=activity.pk).update(invitation_paper=paper)
        activity.invitation_paper = paper
        audit_record(
            actor=actor,
            action="activities.invitation_create",
            target=activity,
            changes={"paper": {"before": None, "after": paper.pk}},
        )
    return paper


ISSUED_STATES = ("issued", "signed", "sent")


@dataclass
class InvitationResult:
    activity: Activity
    notified: int = 0
    # Invitees nobody could be told about, or without an e-mail address:
    # listed, not silently dropped.
    unreachable: list[str] = field(default_factory=list)


def invitation_send(
    *, actor, activity: Activity, version: int | None
) -> InvitationResult:
    """Send the issued Giấy mời: every invitee's people get a notification
    and an e-mail with the ICS (``METHOD:REQUEST``); the activity is invited.
    Sending again (after adding invitees) tells only who was not told."""
    _require_manager(actor, activity)
    _require_state(activity, "invite")
    paper = activity.invitation_paper
    if paper is None or paper.state not in ISSUED_STATES:
        raise ValidationError(
            {
                "invitation_paper": [
                    gettext("Issue the Giấy mời before sending the invitation.")
                ]
            }
        )
    from . import notices

    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        check_version(locked, version)
        _require_state(locked, "invite")
        before = locked.state
        locked.state = Activity.State.INVITED
        locked.invited_at = timezone.now()
        save_bumped(locked, ["state", "invited_at", "updated_at"])
        notified, unreachable = notices.invitation_sent(locked)
        audit_record(
            actor=actor,
            action="activities.invitation_send",
            target=locked,
            changes={
                "state": {"before": before, "after": locked.state},
                "notified": notified,
                "unreachable": unreachable,
            },
        )
    return InvitationResult(activity=locked, notified=notified, unreachable=unreachable)


# --- responses ---------------------------------------------------------------------


def response_record(
    *,
    actor,
    invitee: Invitee,
    response: str,
    delegate_name: str = "",
    delegate_position: str = "",
    reason: str = "",
    version: int | None = None,
) -> Invitee:
    """An answer for ``invitee``: by its own people or the host's managers
    (``permissions.can_respond``); attend, send someone else (name and
    position required) or decline (reason required)."""
    activity = invitee.activity
    if not permissions.can_respond(actor, invitee):
        raise PermissionDenied
    _require_state(activity, "respond")
    delegate_name = clean_text(delegate_name, limit=NAME_MAX)
    delegate_position = clean_text(delegate_position, limit=NAME_MAX)
    reason = clean_text(reason, multiline=True, limit=2000)
    errors: dict[str, list[str]] = {}
    if response not in (
        Invitee.Response.ATTEND,
        Invitee.Response.DELEGATE,
        Invitee.Response.DECLINE,
    ):
        errors["response"] = [gettext("Choose: attend, send someone else or decline.")]
    if response == Invitee.Response.DELEGATE:
        if not delegate_name:
            errors["delegate_name"] = [gettext("Write the name of who will attend.")]
        if not delegate_position:
            errors["delegate_position"] = [gettext("Write their position.")]
    if response == Invitee.Response.DECLINE and not reason:
        errors["reason"] = [gettext("Give the reason for declining.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Invitee.objects.select_for_update().get(pk=invitee.pk)
        check_version(locked, version)
        before = locked.response
        locked.response = response
        locked.delegate_name = (
            delegate_name if response == Invitee.Response.DELEGATE else ""
        )
        locked.delegate_position = (
            delegate_position if response == Invitee.Response.DELEGATE else ""
        )
        locked.decline_reason = reason if response == Invitee.Response.DECLINE else ""
        locked.responded_at = timezone.now()
        locked.responded_by = _actor(actor)
        save_bumped(
            locked,
            [
                "response",
                "delegate_name",
                "delegate_position",
                "decline_reason",
                "responded_at",
                "responded_by",
            ],
        )
        locked.activity = activity
        changes: dict[str, Any] = {
            "invitee": locked.name,
            "answer": {
                "before": str(Invitee.Response(before).label),
                "after": str(Invitee.Response(response).label),
            },
        }
        if delegate_name and response == Invitee.Response.DELEGATE:
            changes["delegate"] = f"{delegate_name}, {delegate_position}"
        if response == Invitee.Response.DECLINE:
            changes["reason"] = reason
        audit_record(
            actor=actor, action="activities.respond", target=activity, changes=changes
        )
    return locked


# --- the day: attendance, minutes --------------------------------------------------


def attendance_record(
    *,
    actor,
    activity: Activity,
    version: int | None,
    rows: Iterable[dict],
    now: datetime.datetime | None = None,
) -> Activity:
    """Who came: ``rows`` of ``{"invitee": Invitee | id, "attended": "yes"|"no"|
    "unknown", "attendee_name", "on_behalf_of"}``. Not before the start; the
    activity becomes held."""
    _require_manager(actor, activity)
    _require_state(activity, "attendance")
    now = now or timezone.now()
    if now < activity.starts_at:
        raise ValidationError(
            {
                "attendance": [
                    gettext(
                        "The activity starts at %(time)s: attendance is taken from then."
                    )
                    % {"time": _dt(activity.starts_at)}
                ]
            }
        )
    invitees = {
        i.pk: i for i in activity.invitees.select_related("body", "agency", "person")
    }
    errors: dict[str, list[str]] = {}
    cleaned = []
    for row in rows:
        pk = getattr(row.get("invitee"), "pk", row.get("invitee"))
        invitee = invitees.get(pk)
        if invitee is None:
            errors.setdefault("attendance", []).append(
                gettext("An attendance row is not one of this activity's invitees.")
            )
            continue
        attended = row.get("attended") or Invitee.Attended.UNKNOWN
        if attended not in Invitee.Attended.values:
            errors.setdefault("attendance", []).append(
                gettext("Choose attended or absent.")
            )
            continue
        name = clean_text(row.get("attendee_name", ""), limit=NAME_MAX)
        behalf = clean_text(row.get("on_behalf_of", ""), limit=300)
        if attended == Invitee.Attended.YES and not name:
            errors.setdefault(f"attendee_name_{pk}", []).append(
                gettext("Write who came for %(party)s.") % {"party": invitee.name}
            )
        cleaned.append((invitee, attended, name, behalf))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        check_version(locked, version)
        _require_state(locked, "attendance")
        summary = []
        for invitee, attended, name, behalf in cleaned:
            invitee.attended = attended
            invitee.attendee_name = name if attended == Invitee.Attended.YES else ""
            invitee.on_behalf_of = behalf if attended == Invitee.Attended.YES else ""
            summary.append(
                f"{invitee.name}: {Invitee.Attended(attended).label}"
                + (f" ({name})" if name and attended == Invitee.Attended.YES else "")
            )
        Invitee.objects.bulk_update(
            [row[0] for row in cleaned], ["attended", "attendee_name", "on_behalf_of"]
        )
        before = locked.state
        locked.state = (
            Activity.State.HELD if before != Activity.State.CONCLUDED else before
        )
        save_bumped(locked, ["state", "updated_at"])
        audit_record(
            actor=actor,
            action="activities.attendance",
            target=locked,
            changes={
                "state": {"before": before, "after": locked.state},
                "attendance": summary,
            },
        )
    return locked


def minutes_save(
    *, actor, activity: Activity, version: int | None, minutes: str
) -> Activity:
    """The minutes' text (the signed biên bản is an attachment of the activity)."""
    _require_manager(actor, activity)
    _require_state(activity, "minutes")
    minutes = clean_text(minutes, multiline=True, limit=MINUTES_MAX + 1)
    if len(minutes) > MINUTES_MAX:
        raise ValidationError(
            {
                "minutes": [
                    gettext("The text is longer than %(n)d characters.")
                    % {"n": MINUTES_MAX}
                ]
            }
        )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        check_version(locked, version)
        changed = locked.minutes != minutes
        locked.minutes = minutes
        save_bumped(locked, ["minutes", "updated_at"])
        audit_record(
            actor=actor,
            action="activities.minutes",
            target=locked,
            changes={"minutes": {"before": None, "after": minutes[:200]}}
            if changed
            else {},
        )
    return locked


def activity_conclude(*, actor, activity: Activity, version: int | None) -> Activity:
    _require_manager(actor, activity)
    _require_state(activity, "conclude")
    if not activity.conclusions.exists():
        raise ValidationError(
            {"conclusions": [gettext("Write the conclusions first.")]}
        )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        check_version(locked, version)
        _require_state(locked, "conclude")
        before = locked.state
        locked.state = Activity.State.CONCLUDED
        save_bumped(locked, ["state", "updated_at"])
        audit_record(
            actor=actor,
            action="activities.conclude",
            target=locked,
            changes={"state": {"before": before, "after": locked.state}},
        )
    return locked


# --- conclusions -------------------------------------------------------------------


def _conclusion_errors(
    *,
    activity: Activity,
    text: str,
    lead_agency: Agency | None,
    cooperating_agencies: Sequence[Agency],
    cooperating_bodies: Sequence[Body],
    deadline: datetime.date | None,
) -> dict[str, list[str]]:
    from dieuphoi.tasks.services import lead_agency_error

    errors: dict[str, list[str]] = {}
    day = local(activity.starts_at).date()
    if not text:
        errors["text"] = [gettext("Write the conclusion.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX}
        ]
    if lead_agency is not None:
        if not lead_agency.is_valid_on(local_today()):
            errors["lead_agency"] = [
                gettext("%(party)s did not exist on %(date)s.")
                % {"party": lead_agency, "date": _d(local_today())}
            ]
        else:
            message = lead_agency_error(activity.body, lead_agency)
            if message:
                errors["lead_agency"] = [message]
    for body in cooperating_bodies:
        if body.pk == activity.body_id:
            errors.setdefault("cooperating_bodies", []).append(
                gettext("The host team itself is not a party.")
            )
        elif not body.is_valid_on(local_today()):
            errors.setdefault("cooperating_bodies", []).append(
                gettext("%(party)s did not exist on %(date)s.")
                % {"party": body, "date": _d(local_today())}
            )
    if lead_agency is not None and lead_agency in cooperating_agencies:
        errors.setdefault("cooperating_agencies", []).append(
            gettext("The lead agency is not also a co-operating agency.")
        )
    if deadline is not None and deadline < day:
        errors["deadline"] = [gettext("The deadline is before the activity.")]
    return errors


def conclusion_add(
    *,
    actor,
    activity: Activity,
    text: str,
    lead_agency: Agency | None = None,
    cooperating_agencies: Iterable[Agency] = (),
    cooperating_bodies: Iterable[Body] = (),
    deadline: datetime.date | None = None,
) -> Conclusion:
    """A conclusion item, with the proposed lead, parties and deadline that
    pre-fill its tasks."""
    _require_manager(actor, activity)
    _require_state(activity, "conclusions")
    text = clean_text(text, multiline=True, limit=TEXT_MAX + 1)
    cooperating_agencies = list(dict.fromkeys(cooperating_agencies))
    cooperating_bodies = list(dict.fromkeys(cooperating_bodies))
    errors = _conclusion_errors(
        activity=activity,
        text=text,
        lead_agency=lead_agency,
        cooperating_agencies=cooperating_agencies,
        cooperating_bodies=cooperating_bodies,
        deadline=deadline,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        last = locked.conclusions.aggregate(m=Max("order"))["m"] or 0
        conclusion = Conclusion.objects.create(
            activity=locked,
            order=last + 1,
            text=text,
            lead_agency=lead_agency,
            deadline=deadline,
        )
        conclusion.cooperating_agencies.set(cooperating_agencies)
        conclusion.cooperating_bodies.set(cooperating_bodies)
        audit_record(
            actor=actor,
            action="activities.conclusion_add",
            target=locked,
            changes={"conclusion": f"{conclusion.order}. {text[:200]}"},
        )
    return conclusion


@dataclass(frozen=True)
class TaskInput:
    title: str
    lead_agency: Agency | None
    cooperating: tuple = ()  # ({"agency": a} | {"body": b}, ...)
    deadline: datetime.date | None = None
    description: str = ""


def conclusion_task_inputs(conclusion: Conclusion) -> list[TaskInput]:
    """The task the conclusion proposes (the form's pre-filled values)."""
    return [
        TaskInput(
            title=conclusion.text[:500],
            lead_agency=conclusion.lead_agency,
            cooperating=tuple(
                [{"agency": a} for a in conclusion.cooperating_agencies.all()]
                + [{"body": b} for b in conclusion.cooperating_bodies.all()]
            ),
            deadline=conclusion.deadline,
        )
    ]


def conclusion_convert(
    *,
    actor,
    conclusion: Conclusion,
    tasks: Sequence[TaskInput] | None = None,
    version: int | None = None,
) -> list:
    """Turn the conclusion into one or more tasks of the host body in one
    step (``source`` = the conclusion). Converted once: a second attempt is
    a clear error and writes nothing. Any task refused by the tasks' rules
    refuses them all."""
    from dieuphoi.tasks.services import task_create

    activity = conclusion.activity
    _require_manager(actor, activity)
    from dieuphoi.tasks.permissions import can_create_task_in

    if not can_create_task_in(actor, activity.body_id):
        raise PermissionDenied(
            gettext("Only the leader or secretariat may assign tasks.")
        )
    if conclusion.is_converted:
        raise ValidationError(
            {
                "conclusion": [
                    gettext(
                        "This conclusion was already turned into tasks on %(date)s."
                    )
                    % {"date": _d(local(conclusion.converted_at).date())}
                ]
            }
        )
    if activity.state not in (Activity.State.HELD, Activity.State.CONCLUDED):
        _require_state(activity, "conclusions")
    tasks = list(tasks) if tasks is not None else conclusion_task_inputs(conclusion)
    if not tasks:
        raise ValidationError({"tasks": [gettext("Give at least one task.")]})
    today = local_today()
    for n, item in enumerate(tasks):
        if item.lead_agency is None:
            raise ValidationError(
                {
                    "lead_agency": [
                        gettext("Choose the lead agency of task %(n)d.") % {"n": n + 1}
                    ]
                }
            )
        if item.deadline is not None and item.deadline < today:
            raise ValidationError(
                {
                    "deadline": [
                        gettext("The deadline of task %(n)d is in the past.")
                        % {"n": n + 1}
                    ]
                }
            )
    with transaction.atomic():
        locked = Conclusion.objects.select_for_update().get(pk=conclusion.pk)
        check_version(locked, version)
        if locked.converted_at is not None:
            raise ValidationError(
                {
                    "conclusion": [
                        gettext("This conclusion was already turned into tasks.")
                    ]
                }
            )
        created = []
        for item in tasks:
            created.append(
                task_create(
                    actor=actor,
                    body=activity.body,
                    title=item.title,
                    description=item.description
                    or f"Kết luận số {locked.order} tại {activity.title}.",
                    assigned_on=today,
                    lead_agency=item.lead_agency,
                    cooperating=list(item.cooperating),
                    deadline=item.deadline,
                    source_text=f"Kết luận tại {activity.title}"[:300],
                    source=locked,
                )
            )
        locked.converted_at = timezone.now()
        locked.converted_by = _actor(actor)
        save_bumped(locked, ["converted_at", "converted_by"])
        locked.activity = activity
        audit_record(
            actor=actor,
            action="activities.conclusion_convert",
            target=activity,
            changes={
                "conclusion": f"{locked.order}. {locked.text[:200]}",
                "tasks": [t.code for t in created],
            },
        )
    return created


def conclusions_blocks(activity: Activity) -> list:
    from dieuphoi.paperwork import content as c

    conclusions = list(
        activity.conclusions.select_related("lead_agency").prefetch_related(
            "cooperating_agencies", "cooperating_bodies"
        )
    )
    attended = [
        i
        for i in activity.invitees.select_related("body", "agency", "person")
        if i.attended == Invitee.Attended.YES
    ]
    start = local(activity.starts_at)
    blocks = [
        c.Paragraph(
            text=f"Ngày {start:%d/%m/%Y}, tại {_place_text(activity) or 'trực tuyến'}, "
            f"{activity.body.name} đã tổ chức {activity.title}."
        ),
    ]
    if attended:
        names = "; ".join(
            f"{i.name} ({i.attendee_name})" if i.attendee_name else i.name
            for i in attended
        )
        blocks.append(c.Paragraph(text=f"Tham dự có: {names}."))
    blocks.append(
        c.Paragraph(
            text="Sau khi nghe báo cáo và ý kiến của các đại biểu, "
            "Tổ điều phối kết luận như sau:"
        )
    )
    for conclusion in conclusions:
        blocks.append(c.Heading(conclusion.text, level=2))
        parts = []
        if conclusion.lead_agency:
            parts.append(f"Đơn vị chủ trì: {conclusion.lead_agency.name}")
        others = [a.name for a in conclusion.cooperating_agencies.all()] + [
            b.name for b in conclusion.cooperating_bodies.all()
        ]
        if others:
            parts.append("Đơn vị phối hợp: " + ", ".join(others))
        if conclusion.deadline:
            parts.append(f"Thời hạn: {_d(conclusion.deadline)}")
        if parts:
            blocks.append(c.Paragraph(text="; ".join(parts) + "."))
    blocks.append(
        c.Paragraph(
            text=f"{activity.body.name} thông báo để các cơ quan, đơn vị biết, thực hiện./."
        )
    )
    return blocks


def conclusions_notice_create(*, actor, activity: Activity):
    """The Thông báo kết luận (draft) through the documents engine."""
    from dieuphoi.paperwork.models import Paper
    from dieuphoi.paperwork.services import RecipientInput, paper_create

    _require_manager(actor, activity)
    if activity.state not in (Activity.State.HELD, Activity.State.CONCLUDED):
        _require_state(activity, "conclusions")
    if not activity.conclusions.exists():
        raise ValidationError(
            {"conclusions": [gettext("Write the conclusions first.")]}
        )
    if (
        activity.conclusions_paper_id
        and activity.conclusions_paper.state != Paper.State.WITHDRAWN
    ):
        raise ValidationError(
            {
                "conclusions_paper": [
                    gettext("The Thông báo kết luận is already drafted.")
                ]
            }
        )
    invitees = list(activity.invitees.select_related("body", "agency"))
    recipients = [
        RecipientInput(agency=i.agency)
        if i.agency_id
        else RecipientInput(party_body=i.body)
        for i in invitees
        if i.agency_id or (i.body_id and i.body_id != activity.body_id)
    ]
    with transaction.atomic():
        paper = paper_create(
            actor=actor,
            body=activity.body,
            kind=_kind("thong-bao"),
            subject=f"Kết luận tại {activity.title}"[:500],
            blocks=conclusions_blocks(activity),
            recipients=recipients,
            authority=Paper.Authority.TM,
            signer=_signer(activity, actor),
            producer="activities.conclusions",
            source=activity,
            closing=False,
        )
        Activity.objects.filter(pk=activity.pk).update(conclusions_paper=paper)
        activity.conclusions_paper = paper
        audit_record(
            actor=actor,
            action="activities.notice_create",
            target=activity,
            changes={"paper": {"before": None, "after": paper.pk}},
        )
    return paper
