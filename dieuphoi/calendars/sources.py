"""The event sources of the apps that came before the calendar.

Registered from ``CalendarsConfig.ready()`` (``register``):

- ``tasks.deadline``: the deadline of every open task (new, in progress,
  extension requested, reported done) the user may see
  (``tasks.selectors.task_queryset``: the body's members, the city, and the
  co-operating parties from other bodies), all-day on the deadline,
  ``extra["overdue"]`` when it has passed. ``SEQUENCE`` is the number of
  times the deadline moved (``Task.extension_count``), so a calendar that
  imported it moves it. One query (the co-operating agencies aggregated in
  it; a viewer who sees the task only as a party gets the lead agency only)
  plus the user's seats (once per request).
- ``proposals.round``: the closing date of every consultation round the
  user may see (``proposals.permissions.can_view_round``: the proposal's
  body, the city, and whoever acts for a party asked in it), all-day,
  ``extra["closed"]`` for a closed round. One query.
- ``keyprojects.milestone``: the planned date of every open milestone (no
  actual date) of the key projects the user may see
  (``keyprojects.permissions.visible``), all-day, ``extra["overdue"]`` when
  late. One query.

Filters (``body_ids``, ``agency_ids``) apply in SQL: the body is the task's,
the proposal's or the project's; the agencies are the task's lead and
co-operating agencies, the proposal's lead agency and the agencies asked,
the project's lead agency and the milestone's responsible agency.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.aggregates import TextList
from dieuphoi.core.models import local_today
from dieuphoi.org import permissions as org_perms

from .events import CalendarEvent, event_uid, register_event_source, uid_host  # noqa: F401 (event_uid: the UID scheme, for callers)

TASK_DEADLINE = "tasks.deadline"
ROUND_DEADLINE = "proposals.round"
MILESTONE = "keyprojects.milestone"

_PLACEHOLDER = 987654321987


def _url_maker(name: str):
    """``pk -> URL`` for a URL name taking one ``pk``, reversing once."""
    pattern = reverse(name, args=[_PLACEHOLDER])
    head, tail = pattern.split(str(_PLACEHOLDER), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _ids(values) -> list[int]:
    return sorted(values)


def _split_ids(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    return tuple(sorted({int(v) for v in str(text).split(",") if v}))


# --- task deadlines --------------------------------------------------------------


def task_deadline_events(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    body_ids=None,
    agency_ids=None,
) -> list[CalendarEvent]:
    from dieuphoi.tasks.models import Task, TaskPart
    from dieuphoi.tasks.selectors import task_queryset

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if body_ids is not None and not body_ids:
        return []
    if agency_ids is not None and not agency_ids:
        return []
    qs = task_queryset(user=user).filter(
        is_open=1, deadline__gte=start, deadline__lt=end
    )
    if body_ids is not None:
        qs = qs.filter(body_id__in=_ids(body_ids))
    if agency_ids is not None:
        parts = TaskPart.objects.filter(
            task_id=OuterRef("pk"), agency_id__in=_ids(agency_ids)
        )
        qs = qs.filter(Q(lead_agency_id__in=_ids(agency_ids)) | Exists(parts))
    parts = (
        TaskPart.objects.filter(task_id=OuterRef("pk"), agency_id__isnull=False)
        .order_by()
        .values("task_id")
        .annotate(ids=TextList("agency_id"))
        .values("ids")
    )
    rows = (
        qs.order_by()
        .annotate(cooperating=Subquery(parts))
        .values(
            "id",
            "code",
            "title",
            "deadline",
            "state",
            "body_id",
            "lead_agency_id",
            "lead_agency__name",
            "extension_count",
            "updated_at",
            "cooperating",
        )
    )
    today = local_today()
    url = _url_maker("tasks:detail")
    states = dict(Task.State.choices)
    member_of = org_perms.visible_body_ids(user)
    # Translated once, not per event (thousands of events a month).
    title_text = gettext("Deadline: %(title)s")
    description_text = gettext("Task %(code)s. Lead agency: %(agency)s.")
    host = uid_host()
    out = []
    for r in rows:
        pk = r["id"]
        if member_of is None or r["body_id"] in member_of:
            agencies = (r["lead_agency_id"], *_split_ids(r["cooperating"]))
        else:
            agencies = (r["lead_agency_id"],)
        overdue = r["deadline"] < today
        out.append(
            CalendarEvent(
                uid=f"task-{pk}-deadline@{host}",
                kind=TASK_DEADLINE,
                title=title_text % {"title": r["title"]},
                start=r["deadline"],
                url=url(pk),
                sequence=r["extension_count"],
                description=description_text
                % {"code": r["code"], "agency": r["lead_agency__name"]},
                body_id=r["body_id"],
                agency_ids=agencies,
                last_modified=r["updated_at"],
                extra={
                    "name": r["title"],
                    "overdue": overdue,
                    "code": r["code"],
                    "state": str(states.get(r["state"], r["state"])),
                },
            )
        )
    return out


# --- consultation deadlines -------------------------------------------------------


def _round_scope(user) -> Q | None:
    """``None``: every round; else the rounds of the bodies the user sees,
    and those where one of their seats acts for a party asked
    (``tasks.notices.PartySeats``: another province's team through any of
    its members; an agency through its focal points in the proposal's body,
    or, when it has none there, through its people's seats elsewhere)."""
    from dieuphoi.org.models import Membership
    from dieuphoi.proposals.models import RoundParty
    from dieuphoi.tasks.permissions import FOCAL_ROLES, user_seats

    seats = user_seats(user)
    visible = org_perms.visible_body_ids(user)
    if visible is None:
        return None
    q = Q(proposal__body_id__in=_ids(visible)) if visible else Q(pk__in=[])
    teams = {s.body_id for s in seats}
    agencies = {s.agency_id for s in seats if s.agency_id}
    if not teams and not agencies:
        return q
    focal_there = Membership.objects.as_of(local_today()).filter(
        body_id=OuterRef("round__proposal__body_id"),
        agency_id=OuterRef("agency_id"),
        role__in=sorted(FOCAL_ROLES),
    )
    party = Q(party_body_id__in=_ids(teams))
    if agencies:
        party |= Q(agency_id__in=_ids(agencies)) & ~Exists(focal_there)
    parties = (
        RoundParty.objects.filter(party)
        .exclude(round__proposal__body_id__in=_ids(visible))
        .values("round_id")
    )
    return q | Q(pk__in=parties)


def round_deadline_events(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    body_ids=None,
    agency_ids=None,
) -> list[CalendarEvent]:
    from dieuphoi.proposals.models import ConsultationRound, RoundParty

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if (body_ids is not None and not body_ids) or (
        agency_ids is not None and not agency_ids
    ):
        return []
    scope = _round_scope(user)
    qs = ConsultationRound.objects.filter(deadline__gte=start, deadline__lt=end)
    if scope is not None:
        qs = qs.filter(scope)
    if body_ids is not None:
        qs = qs.filter(proposal__body_id__in=_ids(body_ids))
    if agency_ids is not None:
        asked = RoundParty.objects.filter(
            round_id=OuterRef("pk"), agency_id__in=_ids(agency_ids)
        )
        qs = qs.filter(Q(proposal__lead_agency_id__in=_ids(agency_ids)) | Exists(asked))
    rows = qs.order_by().values(
        "id",
        "number",
        "deadline",
        "state",
        "version",
        "proposal__title",
        "proposal__body_id",
        "proposal__lead_agency_id",
    )
    url = _url_maker("proposals:round")
    title_text = gettext("Consultation closes: %(title)s")
    description_text = gettext("Consultation round %(number)s.")
    host = uid_host()
    out = []
    for r in rows:
        closed = r["state"] == ConsultationRound.State.CLOSED
        out.append(
            CalendarEvent(
                uid=f"round-{r['id']}-deadline@{host}",
                kind=ROUND_DEADLINE,
                title=title_text % {"title": r["proposal__title"]},
                start=r["deadline"],
                url=url(r["id"]),
                sequence=max(r["version"] - 1, 0),
                description=description_text % {"number": r["number"]},
                body_id=r["proposal__body_id"],
                agency_ids=(r["proposal__lead_agency_id"],),
                extra={
                    "name": r["proposal__title"],
                    "closed": closed,
                    "number": r["number"],
                },
            )
        )
    return out


# --- key project milestones -------------------------------------------------------


def milestone_events(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    body_ids=None,
    agency_ids=None,
) -> list[CalendarEvent]:
    from dieuphoi.keyprojects import permissions as kp_perms
    from dieuphoi.keyprojects.models import Milestone

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if (body_ids is not None and not body_ids) or (
        agency_ids is not None and not agency_ids
    ):
        return []
    if org_perms.visible_body_ids(user) == set():
        return []
    qs = Milestone.objects.filter(
        actual_on__isnull=True,
        planned_on__gte=start,
        planned_on__lt=end,
    )
    if org_perms.visible_body_ids(user) is not None:
        qs = qs.filter(project_id__in=kp_perms.visible(user).values("pk"))
    if body_ids is not None:
        qs = qs.filter(project__body_id__in=_ids(body_ids))
    if agency_ids is not None:
        qs = qs.filter(
            Q(responsible_agency_id__in=_ids(agency_ids))
            | Q(project__lead_agency_id__in=_ids(agency_ids))
        )
    rows = qs.order_by().values(
        "id",
        "name",
        "planned_on",
        "version",
        "project_id",
        "project__name",
        "project__code",
        "project__body_id",
        "project__lead_agency_id",
        "responsible_agency_id",
        "responsible_agency__name",
    )
    today = local_today()
    url = _url_maker("keyprojects:detail")
    title_text = gettext("Milestone: %(name)s — %(project)s")
    description_text = gettext("Key project %(code)s. Responsible agency: %(agency)s.")
    host = uid_host()
    out = []
    for r in rows:
        agencies = tuple(
            dict.fromkeys((r["project__lead_agency_id"], r["responsible_agency_id"]))
        )
        out.append(
            CalendarEvent(
                uid=f"milestone-{r['id']}@{host}",
                kind=MILESTONE,
                title=title_text % {"name": r["name"], "project": r["project__name"]},
                start=r["planned_on"],
                url=url(r["project_id"]),
                sequence=max(r["version"] - 1, 0),
                description=description_text
                % {
                    "code": r["project__code"],
                    "agency": r["responsible_agency__name"],
                },
                body_id=r["project__body_id"],
                agency_ids=agencies,
                extra={
                    "name": f"{r['name']} — {r['project__name']}",
                    "overdue": r["planned_on"] < today,
                },
            )
        )
    return out


def register() -> None:
    register_event_source(TASK_DEADLINE, _("Task deadlines"), task_deadline_events)
    register_event_source(
        ROUND_DEADLINE, _("Consultation deadlines"), round_deadline_events
    )
    register_event_source(MILESTONE, _("Key project milestones"), milestone_events)
