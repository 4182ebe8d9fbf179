"""Who may see and do what with tasks.

Public names:

- ``user_seats(user) -> tuple[Seat, ...]``: the user's memberships valid
  today as ``(body_id, role, agency_id)``, cached on the user object; no
  query for the request's user (they come with its query, ``core.auth``),
  else one, which also fills ``org.permissions.body_roles``' cache.
- ``task_roles(user, task) -> frozenset[str]``: the workflow roles of
  ``user`` on ``task`` (see ``workflow``: leader, secretariat, lead, owner,
  cooperating, admin).
- ``focal_agency_ids(user, body_id) -> set[int]``: agencies the user is a
  focal point of (member/specialist) in the body.
- ``can_view_task``, ``can_change_task``, ``can_report_progress``,
  ``can_report_on_part``, ``can_create_task_in(user, body_id)``.
- ``allowed_actions(user, task, *, extension=None) -> list[str]``: the
  workflow actions ``user`` may take on ``task`` now (the buttons to show).
- ``check_transition(user, task, action) -> workflow.Transition``: raises
  ``ValidationError`` on ``action`` (unknown action, or the state does not
  allow it) or ``PermissionDenied`` (the user's role does not allow it).
- ``party_people_ids(user) -> set[int]``: the people of the user's parties
  (whose files a party-only viewer sees).
- Extension requests: ``decider_body_ids(user)`` (bodies the user leads:
  leader, deputy), ``can_request_extension(user, task)`` (the button: lead
  or owner, a new or in-progress task with a deadline),
  ``can_decide_extension(user, task)`` (leader, deputy, admin),
  ``can_withdraw_extension(user, task, extension)``.
- ``task_visible_pairs(pairs, on)``: ``can_view_task`` in bulk.
- ``access_task(*, user, pk, perm="tasks.view_task") -> Task``: the task, or
  ``Http404`` (not visible) / ``PermissionDenied`` (visible, not allowed).
- rules perms: ``tasks.view_task``, ``tasks.change_task``,
  ``tasks.report_progress`` (object: a task), ``tasks.add_task`` (object: a
  body).

Visibility: every member of the task's body (focal points see the rest of
the body's tasks read-only), administrators and the city leadership viewers.
External users (seats in a body other than the task's: another province's
team, a ministry's people) see a task only when they are a party to it: their
body is a co-operating party, or their seat's agency is a co-operating agency
(``party_ids``, ``is_party``, ``user_parts``). They act on their own part
only: report progress on it, add files, comment, and request an extension of
its sub-deadline. Anyone else (outsiders) gets 404.
``task_visible_pairs(pairs, on)`` is the same rule in bulk (notifications).
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

import rules
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.http import Http404
from django.utils.translation import gettext

from dieuphoi.core.aggregates import TextList
from dieuphoi.core.models import local_today
from dieuphoi.core.prepared import Prepared
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Body, Membership

from . import workflow
from .models import ExtensionRequest, Task, TaskPart

Role = Membership.Role
FOCAL_ROLES = frozenset({Role.MEMBER, Role.SPECIALIST})
_SEATS_ATTR = "_dieuphoi_task_seats"
_BODIES_ATTR = "_dieuphoi_task_bodies"


class Seat(NamedTuple):
    body_id: int
    role: str
    agency_id: int | None
    # Some other body has tasks, so the seat's body or agency may be a
    # co-operating party to one: only then do task lists need the
    # (index-defeating) "or a party to it" clause.
    outside_parts: bool = False


def _seats_query(mark, day):
    # Whether any other body has tasks at all: one index probe per body
    # (bodies are few). It is a superset of "this seat is a party to another
    # body's task", cheap on both databases, where a join through the parts
    # (thousands per agency) cost 5-25 ms on every request.
    outside = Body.objects.exclude(pk=OuterRef("body_id")).filter(
        Exists(Task.objects.filter(body_id=OuterRef("pk")))
    )
    return (
        Membership.objects.as_of(day)
        .filter(person_id=mark)
        .annotate(outside_parts=Exists(outside))
        .values_list("body_id", "role", "agency_id", "outside_parts")
    )


# Compiled once a day (core.prepared): nearly every page reads the seats.
_SEATS = Prepared(_seats_query)


def task_bodies_expression(day=None):
    """The ids of the bodies that have tasks, as one text (NULL: none), for
    the request's user query (``core.auth``): with the seats loaded there
    (``org.permissions.seats_floor_expression``), ``user_seats`` costs no
    query. One index probe per body, as ``_seats_query``'s."""
    return Subquery(
        Body.objects.filter(Exists(Task.objects.filter(body_id=OuterRef("pk"))))
        .order_by()
        # One group of all the rows (a constant is no GROUP BY column).
        .annotate(all=Value(1))
        .values("all")
        .annotate(ids=TextList("pk"))
        .values("ids")
    )


