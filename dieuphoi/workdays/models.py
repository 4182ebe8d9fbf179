from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day of the calendar fixed by an announcement or by an administrator.

    ``day_off``: a day off (holiday, compensatory or swapped day off), also
    one the package already knows, restated with its basis. ``working_day``:
    a Saturday or Sunday (or a day the package calls a holiday) that is worked
    instead, e.g. a swapped working Saturday. The table wins over the
    ``holidays`` package.

    ``status`` says why the row is there: ``announced`` rows carry the number,
    date and issuer of the announcing document (a database constraint); a
    ``confirmed`` row is a day the package derives from the Labour Code that
    an administrator confirmed without an announcement. A package day with no
    row is "derived, not announced" (``calendar.day_status``).

    Write only through ``services.calendar_day_set`` / ``calendar_day_confirm``
    / ``calendar_day_remove`` (validation and audit); saves and deletes
    refresh ``calendar``'s cache.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        CONFIRMED = "confirmed", _("Confirmed by an administrator")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.CONFIRMED,
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    basis_number = models.CharField(
        _("document number"),
        max_length=80,
        blank=True,
        help_text=_("The announcing document's number, e.g. 9441/TB-BNV."),
    )
    basis_date = models.DateField(_("document date"), null=True, blank=True)
    basis_issuer = models.CharField(
        _("issued by"),
        max_length=255,
        blank=True,
        help_text=_("For example: Bộ Nội vụ; Văn phòng Chính phủ."),
    )
    basis_url = models.URLField(_("source address"), max_length=500, blank=True)
    basis_document = models.ForeignKey(
        "docs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document in the register"),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=255,
        blank=True,
        help_text=_("Further detail of the basis, e.g. the decision it implements."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="announced")
                | (~models.Q(basis_number="") & models.Q(basis_date__isnull=False)),
                name="calendar_day_announced_has_basis",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.get_kind_display()}"


class DailyRun(models.Model):
    """One daily job enqueued for one day: the scheduler's idempotency key.

    Created in the same transaction as the enqueue (database backend), so a
    second ``schedule_daily`` for the same day finds the row and enqueues
    nothing.
    """

    name = models.CharField(_("job name"), max_length=100)
    day = models.DateField(_("day"))
    job_id = models.CharField(_("job id"), max_length=64, blank=True)
    backend = models.CharField(_("job backend"), max_length=50, blank=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "name"]
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        constraints = [
            models.UniqueConstraint(fields=["name", "day"], name="daily_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.day:%d/%m/%Y}"
