"""Who is told of what happens to a task (in the app, and by e-mail as each
person chose: ``dieuphoi.notifications``).

The task services call one function per event inside their transaction,
after the change and its audit event:

| event | function | kind | told |
|---|---|---|---|
| assigned (create) | ``task_created`` | task_assigned | lead focal points, each co-operating party's people, the owner |
| lead agency or owner changed | ``task_updated`` | task_assigned | the new lead's focal points, the new owner |
| co-operating part added or changed | ``task_updated`` | part_assigned | that party's people |
| progress reported | ``progress_reported`` | progress_reported | the owner, the secretariat (digest by default) |
| reported done | ``task_transitioned`` | task_reported_done | the secretariat, the owner |
| confirmed / returned / cancelled / deadline changed | ``task_transitioned`` | task_confirmed, task_returned, task_cancelled, deadline_changed | lead focal points, the co-operating parties' people, the owner |
| extension decided | ``extension_decided_recipients`` (``extensions``) | extension_decided | the requester, the owner, the lead's focal points; when approved, the co-operating parties too |

Focal points are the members and specialists of the task's body whose home
agency is the agency (``permissions.FOCAL_ROLES``); the secretariat is the
body's secretariat role. A party outside the body (another province's team)
is told through all its members (any of them may act on the team's part); an agency with no focal
point in the body, through its people's seats elsewhere. The rule lives in
``PartySeats``, which the reminders (``dieuphoi.reminders.services``) share.
Memberships are read once per event (one query), and ``notify_many`` is
set-based. The actor is never told of their own
action. Keys name the event (task, event, version or row id) and the person,
so running the same event again inserts nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.notifications.services import NotificationSpec, notify_many
from dieuphoi.org.models import Membership

from .models import ExtensionRequest, ProgressUpdate, Task
from .permissions import FOCAL_ROLES

Role = Membership.Role
TITLE_MAX = 120

# Workflow action -> notification kind, for the actions told to the agencies.
AGENCY_ACTIONS = {
    "confirm": "task_confirmed",
    "reopen": "task_returned",
    "cancel": "task_cancelled",
    "change_deadline": "deadline_changed",
}


@dataclass
class PartySeats:
    """The memberships on one day that say who acts for a task's body and its
    co-operating parties, for any number of tasks (one query). The one rule
    of who acts for a party, shared by the notices here and the reminders
    (``dieuphoi.reminders.services``):

    - an agency with focal points in the task's body: those focal points
      (``permissions.FOCAL_ROLES``);
    - an agency with none there (an outside agency or a ministry): its
      people's seats in other bodies;
    - another province's team: every member of that team (any of them may
      report the team's part).
    """

    focal: dict[tuple[int, int], set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )
    roles: dict[tuple[int, str], set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )
    members: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    agency_seats: dict[int, dict[int, set[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )

    @classmethod
    def load(
        cls,
        day,
        *,
        bodies: Iterable[int],
        party_bodies: Iterable[int] = (),
        party_agencies: Iterable[int | None] = (),
        roles: bool = True,
    ) -> PartySeats:
        """``bodies``: the tasks' bodies (focal points and roles);
        ``party_bodies``/``party_agencies``: the parties to resolve.
        ``roles=False`` when only ``party``/``agency`` will be asked (a
        visibility check): the bodies' seats are then read only for the
        parties' agencies (their focal points), not every member's."""
        seats = cls()
        bodies = {b for b in bodies if b}
        teams = {b for b in party_bodies if b}
        agencies = {a for a in party_agencies if a}
        where = Q(body_id__in=bodies) if roles else Q(pk__in=[])
        if teams:
            where |= Q(body_id__in=teams)
        if agencies:
            where |= Q(agency_id__in=agencies)
        for person, body, agency, role in (
            Membership.objects.as_of(day)
            .filter(where, person__is_active=True)
            .order_by()
            .values_list("person_id", "body_id", "agency_id", "role")
        ):
            if body in bodies:
                seats.roles[(body, role)].add(person)
                if role in FOCAL_ROLES and agency:
                    seats.focal[(body, agency)].add(person)
            if body in teams:
                seats.members[body].add(person)
            if agency in agencies:
                seats.agency_seats[agency][body].add(person)
        return seats

    def role(self, body_id: int, role: str) -> set[int]:
        return set(self.roles.get((body_id, role), ()))

    def agency(self, body_id: int, agency_id: int | None) -> set[int]:
        """Who acts for ``agency_id`` on a task of ``body_id``."""
        if not agency_id:
            return set()
        inside = self.focal.get((body_id, agency_id))
        if inside:
            return set(inside)
        return {
            person
            for body, people in self.agency_seats.get(agency_id, {}).items()
            if body != body_id
            for person in people
        }

    def party(
        self, body_id: int, agency_id: int | None, party_body_id: int | None
    ) -> set[int]:
        """Who acts for the party ``(agency_id, party_body_id)`` (one of the
        two set) on a task of ``body_id``."""
        if party_body_id:
            if party_body_id == body_id:
                return set()
            return set(self.members.get(party_body_id, ()))
        return self.agency(body_id, agency_id)


@dataclass
class BodyPeople:
    """Who acts for what on one task today (one query, ``PartySeats``): the
    focal points of each agency in the task's body, its secretariat, and the
    people of the co-operating parties outside it."""

    body_id: int
    seats: PartySeats

    @classmethod
    def load(
        cls,
        body_id: int,
        *,
        party_bodies: Iterable[int] = (),
        party_agencies: Iterable[int] = (),
    ) -> BodyPeople:
        return cls(
            body_id,
            PartySeats.load(
                local_today(),
                bodies=[body_id],
                party_bodies=party_bodies,
                party_agencies=party_agencies,
            ),
        )

    @classmethod
    def for_task(
        cls, task: Task
    ) -> tuple[BodyPeople, list[tuple[int | None, int | None]]]:
        """The people of ``task`` and its parties ``[(agency_id, body_id)]``."""
        parties = list(task.parts.order_by().values_list("agency_id", "body_id"))
        people = cls.load(
            task.body_id,
            party_bodies=[b for _a, b in parties if b],
            party_agencies=[task.lead_agency_id, *(a for a, _b in parties if a)],
        )
        return people, parties

    @property
    def secretariat(self) -> set[int]:
        return self.seats.role(self.body_id, Role.SECRETARIAT)

    def focal_of(self, agency_ids: Iterable[int | None]) -> set[int]:
        """Focal points of the agencies in the task's body (or, for an
        agency that has none there, its people's seats elsewhere)."""
        found: set[int] = set()
        for agency in agency_ids:
            found |= self.seats.agency(self.body_id, agency)
        return found

    def of_parties(self, parties: Iterable[tuple[int | None, int | None]]) -> set[int]:
        found: set[int] = set()
        for agency, body in parties:
            found |= self.seats.party(self.body_id, agency, body)
        return found