def task_bodies_loaded(user, packed) -> None:
    # As of the user's load, as every seat read of the request was: a body's
    # first task created later in the same request shows from the next one.
    setattr(
        user, _BODIES_ATTR, frozenset(int(v) for v in (packed or "").split(",") if v)
    )


def user_seats(user) -> tuple[Seat, ...]:
    """The user's memberships valid today; cached on ``user``. No query when
    the request's user query brought the seats and the bodies with tasks,
    else one."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, _SEATS_ATTR, None)
    if cached is not None:
        return cached
    bodies = getattr(user, _BODIES_ATTR, None)
    if bodies is not None:
        seats = tuple(
            Seat(body_id, role, agency_id, bool(bodies - {body_id}))
            for body_id, role, agency_id in org_perms.seat_rows(user)
        )
        setattr(user, _SEATS_ATTR, seats)
        return seats
    # In ``remember_seats``' order, whichever way they were loaded.
    seats = tuple(
        Seat(body_id, role, agency_id, bool(outside))
        for body_id, role, agency_id, outside in sorted(
            _SEATS.rows(user.pk, key=(local_today(),)), key=lambda r: repr(r[:3])
        )
    )
    setattr(user, _SEATS_ATTR, seats)
    # Same rows as org.permissions.body_roles: fill its cache so checks made
    # through org helpers in this request cost no second query.
    if getattr(user, org_perms._CACHE_ATTR, None) is None:
        org_perms.remember_seats(
            user, [(s.body_id, s.role, s.agency_id) for s in seats]
        )
    return seats


def clear_seat_cache(user) -> None:
    for attr in (_SEATS_ATTR, _BODIES_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)
    org_perms.clear_role_cache(user)


def focal_agency_ids(user, body_id: int) -> set[int]:
    """Agencies ``user`` is a focal point of (member/specialist) in the body."""
    return {
        s.agency_id
        for s in user_seats(user)
        if s.body_id == body_id and s.role in FOCAL_ROLES and s.agency_id
    }


def manager_body_ids(user) -> set[int]:
    """Bodies where the user is leader, deputy, secretariat or specialist."""
    return {s.body_id for s in user_seats(user) if s.role in org_perms.MANAGER_ROLES}


def party_ids(user) -> tuple[frozenset[int], frozenset[int]]:
    """``(body ids, agency ids)`` through which ``user`` can be a party: the
    bodies of their seats and their seats' home agencies (no query once the
    seats are loaded)."""
    seats = user_seats(user)
    return (
        frozenset(s.body_id for s in seats),
        frozenset(s.agency_id for s in seats if s.agency_id),
    )


def party_people_ids(user) -> set[int]:
    """The people of ``user``'s parties today (their seats' bodies and home
    agencies): whose files on a task a party-only viewer sees. One query."""
    bodies, agencies = party_ids(user)
    return {getattr(user, "pk", None)} - {None} | set(
        Membership.objects.as_of(local_today())
        .filter(Q(body_id__in=sorted(bodies)) | Q(agency_id__in=sorted(agencies)))
        .values_list("person_id", flat=True)
    )


def _acts_for_part(seats: tuple[Seat, ...], task: Task, part: TaskPart) -> bool:
    """A seat in the task's body acts for an agency part as a focal point of
    that agency (today's rule); a seat in another body acts for the part when
    the part's party is that body or the seat's agency."""
    for seat in seats:
        if seat.body_id == task.body_id:
            if (
                seat.role in FOCAL_ROLES
                and seat.agency_id
                and seat.agency_id == part.agency_id
            ):
                return True
        elif (part.body_id is not None and part.body_id == seat.body_id) or (
            part.agency_id is not None and part.agency_id == seat.agency_id
        ):
            return True
    return False


def user_parts(user, task: Task) -> list[TaskPart]:
    """The task's parts ``user`` reports on (uses ``task.parts.all()``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    seats = user_seats(user)
    if not seats or not task.pk:
        return []
    return [p for p in task.parts.all() if _acts_for_part(seats, task, p)]


def is_party(user, task: Task) -> bool:
    """``user`` acts for one of the task's co-operating parties."""
    return bool(user_parts(user, task))


def is_external(user, task: Task) -> bool:
    """``user`` sees ``task`` only as a party (no seat in its body, not an
    administrator or leadership viewer)."""
    return not org_perms.can_see_body(user, task.body_id) and is_party(user, task)


def task_roles(user, task: Task) -> frozenset[str]:
    """Workflow roles of ``user`` on ``task`` (see ``workflow``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles: set[str] = set()
    if org_perms.is_admin(user):
        roles.add(workflow.ADMIN)
    for seat in user_seats(user):
        if seat.body_id != task.body_id:
            continue
        if seat.role in org_perms.LEADER_ROLES:
            roles.add(workflow.LEADER)
        if seat.role in org_perms.SECRETARIAT_ROLES:
            roles.add(workflow.SECRETARIAT)
        if seat.role in FOCAL_ROLES and seat.agency_id == task.lead_agency_id:
            roles.add(workflow.LEAD)
    # Co-operating: a focal point of a party agency in the task's body, or an
    # external user whose body or agency is a party (own part only). The
    # parts are read only for seats that could act for one (no query for
    # the body's leaders and secretariat).
    could_act = any(
        seat.body_id != task.body_id or (seat.role in FOCAL_ROLES and seat.agency_id)
        for seat in user_seats(user)
    )
    if workflow.LEAD not in roles and could_act and user_parts(user, task):
        roles.add(workflow.COOPERATING)
    if task.owner_id is not None and task.owner_id == user.pk:
        roles.add(workflow.OWNER)
    return frozenset(roles)


def can_view_task(user, task: Task) -> bool:
    """Members of the task's body, admins, leadership; external users only
    as a party (see the module docstring)."""
    return org_perms.can_see_body(user, task.body_id) or is_party(user, task)


def can_change_task(user, task: Task) -> bool:
    """Edit the task's fields: leader, deputy, secretariat of the body, admin."""
    return bool(task_roles(user, task) & workflow.MANAGERS)


def can_report_progress(user, task: Task) -> bool:
    """Lead focal point, owner, or a co-operating agency's focal point (own part)."""
    return bool(
        task_roles(user, task) & {workflow.LEAD, workflow.OWNER, workflow.COOPERATING}
    )


def can_report_on_part(user, part: TaskPart) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _acts_for_part(user_seats(user), part.task, part)


def can_create_task_in(user, body_id: int | None) -> bool:
    return org_perms.can_manage_body(user, body_id)


# --- extension requests ----------------------------------------------------


# --- workflow actions (the table is ``workflow``; the roles are here) ---------


def allowed_actions(user, task: Task, *, extension: bool | None = None) -> list[str]:
    """Actions ``user`` may take on ``task`` in its current state.

    ``extension``: ``False`` only ``task_transition``'s actions, ``True``
    only the extension-request ones, ``None`` both.
    """
    roles = task_roles(user, task)
    return [
        name
        for name, t in workflow.TRANSITIONS.items()
        if task.state in t.from_states
        and roles & t.roles
        and (extension is None or t.extension == extension)
    ]


def check_transition(user, task: Task, action: str) -> workflow.Transition:
    """The transition, or ``ValidationError`` on ``action`` (unknown action,
    or the state does not allow it) / ``PermissionDenied`` (the role does not).

    The role is checked before the state, so a user who may never take the
    action gets 403 whatever the state, and one who may gets 422 naming the
    state.
    """
    t = workflow.TRANSITIONS.get(action)
    if t is None:
        raise ValidationError(
            {"action": gettext("Unknown action “%(action)s”.") % {"action": action}}
        )
    if not task_roles(user, task) & t.roles:
        raise PermissionDenied(gettext("Your role does not allow this action."))
    if task.state not in t.from_states:
        raise ValidationError(
            {
                "action": gettext(
                    "“%(action)s” is not possible while the task is “%(state)s”."
                )
                % {
                    "action": workflow.action_label(action),
                    "state": task.get_state_display(),
                }
            }
        )
    return t


def decider_body_ids(user) -> set[int]:
    """Bodies where ``user`` is leader or deputy (no query once seats load)."""
    return {s.body_id for s in user_seats(user) if s.role in org_perms.LEADER_ROLES}


def can_request_extension(user, task: Task) -> bool:
    """The button: lead focal point or owner, an open task with a deadline."""
    t = workflow.TRANSITIONS["request_extension"]
    return (
        task.deadline is not None
        and task.state in t.from_states
        and bool(task_roles(user, task) & t.roles)
    )


def can_request_part_extension(user, part: TaskPart) -> bool:
    """A party's request to move its own sub-deadline: the part has one, is
    not finished, and the task is open (new, in progress, or awaiting an
    extension of its own deadline)."""
    task = part.task
    return (
        part.deadline is not None
        and part.progress < 100
        and task.state
        in (Task.State.NEW, Task.State.IN_PROGRESS, Task.State.EXTENSION_REQUESTED)
        and can_report_on_part(user, part)
    )


def can_decide_extension(user, task: Task) -> bool:
    return bool(task_roles(user, task) & workflow.DECIDERS)


def can_withdraw_extension(user, task: Task, extension: ExtensionRequest) -> bool:
    return extension.is_pending and bool(task_roles(user, task) & workflow.REPORTERS)


def _extension_viewable(user, extension: ExtensionRequest) -> bool:
    return can_view_task(user, extension.task)


def _extension_changeable(user, extension: ExtensionRequest) -> bool:
    """The requester, while the request is pending (through the request)."""
    return extension.is_pending and extension.requested_by_id == getattr(
        user, "pk", None
    )


# --- bulk visibility (notifications) --------------------------------------------


def task_visible_pairs(
    pairs: set[tuple[int, int]], on: datetime.date
) -> set[tuple[int, int]]:
    """``can_view_task`` for many ``(user_id, task_id)`` pairs, with
    memberships valid on ``on``, in four queries: administrators and the
    city leadership see every task; members of the task's body see it; a
    user whose seat's body or home agency is a co-operating party sees it."""
    if not pairs:
        return set()
    user_ids = {u for u, _ in pairs}
    task_ids = {t for _, t in pairs}
    flags = {
        pk: superuser or leadership
        for pk, superuser, leadership in get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .order_by()
        .values_list("pk", "is_superuser", "is_leadership_viewer")
    }
    bodies = dict(
        Task.objects.filter(pk__in=task_ids).order_by().values_list("pk", "body_id")
    )
    others = {u for u, sees_all in flags.items() if not sees_all}
    seats: dict[int, list[tuple[int, int | None]]] = {}
    for person_id, body_id, agency_id in (
        Membership.objects.as_of(on)
        .filter(person_id__in=others)
        .order_by()
        .values_list("person_id", "body_id", "agency_id")
    ):
        seats.setdefault(person_id, []).append((body_id, agency_id))
    party_bodies: dict[int, set[int]] = {}
    party_agencies: dict[int, set[int]] = {}
    for task_id, body_id, agency_id in (
        TaskPart.objects.filter(task_id__in=task_ids)
        .order_by()
        .values_list("task_id", "body_id", "agency_id")
    ):
        if body_id is not None:
            party_bodies.setdefault(task_id, set()).add(body_id)
        if agency_id is not None:
            party_agencies.setdefault(task_id, set()).add(agency_id)

    def sees(u: int, t: int) -> bool:
        if flags[u]:
            return True
        for body_id, agency_id in seats.get(u, ()):
            if body_id == bodies[t] or body_id in party_bodies.get(t, ()):
                return True
            if agency_id is not None and agency_id in party_agencies.get(t, ()):
                return True
        return False

    return {(u, t) for u, t in pairs if u in flags and t in bodies and sees(u, t)}


# --- rules ------------------------------------------------------------------


@rules.predicate
def _is_task_viewer(user, task: Task | None) -> bool:
    return task is not None and can_view_task(user, task)


@rules.predicate
def _is_task_manager(user, task: Task | None) -> bool:
    return task is not None and can_change_task(user, task)


@rules.predicate
def _is_task_reporter(user, task: Task | None) -> bool:
    return task is not None and can_report_progress(user, task)


@rules.predicate
def _is_body_task_creator(user, body) -> bool:
    return body is not None and can_create_task_in(user, body.pk)


rules.add_perm("tasks.view_task", _is_task_viewer)
rules.add_perm("tasks.change_task", _is_task_manager)
rules.add_perm("tasks.report_progress", _is_task_reporter)
rules.add_perm("tasks.add_task", _is_body_task_creator)


def task_detail_queryset():
    return Task.objects.select_related(
        "body",
        "lead_agency",
        "sector",
        "owner",
        "assigned_by",
        "source_document",
    ).prefetch_related(
        Prefetch("parts", queryset=TaskPart.objects.select_related("agency", "body")),
        "provinces",
    )


def access_task(*, user, pk, perm: str = "tasks.view_task") -> Task:
    """The task, or 404 when ``user`` may not see it, 403 when not allowed ``perm``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    task = task_detail_queryset().filter(pk=pk).first()
    if task is None or not can_view_task(user, task):
        raise Http404
    if perm != "tasks.view_task" and not user.has_perm(perm, task):
        raise PermissionDenied
    return task


# --- attachments ------------------------------------------------------------


def _update_viewable(user, update) -> bool:
    """A progress update's files: whoever sees the task as a member; a
    party-only viewer, the files of their own parts' updates only."""
    task = update.task
    if org_perms.can_see_body(user, task.body_id):
        return True
    return update.part_id is not None and any(
        p.pk == update.part_id for p in user_parts(user, task)
    )


def _update_changeable(user, update) -> bool:
    """The author of a progress update, or the task's managers, may add files."""
    return update.author_id == getattr(user, "pk", None) or can_change_task(
        user, update.task
    )


def _task_file_viewable(user, task: Task, attachment) -> bool:
    """A co-operating party from another body sees the task's files its own
    people attached, not the assigning body's or the other parties' (as on
    the task page); everyone who sees the body sees them all."""
    if org_perms.can_see_body(user, task.body_id):
        return True
    return attachment.uploaded_by_id in party_people_ids(user)


def register_attachment_targets() -> None:
    """Tasks and their progress updates carry files (``docs`` attachments).

    Files of a task: seen by whoever sees the task, added by its managers and
    reporters; removed by the body's leader, deputy and secretariat, or by
    their uploader while the task is open (``docs.permissions``). Files of a progress update: added by its author (through
    ``services.progress_report``) or the task's managers. Files of an
    extension request: seen with the task, added by the requester while it
    is pending (through ``extensions.services.extension_request_create``).
    """
    from dieuphoi.docs.permissions import register_attachment_target

    from .models import ProgressUpdate

    closed = (Task.State.COMPLETED, Task.State.CANCELLED)
    register_attachment_target(
        Task,
        can_view_task,
        lambda user, task: (
            can_change_task(user, task) or can_report_progress(user, task)
        ),
        _task_file_viewable,
        body_of=lambda task: task.body_id,
        is_open=lambda task: task.state not in closed,
    )
    register_attachment_target(
        ProgressUpdate,
        _update_viewable,
        _update_changeable,
        body_of=lambda update: update.task.body_id,
        is_open=lambda update: update.task.state not in closed,
    )
    register_attachment_target(
        ExtensionRequest,
        _extension_viewable,
        _extension_changeable,
        body_of=lambda extension: extension.task.body_id,
        is_open=lambda extension: extension.task.state not in closed,
    )
