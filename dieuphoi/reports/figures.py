"""Every figure of a periodic report, compiled from the system's own data.

``compile_figures(body, period, *, progress=None) -> dict`` reads what
``body`` did in the period's window (``period.start`` → ``period.end``, the
cut-off) AS OF the cut-off, from the dated history, so compiling again later
for the same cut-off gives the same dict except ``computed_at``
(as-of invariance). The dict is JSON (dates ISO, counts as ints, no
``Decimal``): it is stored in ``Report.figures`` and frozen at approval.
Rates are never stored; they are recomputed from the counts when shown
(``tasks.rates``). Labels are never stored either (the keys are translated
when shown), only the data's own names (agencies, titles).

Every count carries the list behind it: ``params`` (the task list's URL
parameters, ``selectors.TaskFilters``; the activities list's for
activities) or ``rows`` (the listed records, each linked to its page);
``figure_url(kind, params)`` makes the address.

What is counted (``D`` = the cut-off, the window = ``start`` … ``D``):

- ``tasks.counts``: ``reports.counts.task_counts`` (tasks assigned in the
  window, each in its bucket as of ``D``, overall and per lead agency of
  record on ``D``; an agency ended by ``D`` under its successor), without the
  ``Rate`` objects.
- ``tasks.assigned``: assigned in the window and not cancelled by ``D``
  (= the totals' ``total``: a task assigned and cancelled again in the
  window was never work to do); ``tasks.cancelled`` the others.
- ``tasks.completed``: tasks of any assignment date whose completion was
  confirmed in the window (completed on ``D`` and not on the day before
  ``start``, per the history), on time or late as judged on ``D``.
- ``tasks.overdue``: every task of the body overdue on ``D`` (any
  assignment date: the backlog the report must show), with its urgings up to
  ``D`` (urging notices of the daily run sent by ``D`` plus issued urging
  letters dated by ``D``: the two records ``Task.urge_count`` counts) and
  whether it was escalated by ``D`` (``TaskEscalation``, after
  ``ESCALATE_AFTER_URGINGS`` urgings); ``tasks.escalations``: escalations
  made in the window.
- ``tasks.extensions``: task-level extension requests approved with the
  decision dated in the window, and the tasks they extended.
- ``tasks.key``: key tasks assigned in the window, not cancelled by ``D``:
  code, title, lead agency of record, deadline in force and bucket on ``D``.
- ``proposals``: the body's proposals made by ``D`` by their state on
  ``D`` (the last ``ProposalStep`` recorded by the end of ``D``),
  consultation rounds opened and closed in the window, open on ``D``, and
  the answers of the rounds opened in the window (asked, answered by ``D``,
  on time, no comment at the close, still awaited).
- ``matters``: raised in the window, resolved and escalated in the window
  (the dated transitions of the audit trail), open on ``D``.
- ``activities``: activities starting in the window and held by ``D`` (the
  attendance or the conclusions recorded by the end of ``D``), by kind; their
  conclusions and how many were turned into tasks by ``D``; the tasks
  carrying out a conclusion assigned in the window, by bucket on ``D``.
- ``keyprojects``: milestones planned in the window, met on time, met late
  (their actual date by ``D``) or not met on ``D``.
- ``contributions``: nothing; the report shows the agencies' own sections.

Cost: a fixed number of queries whatever the number of tasks (grouped
counts and aggregates; the listed rows are capped at ``ROW_LIMIT``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from dieuphoi.tasks import buckets
from dieuphoi.tasks import history as task_history
from dieuphoi.tasks.models import ExtensionRequest, Task, TaskStateChange

from . import counts as report_counts

FORMAT_VERSION = 1
# Rows listed under one figure (the count is always exact; the list behind
# it is the task list's filter, or these rows for the records of other apps).
ROW_LIMIT = 500
SECTIONS = ("tasks", "proposals", "matters", "activities", "keyprojects")
DAY = datetime.timedelta(days=1)


# --- addresses ------------------------------------------------------------------

_LISTS = {
    "tasks": "tasks:list",
    "activities": "activities:list",
    "proposals": "proposals:list",
    "matters": "matters:list",
    "keyprojects": "keyprojects:list",
}
_DETAILS = {
    "task": "tasks:detail",
    "proposal": "proposals:detail",
    "round": "proposals:round",
    "matter": "matters:detail",
    "activity": "activities:detail",
    "keyproject": "keyprojects:detail",
}


def figure_url(kind: str, params: dict | None = None) -> str:
    """The page behind a figure: a list (``tasks``, ``activities``, …) with
    ``params`` as its query, or one record's page (``task``, ``proposal``,
    ``round``, ``matter``, ``activity``, ``keyproject``) with ``params =
    {"id": pk}``. Empty for an unknown kind."""
    params = params or {}
    if kind in _DETAILS:
        try:
            return reverse(_DETAILS[kind], args=[int(params["id"])])
        except (KeyError, TypeError, ValueError):
            return ""
    if kind in _LISTS:
        url = reverse(_LISTS[kind])
        query = urlencode(sorted((str(k), str(v)) for k, v in params.items()))
        return f"{url}?{query}" if query else url
    return ""


# --- helpers ----------------------------------------------------------------------


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return task_history.end_of_day(day - DAY)


def _row_counts(row: dict) -> dict:
    """A ``task_counts`` row as JSON: without the ``Rate`` objects."""
    return {k: v for k, v in row.items() if k != "rates"}


def _names(model, ids) -> dict[int, str]:
    ids = sorted({pk for pk in ids if pk})
    if not ids:
        return {}
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}


# --- tasks ------------------------------------------------------------------------


def completed_in_q(start: datetime.date, end: datetime.date) -> Q:
    """Tasks whose completion was confirmed from ``start`` to ``end``: completed
    on ``end`` and not on the day before ``start`` (history for past days)."""
    return buckets.completed_q(end) & ~buckets.completed_q(start - DAY)


def _completion_candidates(start: datetime.date, end: datetime.date) -> Q:
    """A cheap superset of ``completed_in_q`` (on the indexes): a state change
    to completed dated in the window, or (rows without a history) completed
    in the window by the columns. The exact rule is applied on top."""
    changes = TaskStateChange.objects.filter(
        to_state=Task.State.COMPLETED, on__gte=start, on__lte=end
    ).values("task_id")
    return Q(pk__in=changes) | Q(
        state=Task.State.COMPLETED, completed_on__gte=start, completed_on__lte=end
    )


def _overdue_candidates(end: datetime.date) -> Q:
    """A cheap superset of the tasks overdue on ``end``: a written deadline
    before the cut-off, or a deadline changed at some point (the deadline in
    force on ``end`` is then read from the history)."""
    from dieuphoi.tasks.models import DeadlineChange

    changed = DeadlineChange.objects.values("task_id")
    return Q(deadline__lt=buckets.overdue_cutoff(end)) | Q(pk__in=changed)


def urgings_on(end: datetime.date):
    """SQL: urgings of the outer task up to ``end``: urging notices of the
    daily run sent by then, plus issued urging letters dated by then."""
    from dieuphoi.letters.models import LetterTask, UrgingLetter
    from dieuphoi.reminders.models import Reminder

    notices = (
        Reminder.objects.filter(
            task=OuterRef("pk"),
            kind=Reminder.Kind.URGING,
            part__isnull=True,
            sent_on__lte=end,
        )
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    letters = (
        LetterTask.objects.filter(
            task=OuterRef("pk"),
            letter__status=UrgingLetter.Status.DONE,
            letter__on__lte=end,
        )
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(
        Subquery(notices, output_field=IntegerField()), Value(0)
    ) + Coalesce(Subquery(letters, output_field=IntegerField()), Value(0))


def _lead_and_deadline(qs, end: datetime.date):
    if buckets.use_history(end):
        return qs.annotate(
            lead_then=task_history.lead_on(end),
            deadline_then=task_history.deadline_on(end),
        )
    return qs.annotate(lead_then=F("lead_agency_id"), deadline_then=F("deadline"))


def _task_rows(rows: list[dict]) -> list[dict]:
    from dieuphoi.org.models import Agency

    names = _names(Agency, [r["lead_then"] for r in rows])
    out = []
    for r in rows:
        item = {
            "id": r["pk"],
            "code": r["code"],
            "title": r["title"],
            "lead_id": r["lead_then"],
            "lead": names.get(r["lead_then"], ""),
            "deadline": _iso(r["deadline_then"]),
        }
        for extra in ("bucket", "urgings", "escalated"):
            if extra in r:
                item[extra] = r[extra]
        out.append(item)
    return out


def task_figures(body_id: int, period) -> dict:
    start, end = period.start, period.end
    base = report_counts.period_params(period)
    on = {"on": end.isoformat()}
    counts = report_counts.task_counts(body_id, period)
    totals = counts["totals"]

    own = Task.objects.filter(body_id=body_id)
    window = own.filter(report_counts.assigned_in(body_id, period))
    cancelled = window.filter(buckets.cancelled_q(end)).count()

    # Completed in the window (any assignment date), on time or late on D.
    done = own.filter(_completion_candidates(start, end)).filter(
        completed_in_q(start, end)
    )
    done_counts = done.aggregate(
        on_time=Count(
            "pk", filter=buckets.bucket_q(buckets.COMPLETED_ON_TIME, end, indexed=False)
        ),
        late=Count(
            "pk", filter=buckets.bucket_q(buckets.COMPLETED_LATE, end, indexed=False)
        ),
    )
    completed_params = on | {
        "completed_from": start.isoformat(),
        "completed_to": end.isoformat(),
    }

    # Overdue on D, any assignment date, with urgings and escalation by D.
    from dieuphoi.reminders.models import TaskEscalation

    overdue = (
        own.filter(buckets.in_view_q(end))
        .filter(_overdue_candidates(end))
        .filter(buckets.bucket_q(buckets.OVERDUE, end, indexed=False))
        .annotate(
            urgings=urgings_on(end),
            escalated=Exists(
                TaskEscalation.objects.filter(
                    task=OuterRef("pk"), escalated_on__lte=end
                )
            ),
        )
    )
    overdue_counts = overdue.aggregate(
        count=Count("pk"),
        urged=Count("pk", filter=Q(urgings__gt=0)),
        urgings_total=Coalesce(Sum("urgings"), 0),
        escalated_count=Count("pk", filter=Q(escalated=True)),
    )
    overdue_rows = _task_rows(
        list(
            _lead_and_deadline(overdue, end)
            .order_by("deadline_then", "pk")
            .values(
                "pk",
                "code",
                "title",
                "lead_then",
                "deadline_then",
                "urgings",
                "escalated",
            )[:ROW_LIMIT]
        )
    )
    escalations = TaskEscalation.objects.filter(
        task__body_id=body_id, escalated_on__gte=start, escalated_on__lte=end
    ).count()

    # Extensions granted in the window.
    granted = ExtensionRequest.objects.filter(
        task__body_id=body_id,
        part__isnull=True,
        state__in=ExtensionRequest.APPROVED_STATES,
        decided_on__gte=start,
        decided_on__lte=end,
    ).aggregate(n=Count("pk"), tasks=Count("task_id", distinct=True))

    # Key tasks assigned in the window, not cancelled by D.
    key = window.filter(is_key=True).filter(buckets.counted_q(end))
    key_rows = _task_rows(
        list(
            _lead_and_deadline(key, end)
            .annotate(bucket=buckets.bucket_expression(end))
            .order_by("year", "seq", "pk")
            .values("pk", "code", "title", "lead_then", "deadline_then", "bucket")[
                :ROW_LIMIT
            ]
        )
    )
    key_count = key.count()

    return {
        "counts": {
            "totals": _row_counts(totals),
            "by_agency": [_row_counts(row) for row in counts["by_agency"]],
        },
        "assigned": {"count": totals["total"], "params": base | {"cancelled": "0"}},
        "cancelled": {"count": cancelled, "params": base | {"cancelled": "1"}},
        "completed": {
            "count": done_counts["on_time"] + done_counts["late"],
            "on_time": done_counts["on_time"],
            "late": done_counts["late"],
            "params": completed_params,
            "on_time_params": completed_params | {"bucket": buckets.COMPLETED_ON_TIME},
            "late_params": completed_params | {"bucket": buckets.COMPLETED_LATE},
        },
        "overdue": {
            "count": overdue_counts["count"],
            "urged": overdue_counts["urged"],
            "urgings": overdue_counts["urgings_total"],
            "escalated": overdue_counts["escalated_count"],
            "params": on | {"bucket": buckets.OVERDUE, "sort": "deadline"},
            "rows": overdue_rows,
        },
        "escalations": {"count": escalations},
        "extensions": {
            "count": granted["n"],
            "tasks": granted["tasks"],
            "params": on
            | {"extended_from": start.isoformat(), "extended_to": end.isoformat()},
        },
        "key": {
            "count": key_count,
            "params": base | {"is_key": "1", "cancelled": "0"},
            "rows": key_rows,
        },
    }


# --- proposals --------------------------------------------------------------------


def proposal_figures(body_id: int, period) -> dict:
    from dieuphoi.proposals.models import (
        ConsultationRound,
        Proposal,
        ProposalStep,
        RoundParty,
    )

    start, end = period.start, period.end
    until = task_history.end_of_day(end)
    steps = ProposalStep.objects.filter(proposal=OuterRef("pk")).exclude(to_state="")
    state_then = Coalesce(
        Subquery(
            steps.filter(at__lt=until).order_by("-at", "-id").values("to_state")[:1]
        ),
        Subquery(steps.order_by("at", "id").values("to_state")[:1]),
        F("state"),
    )
    proposals = list(
        Proposal.objects.filter(body_id=body_id, proposed_on__lte=end)
        .annotate(state_then=state_then)
        .order_by("-proposed_on", "-id")
        .values("pk", "title", "state_then", "proposed_on")
    )
    by_state: dict[str, list[dict]] = {}
    for p in proposals:
        by_state.setdefault(p["state_then"], []).append(
            {"id": p["pk"], "title": p["title"], "proposed_on": _iso(p["proposed_on"])}
        )
    states = [
        {"state": s, "count": len(by_state[s]), "rows": by_state[s][:ROW_LIMIT]}
        for s in Proposal.State.values
        if s in by_state
    ]

    answered = [
        RoundParty.Answer.AGREE,
        RoundParty.Answer.AGREE_COMMENTS,
        RoundParty.Answer.DISAGREE,
    ]
    answered_q = Q(parties__answer__in=answered, parties__answered_on__lte=end)
    rounds = (
        ConsultationRound.objects.filter(proposal__body_id=body_id, opened_on__lte=end)
        .filter(
            Q(opened_on__gte=start)
            | Q(closed_on__gte=start, closed_on__lte=end)
            | Q(closed_on__isnull=True)
            | Q(closed_on__gt=end)
        )
        .annotate(
            asked=Count("parties"),
            answered=Count("parties", filter=answered_q),
            on_time=Count("parties", filter=answered_q & Q(parties__late=False)),
            silent=Count(
                "parties",
                filter=Q(
                    parties__answer=RoundParty.Answer.SILENT,
                    closed_on__lte=end,
                ),
            ),
        )
        .order_by("opened_on", "id")
        .values(
            "pk",
            "number",
            "proposal_id",
            "proposal__title",
            "opened_on",
            "deadline",
            "closed_on",
            "asked",
            "answered",
            "on_time",
            "silent",
        )
    )
    round_rows = []
    opened = closed = open_at_end = 0
    answers = dict.fromkeys(("asked", "answered", "on_time", "silent"), 0)
    for r in rounds:
        closed_then = (
            r["closed_on"] if r["closed_on"] and r["closed_on"] <= end else None
        )
        in_window = r["opened_on"] >= start
        opened += in_window
        closed += bool(closed_then and closed_then >= start)
        open_at_end += closed_then is None
        if in_window:
            for name in answers:
                answers[name] += r[name]
        round_rows.append(
            {
                "id": r["pk"],
                "number": r["number"],
                "proposal_id": r["proposal_id"],
                "proposal": r["proposal__title"],
                "opened_on": _iso(r["opened_on"]),
                "deadline": _iso(r["deadline"]),
                "closed_on": _iso(closed_then),
                "asked": r["asked"],
                "answered": r["answered"],
                "on_time": r["on_time"],
                "silent": r["silent"],
            }
        )
    answers["late"] = answers["answered"] - answers["on_time"]
    answers["pending"] = answers["asked"] - answers["answered"] - answers["silent"]
    return {
        "total": len(proposals),
        "by_state": states,
        "rounds": {
            "opened": opened,
            "closed": closed,
            "open_at_end": open_at_end,
            "rows": round_rows[:ROW_LIMIT],
        },
        "answers": answers,
    }


# --- matters ----------------------------------------------------------------------


def _audit_events(model, ids, actions) -> dict[int, list]:
    """The audit events ``actions`` of ``model`` rows ``ids``, per row in
    the order recorded (one query)."""
    from dieuphoi.audit.models import AuditEvent

    out: dict[int, list] = {}
    if not ids:
        return out
    ct = ContentType.objects.get_for_model(model)
    events = (
        AuditEvent.objects.filter(
            target_type=ct,
            target_id__in=[str(pk) for pk in ids],
            action__in=list(actions),
        )
        .order_by("created_at", "id")
        .values_list("target_id", "action", "changes", "created_at")
    )
    for target_id, action, changes, at in events:
        out.setdefault(int(target_id), []).append((action, changes or {}, at))
    return out


def matter_figures(body_id: int, period) -> dict:
    from dieuphoi.matters.models import Matter

    start, end = period.start, period.end
    since, until = _start_of_day(start), task_history.end_of_day(end)
    matters = list(
        Matter.objects.filter(body_id=body_id, raised_on__lte=end)
        .order_by("raised_on", "id")
        .values("pk", "code", "title", "state", "raised_on")
    )
    events = _audit_events(Matter, [m["pk"] for m in matters], ["matters.transition"])
    groups: dict[str, list[dict]] = {
        "opened": [],
        "resolved": [],
        "escalated": [],
        "open_at_end": [],
    }
    for m in matters:
        row = {"id": m["pk"], "code": m["code"], "title": m["title"]}
        trail = events.get(m["pk"], [])
        before = [(c, at) for _a, c, at in trail if at < until]
        after = [(c, at) for _a, c, at in trail if at >= until]
        # The state on D: after the last transition by then; before the
        # first one after it; else (no transition recorded) the current one.
        if before:
            state = (before[-1][0].get("state") or {}).get("after", m["state"])
        elif after:
            state = (after[0][0].get("state") or {}).get("before", m["state"])
        else:
            state = m["state"]
        if start <= m["raised_on"] <= end:
            groups["opened"].append(row)
        actions = {c.get("action") for c, at in before if at >= since}
        if "resolve" in actions:
            groups["resolved"].append(row)
        if "escalate" in actions:
            groups["escalated"].append(row)
        if state in Matter.OPEN_STATES:
            groups["open_at_end"].append(row)
    return {
        name: {"count": len(rows), "rows": rows[:ROW_LIMIT]}
        for name, rows in groups.items()
    }


# --- activities -------------------------------------------------------------------

_HELD_ACTIONS = ("activities.attendance", "activities.conclude")


def activity_figures(body_id: int, period) -> dict:
    from dieuphoi.activities.models import Activity, Conclusion

    start, end = period.start, period.end
    since, until = _start_of_day(start), task_history.end_of_day(end)
    activities = list(
        Activity.objects.filter(
            body_id=body_id, starts_at__gte=since, starts_at__lt=until
        )
        .order_by("starts_at", "id")
        .values("pk", "kind", "title", "state", "starts_at")
    )
    events = _audit_events(
        Activity, [a["pk"] for a in activities], (*_HELD_ACTIONS, "activities.cancel")
    )
    held = []
    for a in activities:
        trail = events.get(a["pk"], [])
        if trail:
            ok = any(act in _HELD_ACTIONS and at < until for act, _c, at in trail)
        else:
            # Recorded without an audit trail (imported): the state decides.
            ok = a["state"] in (Activity.State.HELD, Activity.State.CONCLUDED)
        if ok:
            held.append(a)
    by_kind = []
    for kind in Activity.Kind.values:
        rows = [a for a in held if a["kind"] == kind]
        if rows:
            by_kind.append(
                {
                    "kind": kind,
                    "count": len(rows),
                    "params": {
                        "kind": kind,
                        "body": str(body_id),
                        "when": "all",
                        "date_from": start.isoformat(),
                        "date_to": end.isoformat(),
                    },
                }
            )
    tz = timezone.get_default_timezone()
    rows = [
        {
            "id": a["pk"],
            "kind": a["kind"],
            "title": a["title"],
            "on": timezone.localtime(a["starts_at"], tz).date().isoformat(),
        }
        for a in held
    ]
    conclusions = Conclusion.objects.filter(activity_id__in=[a["pk"] for a in held])
    made = conclusions.aggregate(
        count=Count("pk"),
        converted=Count("pk", filter=Q(converted_at__lt=until)),
    )
    # Tasks carrying out a conclusion, assigned in the window, by bucket on D.
    ct = ContentType.objects.get_for_model(Conclusion)
    follow = Task.objects.filter(
        report_counts.assigned_in(body_id, period), source_type_id=ct.pk
    ).aggregate(
        **{
            name: Count("pk", filter=buckets.bucket_q(name, end, indexed=False))
            for name in buckets.BUCKETS
        }
    )
    follow["total"] = sum(follow[name] for name in buckets.BUCKETS)
    follow["params"] = report_counts.period_params(period) | {
        "source_kind": "activities.conclusion",
        "cancelled": "0",
    }
    return {
        "held": {"count": len(held), "by_kind": by_kind, "rows": rows[:ROW_LIMIT]},
        "conclusions": {"count": made["count"], "converted": made["converted"]},
        "follow_up": follow,
    }


# --- key projects -----------------------------------------------------------------


def keyproject_figures(body_id: int, period) -> dict:
    from dieuphoi.keyprojects.models import Milestone

    start, end = period.start, period.end
    milestones = (
        Milestone.objects.filter(
            project__body_id=body_id, planned_on__gte=start, planned_on__lte=end
        )
        .order_by("planned_on", "id")
        .values(
            "pk",
            "name",
            "planned_on",
            "actual_on",
            "project_id",
            "project__name",
            "responsible_agency__name",
        )
    )
    out = {"due": 0, "on_time": 0, "late": 0, "not_met": 0}
    rows = []
    for m in milestones:
        actual = m["actual_on"] if m["actual_on"] and m["actual_on"] <= end else None
        if actual is None:
            status = "not_met"
        elif actual > m["planned_on"]:
            status = "late"
        else:
            status = "on_time"
        out["due"] += 1
        out[status] += 1
        rows.append(
            {
                "id": m["pk"],
                "name": m["name"],
                "project_id": m["project_id"],
                "project": m["project__name"],
                "agency": m["responsible_agency__name"],
                "planned_on": _iso(m["planned_on"]),
                "actual_on": _iso(actual),
                "status": status,
            }
        )
    out["rows"] = rows[:ROW_LIMIT]
    return out


# --- the whole ----------------------------------------------------------------------


def compile_figures(
    body, period, *, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Every figure of ``body``'s report for ``period`` as of ``period.end``
    (see the module docstring). ``progress(done, total)`` is called after
    each section."""
    body_id = getattr(body, "pk", body)
    steps: list[tuple[str, Callable]] = [
        ("tasks", task_figures),
        ("proposals", proposal_figures),
        ("matters", matter_figures),
        ("activities", activity_figures),
        ("keyprojects", keyproject_figures),
    ]
    total = len(steps)
    figures: dict = {
        "format": FORMAT_VERSION,
        "body": body_id,
        "as_of": period.end.isoformat(),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "period_type": str(period.type),
        "period_key": period.key,
        "rule": [str(part) for part in buckets.rule_key()],
    }
    if progress:
        progress(0, total)
    for done, (name, compute) in enumerate(steps, 1):
        figures[name] = compute(body_id, period)
        if progress:
            progress(done, total)
    figures["contributions"] = {}
    figures["computed_at"] = timezone.now().isoformat()
    return figures