def _short(title: str) -> str:
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _actor_id(actor) -> int | None:
    return (
        getattr(actor, "pk", None)
        if getattr(actor, "is_authenticated", False)
        else None
    )


def _send(
    task: Task,
    actor,
    event: str,
    groups: list[tuple[str, Callable[[], str], set[int]]],
) -> int:
    """One notification per person: the first group naming a person wins
    (so someone who is both lead focal point and owner gets one)."""
    me = _actor_id(actor)
    type_id = ContentType.objects.get_for_model(Task).pk
    url = reverse("tasks:detail", args=[task.pk])
    specs = []
    told: set[int] = set()
    for kind, title, people in groups:
        for uid in sorted(people - told - {me, None}):
            told.add(uid)
            specs.append(
                NotificationSpec(
                    recipient_id=uid,
                    kind=kind,
                    key=f"task:{task.pk}:{event}:{uid}",
                    title=title,
                    url=url,
                    target_type_id=type_id,
                    target_id=task.pk,
                )
            )
    return notify_many(specs) if specs else 0


def _values(task: Task) -> dict[str, str]:
    return {"code": task.code, "title": _short(task.title)}


# --- assignment ----------------------------------------------------------------


def task_created(*, task: Task, actor) -> int:
    """A new task: its lead agency, co-operating agencies and owner."""
    people, parties = BodyPeople.for_task(task)
    values = _values(task)

    def lead_title() -> str:
        return gettext("New task for your agency: %(code)s %(title)s") % values

    def owner_title() -> str:
        return gettext("You are the owner of the new task %(code)s %(title)s") % values

    def part_title() -> str:
        return (
            gettext("Your agency co-operates on the new task %(code)s %(title)s")
            % values
        )

    return _send(
        task,
        actor,
        "assigned",
        [
            ("task_assigned", lead_title, people.focal_of([task.lead_agency_id])),
            ("task_assigned", owner_title, {task.owner_id} - {None}),
            ("task_assigned", part_title, people.of_parties(parties)),
        ],
    )


def _party_key(part: dict) -> tuple[int | None, int | None]:
    return (part.get("agency"), part.get("body"))


