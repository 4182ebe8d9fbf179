import datetime

import pytest

from dieuphoi.letters.content import (
    LetterRow,
    document_number,
    place_date_line,
    recipient_lines,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 3, 5), "Hà Nội, ngày 05 tháng 3 năm 2026"),
        (datetime.date(2026, 1, 9), "Hà Nội, ngày 09 tháng 01 năm 2026"),
        (datetime.date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
        (datetime.date(2025, 12, 10), "Hà Nội, ngày 10 tháng 12 năm 2025"),
        (datetime.date(2025, 10, 1), "Hà Nội, ngày 01 tháng 10 năm 2025"),
    ],
)
def test_date_line_has_zeros_before_days_1_to_9_and_months_1_and_2(day, expected):
    assert place_date_line("Hà Nội", day) == expected


@pytest.mark.parametrize(
    ("number", "text"), [(1, "01"), (9, "09"), (10, "10"), (123, "123")]
)
def test_numbers_below_ten_take_a_leading_zero(number, text):
    assert document_number(number) == text


def test_recipients_end_with_a_semicolon_and_the_last_with_a_full_stop():
    assert recipient_lines(["Như trên", " - Lãnh đạo Tổ;", "", "Lưu: VT, TĐP."]) == [
        "- Như trên;",
        "- Lãnh đạo Tổ;",
        "- Lưu: VT, TĐP.",
    ]


def test_an_extended_deadline_shows_the_original_one():
    row = LetterRow(
        position=1,
        code="NV-2025-0001",
        title="x",
        source="",
        deadline=datetime.date(2026, 2, 15),
        original_deadline=datetime.date(2026, 1, 15),
        days_overdue=3,
        urge_count=0,
        progress="0%",
    )
    assert row.deadline_text == "15/02/2026\n(ban đầu: 15/01/2026)"
    same = LetterRow(**{**row.__dict__, "original_deadline": row.deadline})
    assert same.deadline_text == "15/02/2026"
