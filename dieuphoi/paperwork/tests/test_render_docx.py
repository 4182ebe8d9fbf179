"""The DOCX layout of every kind of document (Decree 30/2020/NĐ-CP)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm

from dieuphoi.paperwork import layout
from dieuphoi.paperwork.content import Paragraph, Signature
from dieuphoi.paperwork.render_docx import render_docx

from .render_samples import (
    KINDS,
    big_report,
    docx_lines,
    norm,
    sample_annex,
    sample_content,
    sample_table,
)

pytestmark = []


def _open(data: bytes):
    return Document(io.BytesIO(data))


def expected_lines(kind: str) -> list[tuple[str, str]]:
    """(style, text) of the key lines, in reading order."""
    content = sample_content(kind)
    lines = [
        ("Paper Governing Body", "UBND THÀNH PHỐ HÀ NỘI"),
        ("Paper Issuer", "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ"),
        ("Paper Issuer", "CỦA THÀNH PHỐ HÀ NỘI"),
        ("Paper National Title", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("Paper Motto", "Độc lập - Tự do - Hạnh phúc"),
        ("Paper Reference", content.reference),
    ]
    if content.layout == "letter":
        lines.append(("Paper Letter Subject", f"V/v {content.subject}"))
    lines.append(("Paper Place Date", "Hà Nội, ngày 05 tháng 3 năm 2026"))
    if content.layout == "titled":
        lines += [("Paper Title", content.title), ("Paper Subject", content.subject)]
    if len(content.addressees) == 1:
        lines.append(("Paper Addressee", f"Kính gửi: {content.addressees[0]}."))
    elif content.addressees:
        lines.append(("Paper Addressee", "Kính gửi:"))
        lines.append(("Paper Addressee Item", f"- {content.addressees[0]};"))
        lines.append(("Paper Addressee Item", f"- {content.addressees[-1]}."))
    lines += [
        ("Paper Heading 1", "I. KẾT QUẢ THỰC HIỆN"),
        ("Paper Heading 2", "1. Công tác chỉ đạo, điều hành"),
        ("Paper Heading 3", "a) Về quy hoạch và hạ tầng"),
        ("Paper Caption", "Bảng 1. Nhiệm vụ chậm tiến độ"),
        ("Paper Cell Head", "STT"),
        ("Paper Cell Head", "Tiến độ"),
        ("Paper Cell Group", "Nhóm 1: Sở Xây dựng"),
        ("Paper Cell Centre", "1"),
        ("Paper Cell", "Sở Xây dựng"),
        ("Paper Heading 1", "II. NHIỆM VỤ THỜI GIAN TỚI"),
        ("Paper Recipients Head", "Nơi nhận:"),
        ("Paper Recipient", "- Như trên;"),
        ("Paper Recipient", "- Lưu: VT, TĐP."),
        ("Paper Sign", "KT. TỔ TRƯỞNG"),
        ("Paper Sign", "PHÓ TỔ TRƯỞNG"),
        ("Paper Sign", "Nguyễn Văn Hùng"),
    ]
    return lines


def _subsequence_missing(expected, actual) -> list:
    position, missing = 0, []
    for item in expected:
        try:
            position = actual.index(item, position) + 1
        except ValueError:
            missing.append(item)
    return missing


@pytest.mark.parametrize("kind", list(KINDS))
def test_docx_has_every_line_in_order(kind):
    data = render_docx(sample_content(kind))
    lines = [(style, norm(text)) for style, text in docx_lines(data)]
    assert _subsequence_missing(expected_lines(kind), lines) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_docx_titled_kinds_have_no_vv_and_letters_no_title(kind):
    content = sample_content(kind)
    styles = {style for style, _text in docx_lines(render_docx(content))}
    if content.layout == "letter":
        assert "Paper Title" not in styles
        assert "Paper Letter Subject" in styles
    else:
        assert "Paper Letter Subject" not in styles
        assert "Paper Title" in styles
    assert ("Paper Addressee" in styles) == bool(content.addressees)


def test_docx_page_is_a4_with_decree_margins():
    section = _open(render_docx(sample_content("cong-van"))).sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    for margin, mm in (
        (section.top_margin, 20),
        (section.bottom_margin, 20),
        (section.left_margin, 30),
        (section.right_margin, 15),
    ):
        assert abs(margin - Mm(mm)) < Mm(0.1)


def _style_font(document, name):
    font = document.styles[name].font
    return font.size.pt, bool(font.bold), bool(font.italic)


@pytest.mark.parametrize(
    ("style", "size", "bold", "italic"),
    [
        ("Paper Governing Body", 12, False, False),
        ("Paper Issuer", 12, True, False),
        ("Paper National Title", 12, True, False),
        ("Paper Motto", 13, True, False),
        ("Paper Reference", 13, False, False),
        ("Paper Place Date", 13, False, True),
        ("Paper Letter Subject", 12, False, False),
        ("Paper Title", 14, True, False),
        ("Paper Subject", 14, True, False),
        ("Paper Addressee", 14, False, False),
        ("Paper Body", 14, False, False),
        ("Paper Heading 1", 14, True, False),
        ("Paper Heading 2", 14, True, False),
        ("Paper Heading 3", 14, False, True),
        ("Paper Recipients Head", 12, True, True),
        ("Paper Recipient", 11, False, False),
        ("Paper Sign", 14, True, False),
        ("Paper Page Number", 14, False, False),
    ],
)
def test_docx_type_sizes_follow_the_decree(style, size, bold, italic):
    document = _open(render_docx(sample_content("bao-cao")))
    assert _style_font(document, style) == (size, bold, italic)
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_docx_body_is_justified_with_indent_and_spacing():
    fmt = _open(render_docx(sample_content("bao-cao"))).styles["Paper Body"]
    fmt = fmt.paragraph_format
    assert fmt.alignment == 3  # WD_ALIGN_PARAGRAPH.JUSTIFY
    assert abs(fmt.first_line_indent.cm - 1.27) < 0.01
    assert fmt.space_before.pt >= 6
    assert 1 <= fmt.line_spacing <= 1.5


def test_docx_headings_keep_with_next():
    document = _open(render_docx(sample_content("bao-cao")))
    for level in (1, 2, 3):
        assert document.styles[f"Paper Heading {level}"].paragraph_format.keep_with_next


def test_docx_paragraph_options_are_kept():
    content = sample_content("bao-cao")
    content.blocks = [
        Paragraph("Đậm", bold=True),
        Paragraph("Nghiêng", italic=True),
        Paragraph("Giữa", align="center", indent=False),
    ]
    document = _open(render_docx(content))
    body = [p for p in document.paragraphs if p.style.name == "Paper Body"]
    assert [p.text for p in body] == ["Đậm", "Nghiêng", "Giữa"]
    assert body[0].runs[0].bold and not body[0].runs[0].italic
    assert body[1].runs[0].italic
    assert body[2].alignment == 1  # centre
    assert body[2].paragraph_format.first_line_indent == 0


def test_docx_page_numbers_from_page_two():
    document = _open(render_docx(sample_content("bao-cao")))
    section = document.sections[0]
    assert section.different_first_page_header_footer
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml
    assert "PAGE" not in section.first_page_header._element.xml
    paragraph = section.header.paragraphs[0]
    assert paragraph.style.name == "Paper Page Number"
    assert paragraph.style.paragraph_format.alignment == 1  # centred


def test_docx_draft_mark_sits_in_a_box_on_page_one_only():
    document = _open(render_docx(sample_content("bao-cao", draft=True)))
    first = document.sections[0].first_page_header
    assert first.paragraphs[0].text == "DỰ THẢO"
    assert first.paragraphs[0]._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}") is not None
    assert "DỰ THẢO" not in document.sections[0].header._element.xml
    plain = _open(render_docx(sample_content("bao-cao")))
    assert "DỰ THẢO" not in plain.sections[0].first_page_header._element.xml


def test_docx_rules_under_issuer_motto_and_subject():
    document = _open(render_docx(sample_content("bao-cao")))
    rules = [
        p
        for p in document.element.body.iter(qn("w:p"))
        if _style(document, p) == "Paper Rule"
    ]
    assert len(rules) == 3  # issuer, motto, subject
    for rule in rules:
        assert rule.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:top')}") is not None
    letter = _open(render_docx(sample_content("cong-van")))
    rules = [
        p
        for p in letter.element.body.iter(qn("w:p"))
        if _style(letter, p) == "Paper Rule"
    ]
    assert len(rules) == 2  # no subject rule under a V/v line


def _style(document, p):
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return (
        document.styles.get_by_id(style.get(qn("w:val")), 1).name
        if style is not None
        else ""
    )


def test_docx_header_and_closing_are_two_column_tables():
    document = _open(render_docx(sample_content("cong-van")))
    header, body_table, closing = document.tables
    assert len(header.columns) == 2
    assert header.cell(0, 0).paragraphs[0].text == "UBND THÀNH PHỐ HÀ NỘI"
    assert header.cell(0, 1).paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert closing.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert closing.cell(0, 1).paragraphs[0].text == "KT. TỔ TRƯỞNG"
    assert closing.cell(0, 1).paragraphs[-1].text == "Nguyễn Văn Hùng"
    caption = body_table._tbl.tblPr.find(qn("w:tblCaption"))
    assert caption.get(qn("w:val")) == layout.BODY_TABLE_MARK


def test_docx_signature_without_authority():
    content = sample_content("giay-moi")
    content.signature = Signature(title="TỔ TRƯỞNG", name="Trần Minh Đức")
    closing = _open(render_docx(content)).tables[-1]
    texts = [p.text for p in closing.cell(0, 1).paragraphs if p.text]
    assert texts == ["TỔ TRƯỞNG", "Trần Minh Đức"]


def test_docx_single_addressee_on_one_line():
    lines = docx_lines(render_docx(sample_content("to-trinh")))
    assert ("Paper Addressee", "Kính gửi: Ủy ban nhân dân Thành phố.") in lines


def test_docx_landscape_annex_gets_its_own_landscape_section():
    content = sample_content(
        "bao-cao", draft=True, annexes=[sample_annex(), sample_annex(landscape=False)]
    )
    document = _open(render_docx(content))
    assert len(document.sections) == 3
    main, wide, tall = document.sections
    assert main.orientation == WD_ORIENT.PORTRAIT
    assert wide.orientation == WD_ORIENT.LANDSCAPE
    assert wide.page_width > wide.page_height
    assert abs(wide.page_width - Mm(297)) < Mm(0.1)
    assert tall.orientation == WD_ORIENT.PORTRAIT
    # IV.1: an annex numbers its pages from 1.
    assert wide._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    # Its first page has no page number and no draft mark; later pages do.
    assert not wide.first_page_header.is_linked_to_previous
    assert "PAGE" not in wide.first_page_header._element.xml
    assert "DỰ THẢO" not in wide.first_page_header._element.xml
    assert wide.header.is_linked_to_previous
    # The annex table fills the landscape text width (252 mm).
    annex_table = document.tables[-2]
    grid = annex_table._tbl.tblGrid.findall(qn("w:gridCol"))
    width_mm = sum(int(g.get(qn("w:w"))) for g in grid) * 25.4 / 1440
    assert abs(width_mm - layout.text_width_mm(landscape=True)) < 1
    titles = [
        p.text for p in document.paragraphs if p.style.name == "Paper Annex Title"
    ]
    assert titles == ["Phụ lục I", "Phụ lục I"]


def test_docx_long_table_repeats_its_header_row():
    content = sample_content("bao-cao")
    content.blocks = [sample_table(120)]  # about three pages
    document = _open(render_docx(content))
    table = document.tables[1]
    rows = table._tbl.findall(qn("w:tr"))
    assert len(rows) == 121
    assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert all(r.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None for r in rows[1:])
    # Relative widths (1, 6, 3, 2, 3) scaled to the 165 mm text width.
    grid = [int(g.get(qn("w:w"))) * 25.4 / 1440 for g in table._tbl.tblGrid]
    assert abs(sum(grid) - 165) < 1
    assert abs(grid[1] / grid[0] - 6) < 0.05


def test_docx_table_font_size_override():
    content = sample_content("bao-cao")
    table = sample_table(2)
    content.blocks = [type(table)(**{**table.__dict__, "font_size": 9})]
    document = _open(render_docx(content))
    sizes = {
        r.font.size.pt for r in document.tables[1].rows[1].cells[1].paragraphs[0].runs
    }
    assert sizes == {9}


def test_docx_progress_reaches_the_total():
    calls = []
    render_docx(
        big_report(headings=5, paragraphs=10, tables=1, rows=300),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1][0] == calls[-1][1] > 300
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert len(calls) > 3
