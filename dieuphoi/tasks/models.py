"""Tasks (nhiệm vụ) assigned by a coordination body to exactly one lead agency.

State and bucket are separate: the state is the workflow position; the
official bucket (completed on time / late, in progress within deadline,
overdue) derives from dates and is computed in SQL (selectors.annotate_buckets).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sector(models.Model):
    """Lĩnh vực: list from domain.md §8."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# Sort key of tasks without a deadline: after every real deadline.
NO_DEADLINE_KEY = datetime.date(9999, 12, 31)


class Task(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        REPORTED_DONE = "reported_done", _("Reported done, awaiting confirmation")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Recurrence(models.TextChoices):
        NONE = "", _("One-off")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    OPEN_STATES = (
        State.NEW,
        State.IN_PROGRESS,
        State.EXTENSION_REQUESTED,
        State.REPORTED_DONE,
    )

    code = models.CharField(_("code"), max_length=30)
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    title = models.CharField(pgettext_lazy("task", "title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("assigning body"),
    )
    source_document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("source document"),
    )
    source_text = models.CharField(_("source"), max_length=500, blank=True)
    # The record the task carries out, when it is one of ours: a proposal in
    # implementation, a meeting's conclusion, an inspection's finding
    # (``dieuphoi.tasks.sources``).
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source record type"),
    )
    source_id = models.PositiveBigIntegerField(
        _("source record"), null=True, blank=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_on = models.DateField(_("assigned on"))
    lead_agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="lead_tasks",
        verbose_name=_("lead agency"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tasks",
        verbose_name=_("owner"),
    )
    sector = models.ForeignKey(
        Sector,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("sector"),
    )
    provinces = models.ManyToManyField(
        "org.AdministrativeUnit",
        blank=True,
        related_name="tasks",
        verbose_name=_("provinces concerned"),
    )
    is_key = models.BooleanField(_("key task"), default=False)
    # deadline NULL = no deadline (or recurring, see ``recurrence``).
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    recurrence = models.CharField(
        _("recurrence"),
        max_length=20,
        choices=Recurrence.choices,
        blank=True,
        default=Recurrence.NONE,
    )
    state = models.CharField(
        _("state"), max_length=30, choices=State.choices, default=State.NEW
    )
    # The date the lead agency reported the work done (set by ``report_done``,
    # cleared by ``reopen``); ``confirm`` copies it to ``completed_on`` so
    # on-time is judged by when the work was done, not when it was confirmed.
    reported_done_on = models.DateField(_("reported done on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    # When the task was cancelled: "as of" views count it as open before then.
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("urging count"), default=0)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    # Denormalised from the latest ProgressUpdate so lists need no subquery.
    last_update_on = models.DateField(_("last update"), null=True, blank=True)
    last_update_text = models.CharField(_("latest update"), max_length=300, blank=True)
    # Case-folded code, title and latest update, with and without diacritics
    # (``compute_search_text``), written by the services: SQLite folds case
    # for ASCII only, so free-text search compares this column.
    search_text = models.TextField(editable=False, blank=True, default="")
    # Deadline with "no deadline" as the far future: a non-null sort key, so
    # the list's keyset pagination walks one index on both databases.
    deadline_key = models.GeneratedField(
        expression=Coalesce("deadline", Value(NO_DEADLINE_KEY)),
        output_field=models.DateField(),
        db_persist=True,
    )
    # 1 when the state is open (new, in progress, extension requested,
    # reported done), else 0: an indexable flag. SQLite cannot match a partial
    # index against a query's bound parameters, and Django writes a boolean
    # column as a bare term that SQLite's planner does not use for an index
    # equality; an integer compared with ``= 1`` works on both databases.
    is_open = models.GeneratedField(
        expression=Case(
            When(
                state__in=[
                    "new",
                    "in_progress",
                    "extension_requested",
                    "reported_done",
                ],
                then=Value(1),
            ),
            default=Value(0),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-assigned_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "seq"], name="task_code_unique_per_body_year"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="task_progress_max_100"
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True)
                | Q(deadline__gte=models.F("assigned_on")),
                name="task_deadline_after_assigned",
            ),
            # The buckets rely on these: a completed task has its completion
            # date, a cancelled one its cancellation date.
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(completed_on__isnull=False),
                name="task_completed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_on__isnull=False),
                name="task_cancelled_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["body", "state", "deadline"]),
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["lead_agency", "state", "deadline"]),
            # Newest first (the default sort), and the tasks a body assigned
            # in a period counted by bucket and lead agency (reports,
            # scorecards): the columns after ``id`` cover those counts, so
            # a year's 32,000 tasks are counted from the index alone.
            models.Index(
                fields=[
                    "body",
                    "-assigned_on",
                    "-id",
                    "lead_agency",
                    "sector",
                    "state",
                    "deadline",
                    "completed_on",
                    "cancelled_on",
                ],
                name="task_body_assigned_cover",
            ),
            # Keyset pages sorted by deadline (both directions).
            models.Index(
                fields=["body", "deadline_key", "id"], name="task_body_deadline_key"
            ),
            models.Index(
                fields=["lead_agency", "deadline_key", "id"],
                name="task_lead_deadline_key",
            ),
            # Open tasks by deadline: overdue, within deadline, due soon.
            models.Index(
                fields=["body", "is_open", "deadline_key", "id"],
                name="task_body_open_deadline",
            ),
            # Open tasks newest first (the default sort) filtered by bucket:
            # deadline_key rides along so the filter reads no table rows.
            models.Index(
                fields=["body", "is_open", "-assigned_on", "-id", "deadline_key"],
                name="task_body_open_assigned",
            ),
            models.Index(fields=["deadline", "id"]),
            models.Index(fields=["sector", "state"]),
            # Covers the summary's grouped counts (and "my work" counts): a
            # scan of this index reads no table rows and needs no sort.
            models.Index(
                fields=[
                    "body",
                    "lead_agency",
                    "sector",
                    "state",
                    "deadline",
                    "completed_on",
                    "cancelled_on",
                    "assigned_on",
                    "progress",
                ],
                name="task_summary_cover",
            ),
            # The summary cache's stamp: MAX(updated_at) is one index look-up.
            models.Index(fields=["updated_at"], name="task_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title[:80]}"

    @property
    def deadline_extended(self) -> bool:
        return self.extension_count > 0

    def compute_search_text(self) -> str:
        return self.search_text_of(self.code, self.title, self.last_update_text)

    @staticmethod
    def search_text_of(code: str, title: str, last_update_text: str) -> str:
        """``search_text`` for these values (bulk inserts use it directly).

        Free text is a substring of it (``tasks.search``); lines are joined
        by a newline, which ``fold`` removes from any needle, so no match
        spans the folded and the plain line.
        """
        from dieuphoi.docs.models import fold, strip_diacritics

        folded = fold(" | ".join([code, title, last_update_text]))
        plain = strip_diacritics(folded)
        return folded if plain == folded else f"{folded}\n{plain}"


class TaskPart(models.Model):
    """A co-operating party (đơn vị phối hợp), with its optional own part.

    The party is either an agency (a Hanoi agency, another province's agency
    or a ministry) or a body (another province's coordination team): exactly
    one of ``agency`` and ``body`` is set (check constraint). Code that only
    knows agencies keeps working for agency parties; ``party`` and
    ``party_name`` work for both.
    """

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="parts", verbose_name=_("task")
    )
    agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cooperating_parts",
        verbose_name=_("co-operating agency"),
    )
    body = models.ForeignKey(
        "org.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="task_parts",
        verbose_name=_("co-operating coordination team"),
    )
    description = models.CharField(_("part"), max_length=500, blank=True)
    deadline = models.DateField(_("sub-deadline"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-operating party")
        verbose_name_plural = _("co-operating parties")
        ordering = ["task", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency"], name="task_part_agency_unique"
            ),
            models.UniqueConstraint(
                fields=["task", "body"], name="task_part_body_unique"
            ),
            models.CheckConstraint(
                condition=(Q(agency__isnull=False) & Q(body__isnull=True))
                | (Q(agency__isnull=True) & Q(body__isnull=False)),
                name="task_part_one_party",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="task_part_progress_max_100"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "task"]),
            models.Index(fields=["body", "task"], name="task_part_body_task_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} — {self.party_name}"

    @property
    def party(self):
        """The co-operating agency or coordination team."""
        return self.agency if self.agency_id is not None else self.body

    @property
    def party_name(self) -> str:
        party = self.party
        return "" if party is None else str(party)

    @property
    def party_full_name(self) -> str:
        party = self.party
        return "" if party is None else party.name

    @property
    def party_code(self) -> str:
        if self.agency_id is not None:
            return self.agency.code or str(self.agency)
        return self.body.short_name or self.body.key if self.body else ""

    @property
    def party_key(self) -> tuple[str, int]:
        """``("agency", id)`` or ``("body", id)``: the party's identity."""
        if self.agency_id is not None:
            return ("agency", self.agency_id)
        return ("body", self.body_id)


class ProgressUpdate(models.Model):
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="updates", verbose_name=_("task")
    )
    part = models.ForeignKey(
        TaskPart,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("part"),
    )
    agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agency"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    reported_on = models.DateField(_("date"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    text = models.TextField(_("narrative"))
    reason = models.CharField(
        _("reason for lowering the progress"), max_length=500, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="progress_update_percent_max_100"
            ),
        ]
        indexes = [models.Index(fields=["task", "-reported_on", "-id"])]

    def __str__(self) -> str:
        return f"{self.task.code} {self.percent}%"


