import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.audit.models import AuditEvent
from dieuphoi.workdays import calendar, services
from dieuphoi.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db
D = datetime.date


def test_set_creates_a_row_audits_it_and_the_calendar_follows(admin_user):
    day = services.calendar_day_set(
        actor=admin_user,
        date=D(2026, 12, 12),
        kind="working_day",
        note=" Làm bù ",
        legal_basis="Thông báo 1/TB-BNV",
    )
    assert day.note == "Làm bù"
    assert calendar.is_working_day(D(2026, 12, 12))
    event = AuditEvent.objects.get(action="workdays.day_set")
    assert event.actor == admin_user
    assert event.changes["kind"] == {"before": None, "after": "working_day"}


def test_set_on_an_existing_date_changes_it(admin_user):
    services.calendar_day_set(actor=admin_user, date=D(2026, 2, 16), kind="day_off")
    services.calendar_day_set(
        actor=admin_user, date=D(2026, 2, 16), kind="working_day", note="Trực Tết"
    )
    row = CalendarDay.objects.get()
    assert (row.kind, row.note) == ("working_day", "Trực Tết")
    assert calendar.is_working_day(D(2026, 2, 16))
    assert AuditEvent.objects.filter(action="workdays.day_set").count() == 2


@pytest.mark.parametrize(
    ("date", "kind"),
    [
        (D(2026, 12, 10), "working_day"),  # an ordinary Thursday
        (D(2026, 12, 13), "day_off"),  # an ordinary Sunday
        (D(2026, 12, 10), "holiday"),  # not a kind
        ("10/12/2026", "day_off"),  # not a date
    ],
)
def test_meaningless_rows_are_refused_and_nothing_is_written(admin_user, date, kind):
    with pytest.raises(ValidationError) as excinfo:
        services.calendar_day_set(actor=admin_user, date=date, kind=kind)
    assert set(excinfo.value.message_dict) <= {"kind", "date"}
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.exists()


def test_restating_a_built_in_holiday_is_allowed(admin_user):
    services.calendar_day_set(
        actor=admin_user, date=D(2026, 2, 17), kind="day_off", legal_basis="TB Tết"
    )
    assert CalendarDay.objects.filter(date=D(2026, 2, 17)).exists()


def test_remove_deletes_and_audits(admin_user):
    day = services.calendar_day_set(
        actor=admin_user, date=D(2026, 12, 31), kind="day_off"
    )
    assert not calendar.is_working_day(day.date)
    services.calendar_day_remove(actor=admin_user, day=day)
    assert not CalendarDay.objects.exists()
    assert calendar.is_working_day(D(2026, 12, 31))
    event = AuditEvent.objects.get(action="workdays.day_remove")
    assert event.changes["kind"]["before"] == "day_off"


def test_a_document_number_and_date_make_the_day_announced(admin_user):
    day = services.calendar_day_set(
        actor=admin_user,
        date=D(2026, 1, 2),
        kind="day_off",
        basis_number=" 12729/VPCP-KGVX ",
        basis_date=D(2025, 12, 25),
        basis_issuer="Văn phòng Chính phủ",
    )
    assert day.status == CalendarDay.Status.ANNOUNCED
    assert day.basis_number == "12729/VPCP-KGVX"
    event = AuditEvent.objects.get(action="workdays.day_set")
    assert event.changes["status"]["after"] == "announced"
    assert event.changes["basis_date"]["after"] == "2025-12-25"


def test_without_a_document_the_day_is_confirmed(admin_user):
    day = services.calendar_day_set(
        actor=admin_user, date=D(2026, 1, 2), kind="day_off"
    )
    assert day.status == CalendarDay.Status.CONFIRMED


@pytest.mark.parametrize(
    ("basis", "field"),
    [
        ({"basis_number": "1/TB-BNV"}, "basis_date"),
        ({"basis_date": D(2025, 1, 1)}, "basis_number"),
        ({"basis_issuer": "Bộ Nội vụ"}, "basis_number"),
        ({"basis_number": "1/TB-BNV", "basis_date": "01/01/2025"}, "basis_date"),
    ],
)
def test_half_a_citation_is_a_field_error_and_nothing_is_written(
    admin_user, basis, field
):
    with pytest.raises(ValidationError) as excinfo:
        services.calendar_day_set(
            actor=admin_user, date=D(2026, 1, 2), kind="day_off", **basis
        )
    assert field in excinfo.value.message_dict
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_database_refuses_an_announced_row_without_its_document():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(
            date=D(2026, 1, 2), kind="day_off", status="announced"
        )


def test_confirming_a_derived_holiday_keeps_its_kind_and_audits(admin_user):
    day = services.calendar_day_confirm(actor=admin_user, date=D(2026, 4, 27))
    assert (day.kind, day.status) == ("day_off", "confirmed")
    assert day.note  # the package's name of the day
    assert day.legal_basis == services.CONFIRMED_BASIS
    assert not calendar.is_working_day(D(2026, 4, 27))
    assert AuditEvent.objects.filter(action="workdays.day_confirm").count() == 1


def test_confirming_a_derived_swapped_saturday_makes_a_working_day_row(admin_user):
    day = services.calendar_day_confirm(actor=admin_user, date=D(2026, 8, 22))
    assert day.kind == "working_day"
    assert calendar.is_working_day(D(2026, 8, 22))


@pytest.mark.parametrize("date", [D(2026, 12, 10), D(2026, 12, 12)])
def test_confirming_a_date_the_package_does_not_mark_is_refused(admin_user, date):
    with pytest.raises(ValidationError) as excinfo:
        services.calendar_day_confirm(actor=admin_user, date=date)
    assert "date" in excinfo.value.message_dict
    assert not CalendarDay.objects.exists()


def test_confirming_a_day_that_has_a_row_is_refused(admin_user):
    services.calendar_day_set(
        actor=admin_user, date=D(2026, 4, 27), kind="working_day", note="Làm"
    )
    with pytest.raises(ValidationError):
        services.calendar_day_confirm(actor=admin_user, date=D(2026, 4, 27))
    assert CalendarDay.objects.get().kind == "working_day"


def test_amending_a_derived_holiday_to_a_working_day_cancels_it(admin_user):
    # 24/11/2026 (Vietnam Cultural Day) is a package guess for 2026.
    assert not calendar.is_working_day(D(2026, 11, 24))
    services.calendar_day_set(
        actor=admin_user, date=D(2026, 11, 24), kind="working_day", note="Làm việc"
    )
    assert calendar.is_working_day(D(2026, 11, 24))
