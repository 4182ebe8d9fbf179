"""Hand open tasks over to the successor of an agency (issue 7 §3).

When agencies merge, split or are renamed (``org.AgencySuccession``), the
open work of the predecessors passes to the successors on the succession
date. Completed and cancelled tasks, and completed co-operating parts, keep
the agency of their time.

Public names:

- ``handover_preview(*, succession, choices=None, body_ids=None)
  -> list[HandoverItem]``: what a commit would do, task by task: the lead or
  co-operating part, its current agency, the proposed successor, whether a
  choice is needed (a split: the secretariat picks the successor of each
  task), and whether the part merges into a role the successor already has.
- ``handover_commit(*, succession, actor, choices=None, on=None)
  -> HandoverResult``: the same, written in one transaction: lead agency /
  part agency set to the successor, a ``TaskLeadChange`` per lead handed
  over (``on`` = the succession date, or the assigned date if later), an
  audit event ``tasks.handover`` on each task (its timeline reads "Handed
  over from … to … under …"), one on the succession, and a notification to
  the people who act for the successor (``notices.PartySeats``: its focal
  points in the task's body; for another province's department or a
  ministry, which has none there, its people in their own bodies). Idempotent: a second
  commit finds nothing left to hand over and writes nothing.
- ``succession_for_agency(agency) -> AgencySuccession``: the succession that
  ends ``agency`` (``ValidationError`` when it has no successor).
- ``team_successor(team)``, ``team_handover_commit(*, team, actor, on=None)
  -> TeamHandoverResult``, ``team_handover_all(*, actor=None, until=None)``:
  the same for the parts of another province's coordination team that ended
  with its province (the successor is the team of the unit that succeeded
  its unit); the successor team's members are notified.
- ``handover_body_ids(user) -> set[int] | None``: bodies whose tasks the user
  may hand over (``None``: all, for administrators); ``handover_all`` runs
  every succession (the ``handover_successions`` command and ``seed_demo``).

``choices``: ``{item key: successor agency id}``, keys ``"lead-<task id>"``
and ``"part-<part id>"`` (``HandoverItem.key``). Errors are
``ValidationError`` keyed by ``succession`` or ``choices``; nothing is
written when one is raised.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.notifications.services import NotificationSpec, notify_many
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Agency, AgencySuccession, Body

from . import cache as task_cache
from .models import ProgressUpdate, Task, TaskLeadChange, TaskPart
from .notices import PartySeats

NOTIFICATION_KIND = "task_handed_over"
ACTION = "tasks.handover"
ACTION_LABELS = {ACTION: _("Handed over to the successor agency")}


def register() -> None:
    """Timeline labels and the notification kind (from ``TasksConfig.ready``)."""
    from dieuphoi.audit import labels as audit
    from dieuphoi.notifications.kinds import register_kind

    # The successor now leads (or co-operates on) the task: it has to act.
    register_kind(
        NOTIFICATION_KIND,
        _("A task was handed over to your agency"),
        must_act=True,
        order=170,
    )
    audit.register_action_labels(ACTION_LABELS)
    # Keys grow in length and sort alphabetically in reading order, so the
    # timeline reads "from … to … under …" whether the database keeps the
    # JSON keys' order (SQLite) or sorts them (PostgreSQL's jsonb).
    audit.register_field_display(
        Task,
        {
            "handover_from": audit.fk(Agency, _("Handed over from")),
            "handover_from_team": audit.fk(Body, _("Handed over from")),
            "handover_to_agency": audit.fk(Agency, pgettext_lazy("handover", "to")),
            "handover_to_team": audit.fk(Body, pgettext_lazy("handover", "to")),
            "handover_under_document": audit.text(pgettext_lazy("handover", "under")),
        },
    )


# --- what is handed over ------------------------------------------------------


@dataclass
class HandoverItem:
    """One lead role or co-operating part of a predecessor on an open task."""

    task: Task
    part: TaskPart | None
    current: Agency
    options: list[Agency]
    proposed: Agency | None = None
    # A split: the user picks the successor (``proposed`` is the choice made).
    needs_choice: bool = False
    # The successor already has a role on the task: this part merges into it
    # (its row is removed; one with progress reports stays, see ``kept``).
    merged: bool = False
    # Nothing can move: the part has reports and the successor already
    # takes part. It stays with the predecessor, as the record of its work.
    kept: bool = False

    @property
    def key(self) -> str:
        return f"part-{self.part.pk}" if self.part else f"lead-{self.task.pk}"

    @property
    def is_lead(self) -> bool:
        return self.part is None


@dataclass
class HandoverResult:
    succession: AgencySuccession
    leads: int = 0
    parts: int = 0
    merged: int = 0
    tasks: list[Task] = field(default_factory=list)
    notified: int = 0

    @property
    def total(self) -> int:
        return self.leads + self.parts + self.merged


def _d(value: datetime.date) -> str:
    return formats.date_format(value, "d/m/Y")


def handover_body_ids(user) -> set[int] | None:
    """Bodies whose tasks ``user`` may hand over: administrators all
    (``None``); the leader, deputy, secretariat and specialists their own."""
    return org_perms.handover_body_ids(user)


def succession_for_agency(agency: Agency) -> AgencySuccession:
    """The succession in which ``agency`` was succeeded (the latest one)."""
    succession = (
        AgencySuccession.objects.filter(predecessors=agency)
        .select_related("document")
        .order_by("-on", "-id")
        .first()
    )
    if succession is None:
        raise ValidationError(
            {
                "succession": gettext(
                    "%(agency)s has no successor in the registry: record the "
                    "merger, split or renaming that ended it first."
                )
                % {"agency": agency}
            }
        )
    return succession


def _scope(qs, body_ids: set[int] | None, path: str):
    return qs if body_ids is None else qs.filter(**{f"{path}__in": sorted(body_ids)})


def handover_preview(
    *,
    succession: AgencySuccession,
    choices: dict[str, int] | None = None,
    body_ids: set[int] | None = None,
    lock: bool = False,
) -> list[HandoverItem]:
    """What ``handover_commit`` would hand over (see the module docstring):
    the tasks open now. ``body_ids`` limits them to those bodies (``None``:
    all); ``lock`` locks the tasks for the commit. Raises ``ValidationError``
    (``succession``) when the succession names no successor. A fixed number
    of queries.
    """
    predecessors = list(succession.predecessors.all())
    successors = sorted(succession.successors.all(), key=lambda a: a.name)
    if not successors:
        raise ValidationError(
            {
                "succession": gettext(
                    "This succession names no successor: there is nobody to "
                    "hand the tasks over to."
                )
            }
        )
    choices = choices or {}
    by_id = {a.pk: a for a in successors}
    pred_ids = [a.pk for a in predecessors]
    open_states = list(Task.OPEN_STATES)

    parts_qs = TaskPart.objects.select_related("agency").annotate(
        has_updates=Exists(ProgressUpdate.objects.filter(part=OuterRef("pk")))
    )
    tasks_qs = _scope(
        Task.objects.filter(state__in=open_states).filter(
            Q(lead_agency_id__in=pred_ids)
            | Q(
                pk__in=TaskPart.objects.filter(
                    agency_id__in=pred_ids, completed_on__isnull=True
                ).values("task_id")
            )
        ),
        body_ids,
        "body_id",
    )
    if lock and connection.vendor == "postgresql":
        # Lock the rows the commit changes; on SQLite the IMMEDIATE
        # transaction already holds the writer lock.
        list(tasks_qs.select_for_update().values_list("pk", flat=True))
    tasks = list(
        tasks_qs.select_related("lead_agency", "body")
        .prefetch_related(Prefetch("parts", queryset=parts_qs))
        .order_by("assigned_on", "id")
    )

    items: list[HandoverItem] = []
    for task in tasks:
        task_items = []
        if task.lead_agency_id in pred_ids:
            task_items.append(
                HandoverItem(
                    task=task, part=None, current=task.lead_agency, options=successors
                )
            )
        for part in task.parts.all():
            if part.agency_id in pred_ids and part.completed_on is None:
                task_items.append(
                    HandoverItem(
                        task=task, part=part, current=part.agency, options=successors
                    )
                )
        for item in task_items:
            if len(successors) == 1:
                item.proposed = successors[0]
            else:
                item.needs_choice = True
                item.proposed = by_id.get(_as_int(choices.get(item.key)))
        _mark_merges(task, task_items, pred_ids)
        items.extend(task_items)
    return items


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _mark_merges(task: Task, items: list[HandoverItem], pred_ids: list[int]) -> None:
    """A part whose successor already leads the task, or already takes part,
    merges into that role (one agency has one role on a task)."""
    lead_item = next((i for i in items if i.is_lead), None)
    lead_after = (
        lead_item.proposed.pk
        if lead_item is not None and lead_item.proposed is not None
        else task.lead_agency_id
    )
    taken = {lead_after}
    # Parts that stay (not a predecessor's, or completed) keep their agency.
    taken |= {
        p.agency_id
        for p in task.parts.all()
        if p.agency_id not in pred_ids or p.completed_on is not None
    }
    for item in items:
        if item.is_lead or item.proposed is None:
            continue
        if item.proposed.pk in taken:
            if item.part.has_updates:
                item.kept = True
            else:
                item.merged = True
        else:
            taken.add(item.proposed.pk)


def _check_choices(items: list[HandoverItem]) -> None:
    missing = [i for i in items if i.proposed is None]
    if missing:
        codes = ", ".join(dict.fromkeys(i.task.code for i in missing))
        raise ValidationError(
            {
                "choices": gettext(
                    "Choose the successor of each task of the split: %(codes)s."
                )
                % {"codes": codes}
            }
        )


# --- commit ---------------------------------------------------------------------


def _recipients(items_by_task, today: datetime.date) -> PartySeats:
    """Who acts for each successor on each task, on ``today``: the one rule
    the task notices and reminders use (``notices.PartySeats``). A Hanoi
    agency: its focal points in the task's body. An agency with none there
    (another province's department, a ministry): its people's seats in
    their own bodies, e.g. the successor province's team. One query."""
    return PartySeats.load(
        today,
        bodies={task.body_id for task in items_by_task},
        party_agencies={
            i.proposed.pk
            for items in items_by_task.values()
            for i in items
            if i.proposed is not None
        },
    )


def _title(code: str, title: str, agency: str, basis: str):
    short = title if len(title) <= 120 else title[:119] + "…"

    def render() -> str:
        if basis:
            return gettext(
                "%(code)s was handed over to %(agency)s under %(basis)s: %(title)s"
            ) % {"code": code, "agency": agency, "basis": basis, "title": short}
        return gettext("%(code)s was handed over to %(agency)s: %(title)s") % {
            "code": code,
            "agency": agency,
            "title": short,
        }

    return render


def _actor_body_ids(actor) -> set[int] | None:
    """The bodies whose tasks ``actor`` hands over (``None``: all, for the
    system); ``PermissionDenied`` for someone who may hand over none."""
    body_ids = None if actor is None else handover_body_ids(actor)
    if body_ids is not None and not body_ids:
        raise PermissionDenied(
            gettext(
                "Only the leader, the secretariat or an administrator may hand "
                "tasks over."
            )
        )
    return body_ids


def _notice(*, task: Task, uid: int, key: str, title, type_id: int):
    """The ``task_handed_over`` notification of ``task`` to ``uid``."""
    return NotificationSpec(
        recipient_id=uid,
        kind=NOTIFICATION_KIND,
        key=key,
        title=title,
        url=reverse("tasks:detail", args=[task.pk]),
        target_type_id=type_id,
        target_id=task.pk,
    )


def handover_commit(
    *,
    succession: AgencySuccession,
    actor,
    choices: dict[str, int] | None = None,
    on: datetime.date | None = None,
) -> HandoverResult:
    """Hand the open work of the predecessors to the successors, at once.

    ``actor``: a user (the tasks of the bodies they may hand over, see
    ``handover_body_ids``; ``PermissionDenied`` if none), or ``None`` for
    the system (every body: the command and the demo seed). ``on``: the day
    the successor's focal points are read and notified (default today).
    Raises ``ValidationError`` when a split task has no chosen successor.
    """
    body_ids = _actor_body_ids(actor)
    today = on or local_today()
    result = HandoverResult(succession=succession)
    with transaction.atomic():
        items = handover_preview(
            succession=succession,
            choices=choices,
            body_ids=body_ids,
            lock=True,
        )
        _check_choices(items)
        items = [i for i in items if not i.kept]
        if not items:
            return result
        by_task: dict[Task, list[HandoverItem]] = defaultdict(list)
        for item in items:
            by_task[item.task].append(item)
        basis = succession.basis_label
        task_type = ContentType.objects.get_for_model(Task)
        people = _recipients(by_task, today)
        specs = []
        lead_changes = []
        for task, task_items in by_task.items():
            for item in task_items:
                if item.is_lead:
                    task.lead_agency = item.proposed
                    lead_changes.append(
                        TaskLeadChange(
                            task=task,
                            old_agency=item.current,
                            new_agency=item.proposed,
                            on=max(succession.on, task.assigned_on),
                            reason=gettext("Handover: %(kind)s of %(date)s")
                            % {
                                "kind": succession.get_kind_display().lower(),
                                "date": _d(succession.on),
                            },
                            document=succession.document,
                            actor=actor
                            if getattr(actor, "is_authenticated", False)
                            else None,
                        )
                    )
                    result.leads += 1
                elif item.merged:
                    item.part.delete()
                    result.merged += 1
                else:
                    item.part.agency = item.proposed
                    item.part.save(update_fields=["agency"])
                    result.parts += 1
            leads = [i for i in task_items if i.is_lead]
            # A new version: a form opened before the handover must not put
            # the predecessor back; ``updated_at`` moves the summary's stamp.
            task.version += 1
            task.save(update_fields=["lead_agency", "version", "updated_at"])
            audit_record(
                actor=actor,
                action=ACTION,
                target=task,
                changes={
                    "handover_from": sorted({i.current.pk for i in task_items}),
                    "handover_to_agency": sorted({i.proposed.pk for i in task_items}),
                    "handover_under_document": basis,
                    **(
                        {
                            "lead_agency": {
                                "before": leads[0].current.pk,
                                "after": leads[0].proposed.pk,
                            }
                        }
                        if leads
                        else {}
                    ),
                },
            )
            result.tasks.append(task)
            for agency in {i.proposed for i in task_items}:
                title = _title(task.code, task.title, str(agency), basis)
                specs += [
                    _notice(
                        task=task,
                        uid=uid,
                        key=f"handover:{succession.pk}:{task.pk}:{agency.pk}:{uid}",
                        title=title,
                        type_id=task_type.pk,
                    )
                    for uid in sorted(people.agency(task.body_id, agency.pk))
                ]
        TaskLeadChange.objects.bulk_create(lead_changes)
        task_cache.bump_tasks()  # bulk_create sends no signal
        result.notified = notify_many(specs, on=today)
        succession.handed_over_at = timezone.now()
        succession.handed_over_by = (
            actor if getattr(actor, "is_authenticated", False) else None
        )
        succession.save(update_fields=["handed_over_at", "handed_over_by"])
        audit_record(
            actor=actor,
            action="org.succession_handover",
            target=succession,
            changes={
                "tasks": [t.code for t in result.tasks],
                "leads": result.leads,
                "parts": result.parts,
                "merged": result.merged,
            },
        )
    return result


def needs_decision(succession: AgencySuccession) -> bool:
    """A split, or a predecessor that lives on after the succession."""
    if succession.successors.count() > 1:
        return True
    return any(a.is_valid_on(succession.on) for a in succession.predecessors.all())


def handover_all(
    *, actor=None, until: datetime.date | None = None
) -> list[HandoverResult]:
    """Run every succession dated on or before ``until`` (default today) that
    needs no choice, oldest first. Left for the secretariat's decision on the
    succession's page (their results are empty): splits, and transfers of
    functions whose predecessor still exists (only some of its work moves).
    Idempotent."""
    until = until or local_today()
    results = []
    for succession in AgencySuccession.objects.filter(on__lte=until).order_by(
        "on", "id"
    ):
        if needs_decision(succession):
            results.append(HandoverResult(succession=succession))
            continue
        results.append(handover_commit(succession=succession, actor=actor))
    return results


# --- the teams of merged provinces -----------------------------------------------
#
# Another province's coordination team that co-operates on a task (a body
# party) ends with its province: the 2022 units' teams ended on 30/06/2025,
# the 2025 units' teams took over on 01/07/2025. There is no succession row
# for bodies: the successor is the team, valid the day after, of the unit
# that succeeded the team's unit (``AdministrativeUnit.predecessors``).


@dataclass
class TeamHandoverResult:
    team: Body
    successor: Body
    parts: int = 0
    merged: int = 0
    tasks: list[Task] = field(default_factory=list)
    notified: int = 0


def team_successor(team: Body) -> Body | None:
    """The team that carries on ``team``'s work: the coordination team, valid
    the day after ``team`` ended, of the unit that succeeded its unit.
    ``None`` when the team has not ended or there is not exactly one."""
    if team.valid_to is None or team.unit_id is None:
        return None
    day = team.valid_to + datetime.timedelta(days=1)
    found = list(
        Body.objects.as_of(day)
        .filter(kind=Body.Kind.TEAM, unit__predecessors=team.unit_id)
        .exclude(pk=team.pk)
        .distinct()[:2]
    )
    return found[0] if len(found) == 1 else None


def team_handover_commit(
    *, team: Body, actor, on: datetime.date | None = None
) -> TeamHandoverResult:
    """Hand the unfinished parts of ``team`` on open tasks to its successor
    team (``team_successor``), in one transaction, as ``handover_commit``
    does for an agency: the part's party becomes the successor (a part
    merges into the successor's own part on the same task, or stays as the
    record when it has progress reports), a new task version, an audit
    event ``tasks.handover`` on the task ("Handed over from … to …"), and a
    notification to the successor team's people (``notices.PartySeats``:
    every member of a party team). ``actor``: as for ``handover_commit``.
    ``ValidationError`` on ``succession`` when the team has no successor.
    Idempotent."""
    successor = team_successor(team)
    if successor is None:
        raise ValidationError(
            {
                "succession": gettext(
                    "%(team)s has no successor team in the registry: nobody to "
                    "hand its parts over to."
                )
                % {"team": team}
            }
        )
    body_ids = _actor_body_ids(actor)
    today = on or local_today()
    result = TeamHandoverResult(team=team, successor=successor)
    with transaction.atomic():
        tasks_qs = _scope(
            Task.objects.filter(
                state__in=list(Task.OPEN_STATES),
                parts__body=team,
                parts__completed_on__isnull=True,
            ),
            body_ids,
            "body_id",
        ).distinct()
        if connection.vendor == "postgresql":
            list(
                Task.objects.filter(pk__in=tasks_qs.values("pk"))
                .select_for_update()
                .values_list("pk", flat=True)
            )
        parts_qs = TaskPart.objects.annotate(
            has_updates=Exists(ProgressUpdate.objects.filter(part=OuterRef("pk")))
        )
        tasks = list(
            tasks_qs.prefetch_related(Prefetch("parts", queryset=parts_qs)).order_by(
                "assigned_on", "id"
            )
        )
        if not tasks:
            return result
        seats = PartySeats.load(
            today, bodies={t.body_id for t in tasks}, party_bodies=[successor.pk]
        )
        task_type = ContentType.objects.get_for_model(Task)
        specs = []
        for task in tasks:
            parts = list(task.parts.all())
            taken = any(p.body_id == successor.pk for p in parts)
            moved = False
            for part in parts:
                if part.body_id != team.pk or part.completed_on is not None:
                    continue
                if not taken:
                    part.body = successor
                    part.save(update_fields=["body"])
                    taken = moved = True
                    result.parts += 1
                elif not part.has_updates:
                    part.delete()
                    moved = True
                    result.merged += 1
            if not moved:
                continue  # the team's part stays as the record of its work
            task.version += 1
            task.save(update_fields=["version", "updated_at"])
            audit_record(
                actor=actor,
                action=ACTION,
                target=task,
                changes={
                    "handover_from_team": team.pk,
                    "handover_to_team": successor.pk,
                },
            )
            result.tasks.append(task)
            title = _title(task.code, task.title, str(successor), "")
            specs += [
                _notice(
                    task=task,
                    uid=uid,
                    key=f"handover:team:{team.pk}:{task.pk}:{successor.pk}:{uid}",
                    title=title,
                    type_id=task_type.pk,
                )
                for uid in sorted(seats.party(task.body_id, None, successor.pk))
            ]
        result.notified = notify_many(specs, on=today) if specs else 0
    return result


def team_handover_all(
    *, actor=None, until: datetime.date | None = None
) -> list[TeamHandoverResult]:
    """``team_handover_commit`` for every team ended before ``until``
    (default today) that has a successor and unfinished parts on open tasks
    (the ``handover_successions`` command). Idempotent."""
    until = until or local_today()
    teams = Body.objects.filter(
        kind=Body.Kind.TEAM,
        valid_to__lt=until,
        task_parts__completed_on__isnull=True,
        task_parts__task__state__in=list(Task.OPEN_STATES),
    ).distinct()
    results = []
    for team in teams.order_by("valid_to", "id"):
        if team_successor(team) is not None:
            results.append(team_handover_commit(team=team, actor=actor))
    return results


# --- demo data ------------------------------------------------------------------

# Open work of the departments merged on 01/03/2025, assigned before the
# merger (``seed_demo`` hands it over): (title, lead code, co-operating codes,
# assigned, deadline, cancel reason). Codes are the 2022 agencies.
DEMO_HANDOVER_TASKS = [
    (
        "Rà soát danh mục dự án giao thông kết nối liên tỉnh trong Vùng Thủ đô cần "
        "ưu tiên đầu tư giai đoạn 2026-2030",
        "SGTVT",
        ["SKHĐT"],
        datetime.date(2024, 11, 15),
        datetime.date(2025, 6, 30),
        "",
    ),
    (
        "Xây dựng cơ chế phối hợp liên tỉnh quan trắc chất lượng nước lưu vực sông "
        "Nhuệ - sông Đáy",
        "STNMT",
        ["SNNPTNT"],
        datetime.date(2024, 12, 10),
        datetime.date(2026, 12, 31),
        "",
    ),
    (
        "Tổng hợp đề xuất dự án liên kết vùng đưa vào kế hoạch đầu tư công trung "
        "hạn 2021-2025 điều chỉnh",
        "SKHĐT",
        [],
        datetime.date(2024, 10, 1),
        datetime.date(2024, 12, 31),
        "Nội dung đã được tổng hợp trong báo cáo kế hoạch đầu tư công năm 2025.",
    ),
]


def seed_handover_demo() -> list[Task]:
    """The Hanoi team's pre-merger demo tasks (idempotent, by title)."""
    from django.contrib.auth import get_user_model

    from dieuphoi.org.models import Body
    from dieuphoi.org.seed import HANOI_TEAM_KEY

    from . import services

    team = Body.objects.filter(key=HANOI_TEAM_KEY).first()
    secretariat = get_user_model().objects.filter(username="thuky").first()
    if team is None or secretariat is None:
        return []
    created = []
    for title, lead, coop, assigned_on, deadline, cancel in DEMO_HANDOVER_TASKS:
        if Task.objects.filter(body=team, title=title).exists():
            continue
        agencies = {
            a.code: a
            for a in Agency.objects.as_of(assigned_on).filter(code__in=[lead, *coop])
        }
        if set(agencies) != {lead, *coop}:
            continue
        task = services.task_create(
            actor=secretariat,
            body=team,
            title=title,
            assigned_on=assigned_on,
            lead_agency=agencies[lead],
            cooperating=[agencies[c] for c in coop],
            deadline=deadline,
        )
        if cancel:
            task = services.task_transition(
                actor=secretariat, task=task, action="cancel", reason=cancel
            )
        created.append(task)
    return created
