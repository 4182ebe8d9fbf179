import datetime
import importlib

import pytest
from django.apps import apps

from dieuphoi.workdays import calendar, services
from dieuphoi.workdays.models import CalendarDay
from dieuphoi.workdays.seed import DAYS, seed_all

pytestmark = pytest.mark.django_db
D = datetime.date


def test_every_seeded_day_names_its_announcing_document():
    created = seed_all()
    assert len(created) == len(DAYS)
    for row in CalendarDay.objects.all():
        assert row.status == CalendarDay.Status.ANNOUNCED
        assert row.basis_number and row.basis_date and row.basis_issuer
        assert row.basis_url.startswith("https://")
        assert row.basis_date < row.date  # announced before the day
        assert row.date.year in (2025, 2026)


def test_the_seed_invents_nothing_for_years_without_an_announcement():
    seed_all()
    assert not CalendarDay.objects.filter(date__year__gte=2027).exists()
    assert "minh hoạ" not in " ".join(
        CalendarDay.objects.values_list("note", flat=True)
    )


def test_the_2026_new_year_swap_is_in_the_calendar():
    assert calendar.is_working_day(D(2026, 1, 2))  # the package alone misses it
    seed_all()
    assert not calendar.is_working_day(D(2026, 1, 2))
    assert calendar.is_working_day(D(2026, 1, 10))
    row = CalendarDay.objects.get(date=D(2026, 1, 2))
    assert (row.basis_number, row.basis_date) == ("12729/VPCP-KGVX", D(2025, 12, 25))


@pytest.mark.parametrize(
    ("date", "working"),
    [
        (D(2025, 1, 27), False),  # Tết Ất Tỵ, 6150/TB-BLĐTBXH
        (D(2025, 1, 31), False),
        (D(2025, 4, 26), True),  # swapped Saturday
        (D(2025, 5, 2), False),
        (D(2025, 9, 1), False),
        (D(2026, 2, 16), False),  # Tết Bính Ngọ, 9441/TB-BNV
        (D(2026, 2, 20), False),
        (D(2026, 8, 22), True),
        (D(2026, 8, 31), False),
        (D(2026, 12, 31), True),  # the old illustrative swap is gone
        (D(2027, 1, 9), False),
    ],
)
def test_seeded_days(date, working):
    seed_all()
    assert calendar.is_working_day(date) is working


def test_seed_is_idempotent_and_keeps_changes(admin_user):
    seed_all()
    services.calendar_day_set(
        actor=admin_user, date=D(2026, 1, 2), kind="day_off", note="sửa"
    )
    assert seed_all() == []
    assert CalendarDay.objects.count() == len(DAYS)
    assert CalendarDay.objects.get(date=D(2026, 1, 2)).note == "sửa"


def test_the_migration_deletes_the_old_unbacked_seed_rows_only():
    migration = importlib.import_module(
        "dieuphoi.workdays.migrations.0003_remove_unbacked_seed_rows"
    )
    for i, basis in enumerate(migration.OLD_SEED_BASES):
        CalendarDay.objects.create(
            date=D(2026, 12, 26) + datetime.timedelta(weeks=i),
            kind="working_day",
            legal_basis=basis,
        )
    CalendarDay.objects.create(
        date=D(2026, 12, 19), kind="working_day", legal_basis="Quyết định của UBND"
    )
    migration.delete_unbacked_seed_rows(apps, None)
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2026, 12, 19)]
