"""Writes to the working-day table; each one is audited.

``calendar_day_set(actor=, date=, kind=, note=, legal_basis=)`` adds or
changes the row of a date; ``calendar_day_remove(actor=, day=)`` deletes one.
Only administrators call them (the views and the admin check). They raise
``ValidationError`` with field errors, and write nothing then.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, diff, snapshot

from . import calendar
from .models import CalendarDay

FIELDS = ["date", "kind", "note", "legal_basis"]

ACTION_LABELS = {
    "workdays.day_set": _("Set a day in the working-day calendar"),
    "workdays.day_remove": _("Removed a day from the working-day calendar"),
}


def _check_changes_something(date: datetime.date, kind: str) -> None:
    """Reject rows that can only be typing mistakes: a working day on an
    ordinary weekday, a day off on an ordinary weekend day. Rows that restate
    a built-in holiday or swap are allowed: they carry the announcement's
    legal basis and pin the date if the package changes."""
    names, workdays = (
        calendar.package_holidays(date.year),
        (calendar.package_weekend_workdays(date.year)),
    )
    ordinary = date not in names and date not in workdays
    weekday = date.weekday() < 5
    if kind == CalendarDay.Kind.WORKING_DAY and ordinary and weekday:
        raise ValidationError(
            {
                "kind": gettext(
                    "%(date)s is already a working day; only a weekend day or "
                    "a holiday can be made a working day."
                )
                % {"date": date.strftime("%d/%m/%Y")}
            }
        )
    if kind == CalendarDay.Kind.DAY_OFF and ordinary and not weekday:
        raise ValidationError(
            {
                "kind": gettext("%(date)s is already a day off (a weekend day).")
                % {"date": date.strftime("%d/%m/%Y")}
            }
        )


@transaction.atomic
def calendar_day_set(
    *,
    actor,
    date: datetime.date,
    kind: str,
    note: str = "",
    legal_basis: str = "",
) -> CalendarDay:
    """Create or replace the table row of ``date``."""
    if not isinstance(date, datetime.date):
        raise ValidationError({"date": gettext("Enter a valid date as dd/mm/yyyy.")})
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": gettext("Choose a day off or a working day.")})
    _check_changes_something(date, kind)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(day, FIELDS) if day else {}
    if day is None:
        day = CalendarDay(date=date)
    day.kind = kind
    day.note = (note or "").strip()
    day.legal_basis = (legal_basis or "").strip()
    day.full_clean()
    day.save()
    changes = diff(before, snapshot(day, FIELDS))
    if changes:
        audit_record(
            actor=actor, action="workdays.day_set", target=day, changes=changes
        )
    return day


@transaction.atomic
def calendar_day_remove(*, actor, day: CalendarDay) -> None:
    """Delete ``day``'s row: the date follows the package again."""
    audit_record(
        actor=actor,
        action="workdays.day_remove",
        target=day,
        changes=diff(snapshot(day, FIELDS), {}),
    )
    day.delete()
