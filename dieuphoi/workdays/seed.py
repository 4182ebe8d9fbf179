"""Demo data: the 2026 announcements of days off and swapped working days.

``seed_all()`` is picked up by ``manage.py seed_demo``. Idempotent: a date
that already has a row is left as it is (an administrator's change is kept).

Assumptions, to check against the original documents before relying on them:

- Tết Nguyên đán Bính Ngọ 2026: civil servants are off from Saturday
  14/02 to Sunday 22/02/2026 (9 days: the 5 statutory days 16/02-20/02 and
  the two weekends), as announced by the Ministry of Home Affairs and reported
  by the press in October 2025. The ``holidays`` package already gives
  16/02-20/02; the rows restate them with their basis.
- National Day 2026: Monday 31/08/2026 off, swapped with Saturday 22/08/2026
  worked (the ``holidays`` package has the same swap).
- Demo only, not an official announcement: Thursday 31/12/2026 off, swapped
  with Saturday 09/01/2027 worked, so the demo month shows a swap.
"""

from __future__ import annotations

import datetime

from .models import CalendarDay
from .services import calendar_day_set

D = datetime.date
OFF = CalendarDay.Kind.DAY_OFF
WORK = CalendarDay.Kind.WORKING_DAY

TET_2026_BASIS = (
    "Thông báo của Bộ Nội vụ về lịch nghỉ Tết Âm lịch 2026 (giả định theo tin "
    "báo chí 10/2025, cần đối chiếu văn bản gốc)"
)
NATIONAL_DAY_2026_BASIS = (
    "Thông báo của Bộ Nội vụ về lịch nghỉ Quốc khánh 2026 (giả định, cần đối "
    "chiếu văn bản gốc)"
)
DEMO_BASIS = "Dữ liệu minh hoạ (demo), không phải thông báo chính thức"

DAYS_2026: list[tuple[datetime.date, str, str, str]] = [
    *[
        (
            D(2026, 2, day),
            OFF,
            "Nghỉ Tết Nguyên đán Bính Ngọ (nghỉ từ 14/02 đến 22/02/2026)",
            TET_2026_BASIS,
        )
        for day in range(16, 21)
    ],
    (
        D(2026, 8, 22),
        WORK,
        "Làm việc thứ Bảy, bù cho ngày nghỉ thứ Hai 31/08/2026",
        NATIONAL_DAY_2026_BASIS,
    ),
    (
        D(2026, 8, 31),
        OFF,
        "Nghỉ Quốc khánh (hoán đổi với thứ Bảy 22/08/2026)",
        NATIONAL_DAY_2026_BASIS,
    ),
    (
        D(2026, 12, 31),
        OFF,
        "Nghỉ hoán đổi trước Tết Dương lịch 2027 (minh hoạ)",
        DEMO_BASIS,
    ),
    (
        D(2027, 1, 9),
        WORK,
        "Làm việc thứ Bảy, bù cho ngày nghỉ thứ Năm 31/12/2026 (minh hoạ)",
        DEMO_BASIS,
    ),
]


def seed_all() -> list[CalendarDay]:
    """Add the rows above that are missing; returns the rows created."""
    existing = set(
        CalendarDay.objects.filter(date__in=[row[0] for row in DAYS_2026]).values_list(
            "date", flat=True
        )
    )
    created = []
    for date, kind, note, basis in DAYS_2026:
        if date in existing:
            continue
        created.append(
            calendar_day_set(
                actor=None, date=date, kind=kind, note=note, legal_basis=basis
            )
        )
    return created