class DeadlineChange(models.Model):
    """Each change of a task's deadline; the original stays on the task."""

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="deadline_changes",
        verbose_name=_("task"),
    )
    old_deadline = models.DateField(_("old deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # The local day the new deadline took effect (the decision's date): the
    # deadline in force on D is the last change effective on or before D.
    effective_on = models.DateField(_("effective on"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["-changed_at", "-id"]
        # "Tasks with a change after D" (history.changed_after_q): a range.
        indexes = [
            models.Index(
                fields=["effective_on", "task"], name="deadline_change_on_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task.code}: {self.old_deadline} → {self.new_deadline}"


class ExtensionRequest(models.Model):
    """A lead agency's request for a later deadline (đề nghị gia hạn), and the
    leader's decision on it.

    While a request is pending the task is in ``extension_requested``; the
    state it had before is kept in ``previous_state`` and restored by the
    decision (or a withdrawal). An approval changes the deadline through the
    task's deadline-change path: ``Task.original_deadline`` stays, the
    change is counted and recorded as a ``DeadlineChange``. At most one
    request per task is pending (partial unique constraint).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        APPROVED_OTHER_DATE = "approved_other_date", _("Approved with another date")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    APPROVED_STATES = (State.APPROVED, State.APPROVED_OTHER_DATE)

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="extension_requests",
        verbose_name=_("task"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requesting agency"),
    )
    # Set for a co-operating party's request to move its own sub-deadline;
    # such a request leaves the task's state and deadline alone.
    part = models.ForeignKey(
        TaskPart,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="extension_requests",
        verbose_name=_("co-operating part"),
    )
    current_deadline = models.DateField(_("deadline when requested"))
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    # The task's state before the request; the decision returns it there.
    previous_state = models.CharField(
        _("state before the request"), max_length=30, choices=Task.State.choices
    )
    state = models.CharField(
        _("state"), max_length=30, choices=State.choices, default=State.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    approved_deadline = models.DateField(_("approved deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(state="pending", part__isnull=True),
                name="extension_request_one_pending_per_task",
            ),
            models.UniqueConstraint(
                fields=["part"],
                condition=Q(state="pending", part__isnull=False),
                name="extension_request_one_pending_per_part",
            ),
            models.CheckConstraint(
                condition=Q(requested_deadline__gt=models.F("current_deadline")),
                name="extension_request_later_deadline",
            ),
            # An approval has its date; anything else has none.
            models.CheckConstraint(
                condition=(
                    Q(
                        state__in=["approved", "approved_other_date"],
                        approved_deadline__isnull=False,
                    )
                    | (
                        ~Q(state__in=["approved", "approved_other_date"])
                        & Q(approved_deadline__isnull=True)
                    )
                ),
                name="extension_request_approval_has_date",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_on__isnull=False),
                name="extension_request_decision_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["task", "-created_at", "-id"]),
            # The leaders' inbox: pending requests, oldest first.
            models.Index(fields=["state", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.task.code}: {self.current_deadline} → {self.requested_deadline}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class TaskStateChange(models.Model):
    """Each state a task entered, dated: "as of D" reads the last change on
    or before D, so a later event never rewrites a past day's figures.

    Written by the services in the same transaction as the change (the
    creation writes the first row, ``from_state`` blank). ``on`` is the local
    day the change took effect.
    """

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="state_changes",
        verbose_name=_("task"),
    )
    from_state = models.CharField(
        _("from state"), max_length=30, choices=Task.State.choices, blank=True
    )
    to_state = models.CharField(
        _("to state"), max_length=30, choices=Task.State.choices
    )
    on = models.DateField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["task", "on", "id"]
        indexes = [
            models.Index(fields=["task", "on", "id"]),
            # "Tasks with a change after D" (history.changed_after_q): a range.
            models.Index(fields=["on", "task"], name="state_change_on_task"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_state} → {self.to_state} ({self.on})"


class TaskLeadChange(models.Model):
    """Each change of a task's lead agency (a handover on an agency
    succession, or an edit), dated: the lead of record on D is the
    ``new_agency`` of the last change on or before D, else the first
    change's ``old_agency``, else the task's lead agency."""

    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        related_name="lead_changes",
        verbose_name=_("task"),
    )
    old_agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("previous lead agency"),
    )
    new_agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new lead agency"),
    )
    on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lead agency change")
        verbose_name_plural = _("lead agency changes")
        ordering = ["task", "on", "id"]
        indexes = [
            models.Index(fields=["task", "on", "id"]),
            # "Tasks with a change after D" (history.changed_after_q): a range.
            models.Index(fields=["on", "task"], name="lead_change_on_task"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.task_id}: {self.old_agency_id} → {self.new_agency_id} ({self.on})"
        )
