"""Backfill the dated history of the existing tasks.

- ``TaskStateChange``: the creation (blank → new, on ``assigned_on``), then
  each state change the audit log recorded (events ``tasks.<action>`` whose
  changes have ``"state": {"before", "after"}``), dated the local day of the
  event. Where the log has none, or does not end in the task's current
  state, the missing steps are dated from ``reported_done_on``,
  ``completed_on``, ``cancelled_on`` (else the assigned date).
- ``TaskLeadChange``: each ``tasks.update`` event that changed
  ``lead_agency``.
- ``DeadlineChange.effective_on``: the local day the change was recorded
  (``changed_at``), kept in order per task and not before the assignment.

Dates are clamped so each task's history is in date order, not before the
assignment and not after today. Tasks that already have state changes are
left alone, so running it again writes nothing.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 2000


def _local_date(moment, tz) -> datetime.date:
    return timezone.localtime(moment, tz).date()


def _audit_history(apps, tz):
    """``{task id: ([(date, before, after, actor)], [(date, old, new, actor)])}``
    from the audit log, in event order."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ct = ContentType.objects.filter(app_label="tasks", model="task").first()
    out: dict[int, tuple[list, list]] = {}
    if ct is None:
        return out
    events = (
        AuditEvent.objects.filter(target_type=ct, action__startswith="tasks.")
        .order_by("created_at", "id")
        .values_list("target_id", "created_at", "actor_id", "action", "changes")
    )
    for target_id, created_at, actor_id, action, changes in events.iterator(
        chunk_size=BATCH
    ):
        if not isinstance(changes, dict) or not str(target_id).isdigit():
            continue
        day = _local_date(created_at, tz)
        states, leads = out.setdefault(int(target_id), ([], []))
        state = changes.get("state")
        if isinstance(state, dict) and state.get("after"):
            states.append((day, state.get("before") or "", state["after"], actor_id))
        lead = changes.get("lead_agency")
        if (
            action == "tasks.update"
            and isinstance(lead, dict)
            and isinstance(lead.get("before"), int)
            and isinstance(lead.get("after"), int)
        ):
            leads.append((day, lead["before"], lead["after"], actor_id))
    return out


def _dated_steps(task: dict) -> list[tuple[datetime.date | None, str]]:
    """The steps from "new" to the current state, dated from the columns."""
    state = task["state"]
    steps: list[tuple[datetime.date | None, str]] = []
    if state == "new":
        return steps
    steps.append((None, "in_progress"))
    if state == "extension_requested":
        steps.append((None, "extension_requested"))
    elif state in ("reported_done", "completed"):
        steps.append(
            (task["reported_done_on"] or task["completed_on"], "reported_done")
        )
        if state == "completed":
            steps.append((task["completed_on"], "completed"))
    elif state == "cancelled":
        steps.append((task["cancelled_on"], "cancelled"))
    return steps


def backfill(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    TaskStateChange = apps.get_model("tasks", "TaskStateChange")
    TaskLeadChange = apps.get_model("tasks", "TaskLeadChange")
    DeadlineChange = apps.get_model("tasks", "DeadlineChange")
    Agency = apps.get_model("org", "Agency")
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(timezone.now(), tz).date()

    if not Task.objects.exists():
        return
    audit = _audit_history(apps, tz)
    agencies = set(Agency.objects.values_list("pk", flat=True))
    done = set(TaskStateChange.objects.values_list("task_id", flat=True).distinct())
    fields = (
        "pk",
        "state",
        "assigned_on",
        "assigned_by_id",
        "reported_done_on",
        "completed_on",
        "cancelled_on",
    )
    states, leads = [], []
    for task in Task.objects.order_by("pk").values(*fields).iterator(BATCH):
        if task["pk"] in done:
            continue
        assigned = task["assigned_on"]
        last = assigned

        def clamp(day, floor):
            day = day or floor
            return min(max(day, floor), max(today, floor))

        rows = [("", "new", assigned, task["assigned_by_id"])]
        logged, lead_log = audit.get(task["pk"], ([], []))
        current = "new"
        for day, _before, after, actor_id in logged:
            if after == current:
                continue
            last = clamp(day, last)
            rows.append((current, after, last, actor_id))
            current = after
        if current != task["state"]:
            # The log does not reach the current state: date the rest from
            # the columns (from the start when the log had nothing).
            steps = _dated_steps(task)
            reached = [s for _d, s in steps]
            start = reached.index(current) + 1 if current in reached else 0
            if start == 0 and current != "new" and steps:
                # The log ended off the path (say, extension requested):
                # go straight to the current state, dated like its step.
                steps = steps[-1:]
            for day, to_state in steps[start:]:
                if to_state == current:
                    continue
                last = clamp(day, last)
                rows.append((current, to_state, last, None))
                current = to_state
        for from_state, to_state, on, actor_id in rows:
            states.append(
                TaskStateChange(
                    task_id=task["pk"],
                    from_state=from_state,
                    to_state=to_state,
                    on=on,
                    actor_id=actor_id,
                )
            )
        lead_day = assigned
        for day, old, new, actor_id in lead_log:
            if old == new or old not in agencies or new not in agencies:
                continue
            lead_day = clamp(day, lead_day)
            leads.append(
                TaskLeadChange(
                    task_id=task["pk"],
                    old_agency_id=old,
                    new_agency_id=new,
                    on=lead_day,
                    reason="",
                    actor_id=actor_id,
                )
            )
        if len(states) >= BATCH:
            TaskStateChange.objects.bulk_create(states, batch_size=BATCH)
            states = []
        if len(leads) >= BATCH:
            TaskLeadChange.objects.bulk_create(leads, batch_size=BATCH)
            leads = []
    TaskStateChange.objects.bulk_create(states, batch_size=BATCH)
    TaskLeadChange.objects.bulk_create(leads, batch_size=BATCH)

    # Deadline changes: effective the day they were recorded, in order.
    changes = (
        DeadlineChange.objects.filter(effective_on__isnull=True)
        .order_by("task_id", "changed_at", "id")
        .values_list("pk", "task_id", "changed_at", "task__assigned_on")
    )
    previous: dict[int, datetime.date] = {}
    for pk, task_id, changed_at, assigned in changes.iterator(BATCH):
        floor = previous.get(task_id, assigned)
        day = max(_local_date(changed_at, tz), floor)
        previous[task_id] = day
        DeadlineChange.objects.filter(pk=pk).update(effective_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0006_history"),
        ("audit", "0002_append_only_triggers"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
