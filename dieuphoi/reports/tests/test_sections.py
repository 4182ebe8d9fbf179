"""A section's text becomes the documents engine's blocks: lines are
paragraphs, a run of tab- or ``|``-separated lines is a table; the texts of
a contribution are checked against the request's headings."""

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.paperwork import content as c
from dieuphoi.reports import sections


def test_lines_are_paragraphs_and_blank_lines_vanish():
    blocks = sections.text_to_blocks(
        "  Kết quả nổi bật  \n\n\nĐã hoàn thành 5 nhiệm vụ.\n"
    )
    assert blocks == [
        c.Paragraph(text="Kết quả nổi bật"),
        c.Paragraph(text="Đã hoàn thành 5 nhiệm vụ."),
    ]


def test_a_range_pasted_from_excel_is_a_table_with_its_header():
    text = (
        "Bảng 1\nChỉ tiêu\tKế hoạch\tThực hiện\n Vốn \t100\t 80 \nDự án\t3\t\nSau bảng"
    )
    blocks = sections.text_to_blocks(text)
    assert blocks[0] == c.Paragraph(text="Bảng 1")
    table = blocks[1]
    assert isinstance(table, c.Table)
    assert table.columns == ("Chỉ tiêu", "Kế hoạch", "Thực hiện")
    assert [row.cells for row in table.rows] == [
        ("Vốn", "100", "80"),
        ("Dự án", "3", ""),
    ]
    assert blocks[2] == c.Paragraph(text="Sau bảng")


def test_an_empty_top_left_cell_keeps_the_columns_in_place():
    table = sections.text_to_blocks("\tQuý I\tQuý II\nVốn\t1\t2")[0]
    assert table.columns == ("", "Quý I", "Quý II")
    assert table.rows[0].cells == ("Vốn", "1", "2")


def test_a_typed_table_drops_its_separator_and_pads_short_rows():
    text = "| Sở | Số nhiệm vụ | Ghi chú |\n|---|:---:|---|\n| Sở Xây dựng | 4 |\n"
    table = sections.text_to_blocks(text)[0]
    assert table.columns == ("Sở", "Số nhiệm vụ", "Ghi chú")
    assert [row.cells for row in table.rows] == [("Sở Xây dựng", "4", "")]


def test_one_tabbed_line_is_a_paragraph_and_runs_of_different_kinds_split():
    assert sections.text_to_blocks("Một\tdòng") == [c.Paragraph(text="Một dòng")]
    blocks = sections.text_to_blocks("| a | b |\n| 1 | 2 |\nx\ty\n3\t4")
    assert [type(b) for b in blocks] == [c.Table, c.Table]
    assert blocks[1].columns == ("x", "y")


def test_control_characters_are_dropped_and_text_is_nfc():
    blocks = sections.text_to_blocks("Ha\x00 No\u0323\u0302i\r\nb\x07")
    assert blocks == [c.Paragraph(text="Ha Nội"), c.Paragraph(text="b")]


HEADINGS = [
    {"key": "results", "title": "Kết quả", "required": True, "hint": ""},
    {"key": "issues", "title": "Khó khăn", "required": False, "hint": ""},
]


def test_clean_sections_keeps_known_keys_and_refuses_others_on_the_key():
    assert sections.clean_sections(HEADINGS, {"results": " a\r\nb "}) == {
        "results": " a\nb"
    }
    with pytest.raises(ValidationError) as exc:
        sections.clean_sections(HEADINGS, {"results": "a", "bogus": "x"})
    assert set(exc.value.message_dict) == {"bogus"}
    with pytest.raises(ValidationError) as exc:
        sections.clean_sections(HEADINGS, ["results"])
    assert set(exc.value.message_dict) == {"sections"}
    with pytest.raises(ValidationError) as exc:
        sections.clean_sections(HEADINGS, {"issues": 5})
    assert set(exc.value.message_dict) == {"issues"}


def test_clean_sections_limits_lengths():
    with pytest.raises(ValidationError) as exc:
        sections.clean_sections(HEADINGS, {"results": "x" * (sections.SECTION_MAX + 1)})
    assert set(exc.value.message_dict) == {"results"}
    with pytest.raises(ValidationError) as exc:
        sections.clean_sections(HEADINGS, {"issues": "y" * (sections.LINE_MAX + 1)})
    assert set(exc.value.message_dict) == {"issues"}
    wide = "\t".join(["c"] * (sections.TABLE_COLUMNS_MAX + 1))
    with pytest.raises(ValidationError):
        sections.clean_sections(HEADINGS, {"issues": f"{wide}\n{wide}"})


def test_missing_required():
    assert sections.missing_required(HEADINGS, {"results": "  \n", "issues": "x"}) == [
        "results"
    ]
    assert sections.missing_required(HEADINGS, {"results": "ok"}) == []


def test_clean_headings_makes_keys_and_refuses_bad_input():
    out = sections.clean_headings(
        ["Kết quả", {"title": "Kiến nghị", "required": True, "key": "KIEN-nghi"}]
    )
    assert out == [
        {"key": "s1", "title": "Kết quả", "required": False, "hint": ""},
        {"key": "kien-nghi", "title": "Kiến nghị", "required": True, "hint": ""},
    ]
    for bad in ([], "x", [{"title": ""}], [{"title": "a", "key": "có dấu"}], [5]):
        with pytest.raises(ValidationError) as exc:
            sections.clean_headings(bad)
        assert set(exc.value.message_dict) == {"headings"}
    # Two headings with the same key: the second gets its own.
    twice = sections.clean_headings(
        [{"title": "a", "key": "x"}, {"title": "b", "key": "x"}]
    )
    assert [h["key"] for h in twice] == ["x", "s2"]
