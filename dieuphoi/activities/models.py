"""Joint activities of the region's coordination teams.

- ``Activity``: a meeting of the provincial teams, a Council conference, a
  working session, a field visit, an inspection or a supervision, hosted by
  a coordination body; its time (stored UTC, shown in Asia/Ho_Chi_Minh),
  place or online link, state (``workflow.py``), RFC 5545 ``sequence`` and
  stable ``uid``, response deadline, minutes, the Giấy mời and the Thông báo
  kết luận (``paperwork.Paper``).
- ``AgendaItem``: an ordered item with its presenter (its documents are
  attachments).
- ``Invitee``: a body (another province's team, or the host's own), an
  agency or a person invited; their response and the attendance on the day.
- ``Conclusion``: a conclusion item, converted once into one or more tasks
  (their ``source`` is the conclusion).
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 4000
MINUTES_MAX = 50000


def uid_host() -> str:
    return urlparse(settings.SITE_URL).hostname or "dieuphoi"


class Activity(models.Model):
    class Kind(models.TextChoices):
        JOINT_MEETING = "joint_meeting", _("Joint meeting of the provincial teams")
        COUNCIL_CONFERENCE = "council_conference", _("Council conference")
        WORKING_SESSION = "working_session", _("Working session")
        FIELD_VISIT = "field_visit", _("Field visit")
        INSPECTION = "inspection", _("Inspection")
        SUPERVISION = "supervision", _("Supervision")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        INVITED = "invited", _("Invitations sent")
        HELD = "held", _("Held")
        CONCLUDED = "concluded", _("Concluded")
        CANCELLED = "cancelled", _("Cancelled")

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("host body"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PLANNED
    )
    cancel_reason = models.TextField(
        _("reason for cancelling"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    # RFC 5545 SEQUENCE: bumped when the time, place or title changes or the
    # activity is cancelled, so calendars that imported it update in place.
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    response_deadline = models.DateField(_("answer by"))
    minutes = models.TextField(
        _("minutes"), blank=True, validators=[MaxLengthValidator(MINUTES_MAX)]
    )
    invitation_paper = models.ForeignKey(
        "paperwork.Paper",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invitation (Giấy mời)"),
    )
    conclusions_paper = models.ForeignKey(
        "paperwork.Paper",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("conclusions notice (Thông báo kết luận)"),
    )
    matters = models.ManyToManyField(
        "matters.Matter",
        blank=True,
        related_name="activities",
        verbose_name=_("matters"),
    )
    invited_at = models.DateTimeField(_("invitations sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["starts_at", "id"]),
            models.Index(fields=["body", "starts_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    @property
    def uid(self) -> str:
        return f"activity-{self.pk}@{uid_host()}"

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED


class AgendaItem(models.Model):
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="agenda",
        verbose_name=_("activity"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=500)
    presenter = models.CharField(_("presenter"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["activity", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.activity.get_absolute_url()}#agenda-{self.pk}"


class Invitee(models.Model):
    class Response(models.TextChoices):
        PENDING = "pending", _("Not answered")
        ATTEND = "attend", _("Will attend")
        DELEGATE = "delegate", _("Sends someone else")
        DECLINE = "decline", _("Declines")

    class Attended(models.TextChoices):
        UNKNOWN = "unknown", _("Not recorded")
        YES = "yes", _("Attended")
        NO = "no", _("Absent")

    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="invitees",
        verbose_name=_("activity"),
    )
    body = models.ForeignKey(
        "org.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activity_invitations",
        verbose_name=_("coordination body"),
    )
    agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activity_invitations",
        verbose_name=_("agency"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activity_invitations",
        verbose_name=_("person"),
    )
    response = models.CharField(
        _("response"), max_length=20, choices=Response.choices, default=Response.PENDING
    )
    delegate_name = models.CharField(_("delegate's name"), max_length=200, blank=True)
    delegate_position = models.CharField(
        _("delegate's position"), max_length=200, blank=True
    )
    decline_reason = models.TextField(
        _("reason for declining"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    urge_count = models.PositiveIntegerField(_("urgings"), default=0)
    attended = models.CharField(
        _("attendance"),
        max_length=10,
        choices=Attended.choices,
        default=Attended.UNKNOWN,
    )
    attendee_name = models.CharField(_("who came"), max_length=200, blank=True)
    on_behalf_of = models.CharField(_("on whose behalf"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["activity", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(body__isnull=False, agency__isnull=True, person__isnull=True)
                    | Q(body__isnull=True, agency__isnull=False, person__isnull=True)
                    | Q(body__isnull=True, agency__isnull=True, person__isnull=False)
                ),
                name="invitee_exactly_one_party",
            ),
            models.UniqueConstraint(
                fields=["activity", "body"],
                condition=Q(body__isnull=False),
                name="invitee_body_unique",
            ),
            models.UniqueConstraint(
                fields=["activity", "agency"],
                condition=Q(agency__isnull=False),
                name="invitee_agency_unique",
            ),
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=Q(person__isnull=False),
                name="invitee_person_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.body_id:
            return str(self.body)
        if self.agency_id:
            return str(self.agency)
        return self.person.get_full_name() or self.person.get_username()

    @property
    def party_kind(self) -> str:
        return "body" if self.body_id else "agency" if self.agency_id else "person"


class Conclusion(models.Model):
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="conclusions",
        verbose_name=_("activity"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("conclusion"), validators=[MaxLengthValidator(TEXT_MAX)])
    lead_agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed lead agency"),
    )
    cooperating_agencies = models.ManyToManyField(
        "org.Agency",
        blank=True,
        related_name="+",
        verbose_name=_("co-operating agencies"),
    )
    cooperating_bodies = models.ManyToManyField(
        "org.Body",
        blank=True,
        related_name="+",
        verbose_name=_("other provinces' teams"),
    )
    deadline = models.DateField(_("proposed deadline"), null=True, blank=True)
    converted_at = models.DateTimeField(
        _("turned into tasks at"), null=True, blank=True
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("turned into tasks by"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["activity", "order", "id"]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return f"{self.activity.title} — {self.order}. {text}"

    def get_absolute_url(self) -> str:
        return f"{reverse('activities:detail', args=[self.activity_id])}#conclusion-{self.pk}"

    @property
    def is_converted(self) -> bool:
        return self.converted_at is not None
