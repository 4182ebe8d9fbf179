import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def local_today() -> datetime.date:
    """Today in Asia/Ho_Chi_Minh, the date every "as of" question defaults to."""
    return timezone.localdate()


class DatedQuerySet(models.QuerySet):
    def as_of(self, on: datetime.date | None = None):
        """Rows valid on ``on`` (inclusive at both ends; open end = still valid)."""
        on = on or local_today()
        return self.filter(
            Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        )

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        q = Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        if end is not None:
            q &= Q(valid_from__lte=end)
        return self.filter(q)


class DatedModel(models.Model):
    """A versioned row: valid from ``valid_from`` to ``valid_to`` inclusive."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("The end date must be on or after the start date.")}
            )

    def is_valid_on(self, on: datetime.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


def dated_check_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
        name=name,
    )


class VersionStamp(models.Model):
    """A token per name, replaced whenever data a cache depends on change
    (``dieuphoi.core.cache``): ``"tasks"``, ``"registry"``. Read in one
    primary-key query; shared by every process, as the database is."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "core_version_stamp"

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