def _changed_parties(change: dict | None) -> set[tuple[int | None, int | None]]:
    """Parties whose part was added or changed (from the audit change:
    ``{"agency"|"body", "description", "deadline"}`` per part)."""
    if not change:
        return set()
    before = {_party_key(p): p for p in change.get("before") or []}
    return {
        _party_key(p)
        for p in change.get("after") or []
        if before.get(_party_key(p)) != p
    }


def task_updated(*, task: Task, actor, changes: dict) -> int:
    """After ``task_update``: a new lead agency or owner is told the task is
    theirs; an added or changed co-operating part is told to its agency."""
    lead_change = changes.get("lead_agency")
    owner_change = changes.get("owner")
    parts = _changed_parties(changes.get("cooperating"))
    if not (lead_change or owner_change or parts):
        return 0
    people, _parties = BodyPeople.for_task(task)
    values = _values(task)

    def lead_title() -> str:
        return (
            gettext("The task %(code)s is now assigned to your agency: %(title)s")
            % values
        )

    def owner_title() -> str:
        return gettext("You are now the owner of %(code)s %(title)s") % values

    def part_title() -> str:
        return (
            gettext(
                "Your agency's co-operating part of %(code)s is assigned or changed: %(title)s"
            )
            % values
        )

    groups = []
    if lead_change:
        groups.append(
            ("task_assigned", lead_title, people.focal_of([task.lead_agency_id]))
        )
    if owner_change and task.owner_id:
        groups.append(("task_assigned", owner_title, {task.owner_id}))
    if parts:
        groups.append(("part_assigned", part_title, people.of_parties(parts)))
    return _send(task, actor, f"update:{task.version}", groups)


# --- progress and workflow -----------------------------------------------------------


def progress_reported(*, task: Task, update: ProgressUpdate, actor) -> int:
    """A progress update: the owner and the secretariat (digest by default)."""
    people = BodyPeople.load(task.body_id)
    values = {**_values(task), "percent": update.percent}

    def title() -> str:
        return gettext("Progress on %(code)s: %(percent)s%% · %(title)s") % values

    return _send(
        task,
        actor,
        f"progress:{update.pk}",
        [("progress_reported", title, people.secretariat | ({task.owner_id} - {None}))],
    )


def task_transitioned(*, task: Task, action: str, actor) -> int:
    """After ``task_transition`` (``task`` saved, ``version`` incremented)."""
    values = _values(task)
    if action == "report_done":
        people = BodyPeople.load(task.body_id)

        def done_title() -> str:
            return (
                gettext(
                    "%(code)s is reported done and waits for your confirmation: %(title)s"
                )
                % values
            )

        return _send(
            task,
            actor,
            f"report_done:{task.version}",
            [
                (
                    "task_reported_done",
                    done_title,
                    people.secretariat | ({task.owner_id} - {None}),
                )
            ],
        )
    kind = AGENCY_ACTIONS.get(action)
    if kind is None:
        return 0
    people, parties = BodyPeople.for_task(task)
    deadline = task.deadline.strftime("%d/%m/%Y") if task.deadline else "—"

    def title() -> str:
        if kind == "task_confirmed":
            text = gettext("%(code)s is confirmed completed: %(title)s")
        elif kind == "task_returned":
            text = gettext("%(code)s is returned for more work: %(title)s")
        elif kind == "task_cancelled":
            text = gettext("%(code)s is cancelled: %(title)s")
        else:
            text = gettext("The deadline of %(code)s is now %(date)s: %(title)s")
        return text % {**values, "date": deadline}

    told = (
        people.focal_of([task.lead_agency_id])
        | people.of_parties(parties)
        | ({task.owner_id} - {None})
    )
    return _send(task, actor, f"{action}:{task.version}", [(kind, title, told)])


def extension_decided_recipients(
    *, task: Task, extension: ExtensionRequest
) -> set[int]:
    """Who hears of a decision on an extension request: the requester, the
    owner and the lead agency's focal points; when the deadline moved, the
    co-operating parties too (their sub-deadlines sit under it). Called
    after the decision is set on ``extension``."""
    moved = extension.state in (
        ExtensionRequest.State.APPROVED,
        ExtensionRequest.State.APPROVED_OTHER_DATE,
    )
    if moved:
        people, parties = BodyPeople.for_task(task)
    else:
        people = BodyPeople.load(task.body_id, party_agencies=[task.lead_agency_id])
        parties = []
    return (
        ({extension.requested_by_id, task.owner_id} - {None})
        | people.focal_of([task.lead_agency_id])
        | people.of_parties(parties)
    )
