import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.audit.models import AuditEvent
from dieuphoi.workdays import calendar, services
from dieuphoi.workdays.models import CalendarDay
from dieuphoi.workdays.seed import DAYS_2026, seed_all

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


def test_seed_is_idempotent_and_keeps_changes(admin_user):
    created = seed_all()
    assert len(created) == len(DAYS_2026)
    row = CalendarDay.objects.get(date=D(2026, 12, 31))
    services.calendar_day_set(
        actor=admin_user, date=row.date, kind="day_off", note="sửa"
    )
    assert seed_all() == []
    assert CalendarDay.objects.count() == len(DAYS_2026)
    assert CalendarDay.objects.get(date=D(2026, 12, 31)).note == "sửa"
    # The demo swap: Thursday 31/12/2026 off, Saturday 09/01/2027 worked.
    assert not calendar.is_working_day(D(2026, 12, 31))
    assert calendar.is_working_day(D(2027, 1, 9))
