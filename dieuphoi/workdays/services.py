"""Writes to the working-day table; each one is audited.

``calendar_day_set(actor=, date=, kind=, note=, basis_number=, basis_date=,
basis_issuer=, basis_url=, basis_document=, legal_basis=)`` adds or changes
(amends) the row of a date: with a document number and date it is
``announced``, without them ``confirmed`` (by the administrator).
``calendar_day_confirm(actor=, date=)`` turns a day the ``holidays`` package
derives (a holiday, or one of its swapped working days) into a ``confirmed``
row with the package's kind and name. ``calendar_day_remove(actor=, day=)``
deletes a row. Only administrators call them (the views and the admin
check). They raise ``ValidationError`` with field errors, and write nothing
then.
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

CONFIRMED_BASIS = "Bộ luật Lao động 2019, Điều 112 (quản trị viên xác nhận)"

FIELDS = [
    "date",
    "kind",
    "status",
    "note",
    "basis_number",
    "basis_date",
    "basis_issuer",
    "basis_url",
    "basis_document",
    "legal_basis",
]

ACTION_LABELS = {
    "workdays.day_set": _("Set a day in the working-day calendar"),
    "workdays.day_remove": _("Removed a day from the working-day calendar"),
    "workdays.day_confirm": _("Confirmed a derived day of the working-day calendar"),
}


def check_changes_something(date: datetime.date, kind: str) -> None:
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


def clean_basis(
    *,
    basis_number: str,
    basis_date,
    basis_issuer: str,
    basis_url: str,
) -> tuple[str, dict]:
    """``(status, fields)``: ``announced`` with a number and a date, else
    ``confirmed``; half a citation is a field error."""
    number = (basis_number or "").strip()
    issuer = (basis_issuer or "").strip()
    url = (basis_url or "").strip()
    if basis_date is not None and not isinstance(basis_date, datetime.date):
        raise ValidationError(
            {"basis_date": gettext("Enter a valid date as dd/mm/yyyy.")}
        )
    if number and basis_date is None:
        raise ValidationError(
            {
                "basis_date": gettext("Give the date of document %(number)s.")
                % {"number": number}
            }
        )
    if basis_date is not None and not number:
        raise ValidationError(
            {"basis_number": gettext("Give the number of the announcing document.")}
        )
    if (issuer or url) and not number:
        raise ValidationError(
            {"basis_number": gettext("Give the number of the announcing document.")}
        )
    status = CalendarDay.Status.ANNOUNCED if number else CalendarDay.Status.CONFIRMED
    return status, {
        "basis_number": number,
        "basis_date": basis_date,
        "basis_issuer": issuer,
        "basis_url": url,
    }


@transaction.atomic
def calendar_day_set(
    *,
    actor,
    date: datetime.date,
    kind: str,
    note: str = "",
    basis_number: str = "",
    basis_date: datetime.date | None = None,
    basis_issuer: str = "",
    basis_url: str = "",
    basis_document=None,
    legal_basis: str = "",
    action: str = "workdays.day_set",
) -> CalendarDay:
    """Create or replace the table row of ``date``.

    With ``basis_number`` and ``basis_date`` the row is ``announced`` ("theo
    thông báo số … ngày …"); without them it is ``confirmed`` by ``actor``.
    """
    if not isinstance(date, datetime.date):
        raise ValidationError({"date": gettext("Enter a valid date as dd/mm/yyyy.")})
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": gettext("Choose a day off or a working day.")})
    check_changes_something(date, kind)
    status, basis = clean_basis(
        basis_number=basis_number,
        basis_date=basis_date,
        basis_issuer=basis_issuer,
        basis_url=basis_url,
    )
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(day, FIELDS) if day else {}
    if day is None:
        day = CalendarDay(date=date)
    day.kind = kind
    day.status = status
    day.note = (note or "").strip()
    for name, value in basis.items():
        setattr(day, name, value)
    day.basis_document = basis_document
    day.legal_basis = (legal_basis or "").strip()
    day.full_clean()
    day.save()
    changes = diff(before, snapshot(day, FIELDS))
    if changes:
        audit_record(actor=actor, action=action, target=day, changes=changes)
    return day


def derived_kind(date: datetime.date) -> str | None:
    """The kind the ``holidays`` package gives ``date`` (``day_off`` for its
    holidays, ``working_day`` for its swapped working weekend days), or None
    for a date it says nothing about."""
    if date in calendar.package_weekend_workdays(date.year):
        return CalendarDay.Kind.WORKING_DAY
    if date in calendar.package_holidays(date.year):
        return CalendarDay.Kind.DAY_OFF
    return None


@transaction.atomic
def calendar_day_confirm(*, actor, date: datetime.date) -> CalendarDay:
    """Confirm a derived day as it is: a ``confirmed`` row with the package's
    kind and name. Refuses a date the package says nothing about and a date
    that already has a row (amend that row instead)."""
    if not isinstance(date, datetime.date):
        raise ValidationError({"date": gettext("Enter a valid date as dd/mm/yyyy.")})
    kind = derived_kind(date)
    if kind is None:
        raise ValidationError(
            {
                "date": gettext(
                    "%(date)s is not a holiday or swapped day of the built-in "
                    "calendar; add it with its announcement instead."
                )
                % {"date": date.strftime("%d/%m/%Y")}
            }
        )
    if CalendarDay.objects.select_for_update().filter(date=date).exists():
        raise ValidationError(
            {
                "date": gettext("%(date)s is already in the table.")
                % {"date": date.strftime("%d/%m/%Y")}
            }
        )
    # Stored text is data, in Vietnamese whatever the actor's UI language.
    if kind == CalendarDay.Kind.WORKING_DAY:
        note = "Ngày làm việc hoán đổi"
    else:
        note = calendar.package_holidays(date.year, "vi").get(date, "")
    return calendar_day_set(
        actor=actor,
        date=date,
        kind=kind,
        note=note,
        legal_basis=CONFIRMED_BASIS,
        action="workdays.day_confirm",
    )


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
