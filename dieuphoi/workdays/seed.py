"""The announced days off and swapped working days of 2025 and 2026.

``seed_all()`` is picked up by ``manage.py seed_demo``. Idempotent: a date
that already has a row is left as it is (an administrator's change is kept).

Only what an announcing document says is seeded, each row with the
document's number, date, issuer and where it was read. Days the ``holidays``
package derives and no document found here announces (1/1/2025, Hùng Kings'
day and 30/4-1/5 of 2026 with the compensatory Monday 27/04/2026, Vietnam
Cultural Day 24/11/2026, every day of 2027) are not seeded: the calendar
page shows them as "theo Bộ luật Lao động, chưa có thông báo" until an
administrator confirms or amends them.

Sources (read 12/2026):

- Thông báo 6150/TB-BLĐTBXH, 03/12/2024, Bộ Lao động - Thương binh và Xã
  hội (implementing Văn bản 8726/VPCP-KGVX, 26/11/2024): Tết Ất Tỵ from
  Saturday 25/01 to Sunday 02/02/2025, "5 ngày nghỉ Tết và 4 ngày nghỉ hằng
  tuần", so the Tết days are Monday 27/01 to Friday 31/01; 30/4-1/5: Friday
  02/05/2025 swapped with Saturday 26/04/2025, off 30/04 to 04/05/2025;
  National Day: off Saturday 30/08 to Tuesday 02/09/2025 (2 holidays, 2
  weekend days).
- Văn bản 12729/VPCP-KGVX, 25/12/2025, Văn phòng Chính phủ (the Deputy
  Prime Minister agrees with the Ministry of Home Affairs' proposal; the
  Ministry announced it the same day): New Year 2026 off Thursday 01/01 to
  Sunday 04/01/2026, Friday 02/01/2026 swapped with Saturday 10/01/2026.
- Thông báo 9441/TB-BNV, 16/10/2025, Bộ Nội vụ (Tết Âm lịch and National Day
  2026, after the Prime Minister's agreement relayed by the Government
  Office): Tết Bính Ngọ 5 days Monday 16/02 to Friday 20/02/2026 plus 4
  weekend days (14/02-22/02); National Day off Saturday 29/08 to Wednesday
  02/09/2026, Monday 31/08/2026 swapped with Saturday 22/08/2026.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .models import CalendarDay
from .services import calendar_day_set

D = datetime.date
OFF = CalendarDay.Kind.DAY_OFF
WORK = CalendarDay.Kind.WORKING_DAY


@dataclass(frozen=True)
class Announcement:
    number: str
    date: datetime.date
    issuer: str
    url: str
    detail: str = ""


TB_6150_2024 = Announcement(
    number="6150/TB-BLĐTBXH",
    date=D(2024, 12, 3),
    issuer="Bộ Lao động - Thương binh và Xã hội",
    url=(
        "https://thanhhanh.vn/thong-bao-6150-tb-bldtbxh-nam-2024-nghi-tet-am-lich-"
        "nghi-le-quoc-khanh-nghi-le-ngay-chien-thang-30-4-va-ngay-quoc-te-lao-dong-"
        "01-5-nam-2025-doi-voi-can-bo-cong-chuc-vien-chuc-va-nguoi-lao-dong-do-bo-"
        "lao-dong-thuong-binh-va-xa-hoi-ban-hanh.html"
    ),
    detail="Thực hiện Văn bản số 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ",
)
VB_12729_2025 = Announcement(
    number="12729/VPCP-KGVX",
    date=D(2025, 12, 25),
    issuer="Văn phòng Chính phủ",
    url=(
        "https://baohiemxahoi.gov.vn/tintuc/audio/Pages/default.aspx"
        "?CateID=0&ItemID=25908&OtItem=date"
    ),
    detail=(
        "Phó Thủ tướng Phạm Thị Thanh Trà đồng ý phương án của Bộ Nội vụ; "
        "Bộ Nội vụ thông báo cùng ngày"
    ),
)
TB_9441_2025 = Announcement(
    number="9441/TB-BNV",
    date=D(2025, 10, 16),
    issuer="Bộ Nội vụ",
    url=(
        "https://vietbao.vn/bo-noi-vu-thong-bao-lich-nghi-tet-nguyen-dan-va-"
        "quoc-khanh-nam-2026-568329.html"
    ),
    detail="Lịch nghỉ Tết Âm lịch và nghỉ lễ Quốc khánh năm 2026, theo ý kiến Thủ tướng",
)


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


TET_2025 = "Nghỉ Tết Âm lịch Ất Tỵ (nghỉ từ 25/01 đến hết 02/02/2025)"
APRIL_MAY_2025 = "Nghỉ lễ 30/4 và 1/5 (nghỉ từ 30/04 đến hết 04/05/2025)"
NATIONAL_DAY_2025 = "Nghỉ lễ Quốc khánh (nghỉ từ 30/08 đến hết 02/09/2025)"
NEW_YEAR_2026 = "Nghỉ Tết Dương lịch (nghỉ từ 01/01 đến hết 04/01/2026)"
TET_2026 = "Nghỉ Tết Âm lịch Bính Ngọ (nghỉ từ 14/02 đến hết 22/02/2026)"
NATIONAL_DAY_2026 = "Nghỉ lễ Quốc khánh (nghỉ từ 29/08 đến hết 02/09/2026)"

# (date, kind, note, announcement)
DAYS: list[tuple[datetime.date, str, str, Announcement]] = [
    *[
        (day, OFF, TET_2025, TB_6150_2024)
        for day in _days(D(2025, 1, 27), D(2025, 1, 31))
    ],
    (
        D(2025, 4, 26),
        WORK,
        "Làm việc thứ Bảy, hoán đổi với thứ Sáu 02/05/2025",
        TB_6150_2024,
    ),
    (D(2025, 4, 30), OFF, APRIL_MAY_2025, TB_6150_2024),
    (D(2025, 5, 1), OFF, APRIL_MAY_2025, TB_6150_2024),
    (
        D(2025, 5, 2),
        OFF,
        "Nghỉ hoán đổi, làm bù thứ Bảy 26/04/2025 (nghỉ từ 30/04 đến hết 04/05/2025)",
        TB_6150_2024,
    ),
    (D(2025, 9, 1), OFF, NATIONAL_DAY_2025, TB_6150_2024),
    (D(2025, 9, 2), OFF, NATIONAL_DAY_2025, TB_6150_2024),
    (D(2026, 1, 1), OFF, NEW_YEAR_2026, VB_12729_2025),
    (
        D(2026, 1, 2),
        OFF,
        "Nghỉ hoán đổi, làm bù thứ Bảy 10/01/2026 (nghỉ từ 01/01 đến hết 04/01/2026)",
        VB_12729_2025,
    ),
    (
        D(2026, 1, 10),
        WORK,
        "Làm việc thứ Bảy, hoán đổi với thứ Sáu 02/01/2026",
        VB_12729_2025,
    ),
    *[
        (day, OFF, TET_2026, TB_9441_2025)
        for day in _days(D(2026, 2, 16), D(2026, 2, 20))
    ],
    (
        D(2026, 8, 22),
        WORK,
        "Làm việc thứ Bảy, hoán đổi với thứ Hai 31/08/2026",
        TB_9441_2025,
    ),
    (
        D(2026, 8, 31),
        OFF,
        "Nghỉ hoán đổi, làm bù thứ Bảy 22/08/2026 (nghỉ từ 29/08 đến hết 02/09/2026)",
        TB_9441_2025,
    ),
    (D(2026, 9, 1), OFF, NATIONAL_DAY_2026, TB_9441_2025),
    (D(2026, 9, 2), OFF, NATIONAL_DAY_2026, TB_9441_2025),
]


def seed_all() -> list[CalendarDay]:
    """Add the rows above that are missing; returns the rows created."""
    existing = set(
        CalendarDay.objects.filter(date__in=[row[0] for row in DAYS]).values_list(
            "date", flat=True
        )
    )
    created = []
    for date, kind, note, basis in DAYS:
        if date in existing:
            continue
        created.append(
            calendar_day_set(
                actor=None,
                date=date,
                kind=kind,
                note=note,
                basis_number=basis.number,
                basis_date=basis.date,
                basis_issuer=basis.issuer,
                basis_url=basis.url,
                legal_basis=basis.detail,
            )
        )
    return created
