from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An announced exception to the package calendar for one date.

    ``day_off``: an extra day off (holiday, compensatory day off) on a day that
    would otherwise be worked. ``working_day``: a Saturday or Sunday (or a day
    the package calls a holiday) that is worked instead, e.g. a swapped
    working Saturday. The table wins over the ``holidays`` package.

    Write only through ``services.calendar_day_set`` / ``calendar_day_remove``
    (validation and audit); saves and deletes refresh ``calendar``'s cache.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=255,
        blank=True,
        help_text=_("The announcement, e.g. Thông báo số 6150/TB-BNV."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

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
