import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobProgress(models.Model):
    """How far a long job has got, for the progress bar of the user who
    started it. ``id`` is the handle the job and the UI share (it survives
    retries, which get new job ids); ``job_id`` is the first job's id in the
    task backend, used to show a crash that the job could not report."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job_id = models.CharField(_("job id"), max_length=64, blank=True, db_index=True)
    label = models.CharField(_("label"), max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True)
    result_url = models.CharField(_("result link"), max_length=500, blank=True)
    failed = models.BooleanField(_("failed"), default=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job progress")
        verbose_name_plural = _("job progress")

    def __str__(self) -> str:
        return f"{self.label or self.job_id} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.finished_at and not self.failed:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class WorkerHeartbeat(models.Model):
    """A ``jobs_worker`` process says it is alive; the reaper reads it."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} {self.hostname}:{self.pid}"
