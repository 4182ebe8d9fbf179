"""A DOCX made by render_docx and edited in Word reads back into blocks."""

from __future__ import annotations

import copy
import io
import random
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn

from dieuphoi.paperwork.content import Heading, Paragraph, Table, TableRow
from dieuphoi.paperwork.docx_import import import_docx
from dieuphoi.paperwork.render_docx import render_docx

from .render_samples import KINDS, big_report, sample_annex, sample_content


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", list(KINDS))
def test_round_trip_gives_the_same_blocks(kind):
    content = sample_content(
        kind, annexes=[sample_annex(), sample_annex(landscape=False)]
    )
    blocks, annexes = import_docx(render_docx(content))
    assert blocks == content.blocks
    assert annexes == content.annexes


def test_round_trip_of_a_big_report():
    content = big_report(headings=10, paragraphs=20, tables=2, rows=150)
    blocks, annexes = import_docx(render_docx(content))
    assert blocks == content.blocks
    assert annexes == []


def test_round_trip_keeps_multi_line_cells_and_table_options():
    content = sample_content("bao-cao")
    content.blocks = [
        Table(
            columns=("A", "B"),
            rows=(
                TableRow(cells=("một\nhai", "")),
                TableRow(cells=("Nhóm",), group=True),
            ),
            widths=(1.5, 3),
            center=(1,),
            font_size=10,
        )
    ]
    blocks, _annexes = import_docx(render_docx(content))
    assert blocks == content.blocks


def _paragraphs(document, style):
    return [p for p in document.paragraphs if p.style.name == style]


def test_edits_in_word_are_read_back():
    content = sample_content("bao-cao", annexes=[sample_annex()])
    document = Document(io.BytesIO(render_docx(content)))
    body = _paragraphs(document, "Paper Body")
    # Change a paragraph's text.
    body[1].runs[0].text = "Nội dung đã sửa trong Word."
    # Type a new paragraph in Word's Normal style after it.
    new = copy.deepcopy(body[1]._p)
    body[1]._p.addnext(new)
    new_paragraph = type(body[1])(new, body[1]._parent)
    new_paragraph.style = document.styles["Normal"]
    for run in new_paragraph.runs[1:]:
        run._r.getparent().remove(run._r)
    new_paragraph.runs[0].text = "Đoạn mới gõ trong Word."
    # Delete the last paragraph of the main body ("Trân trọng./.").
    assert body[4].text == "Trân trọng./."
    body[4]._p.getparent().remove(body[4]._p)
    # Retitle a heading, number and all.
    heading = _paragraphs(document, "Paper Heading 2")[0]
    heading.runs[0].text = "1. Công tác chỉ đạo"
    # Add a row to the body table (copy of its last row, new text).
    table = document.tables[1]
    last = table._tbl.findall(qn("w:tr"))[-1]
    added = copy.deepcopy(last)
    last.addnext(added)
    for tc, text in zip(
        added.findall(qn("w:tc")),
        ["5", "Nhiệm vụ mới", "Sở Tài chính", "30/06/2026", "0%"],
        strict=True,
    ):
        tc.find(qn("w:p")).find(qn("w:r")).find(qn("w:t")).text = text

    blocks, annexes = import_docx(_save(document))
    expected = list(content.blocks)
    expected[3] = Paragraph("Nội dung đã sửa trong Word.")
    expected.insert(4, Paragraph("Đoạn mới gõ trong Word."))
    expected[2] = Heading("Công tác chỉ đạo", level=2)
    old_table = expected[7]
    assert isinstance(old_table, Table)
    expected[7] = Table(
        columns=old_table.columns,
        rows=(
            *old_table.rows,
            TableRow(cells=("5", "Nhiệm vụ mới", "Sở Tài chính", "30/06/2026", "0%")),
        ),
        widths=old_table.widths,
        center=old_table.center,
        caption=old_table.caption,
    )
    expected.pop()  # "Trân trọng./." deleted
    assert blocks == expected
    assert annexes == content.annexes


def test_word_heading_styles_count_as_headings():
    content = sample_content("bao-cao")
    document = Document(io.BytesIO(render_docx(content)))
    paragraph = _paragraphs(document, "Paper Body")[0]
    paragraph.style = document.styles["Heading 1"]
    blocks, _annexes = import_docx(_save(document))
    assert blocks[0] == Heading(content.blocks[0].text, level=1)


def test_plain_docx_without_paper_styles_reads_its_paragraphs():
    document = Document()
    document.add_heading("Mục tiêu", level=1)
    document.add_paragraph("Đoạn thứ nhất.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "A", "B"
    table.cell(1, 0).text, table.cell(1, 1).text = "1", "2"
    blocks, annexes = import_docx(_save(document))
    assert blocks[0] == Heading("Mục tiêu", level=1)
    assert blocks[1] == Paragraph("Đoạn thứ nhất.")
    assert isinstance(blocks[2], Table)
    assert blocks[2].columns == ("A", "B")
    assert blocks[2].rows == (TableRow(cells=("1", "2")),)
    assert annexes == []


def test_empty_docx_has_no_body():
    with pytest.raises(ValueError):
        import_docx(_save(Document()))


def test_rendered_docx_without_blocks_has_no_body():
    content = sample_content("giay-moi")
    content.blocks = []
    with pytest.raises(ValueError):
        import_docx(render_docx(content))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a zip at all",
        b"PK\x03\x04" + b"\x00" * 100,
        _zip({}),
        _zip({"word/document.xml": b"<not xml"}),
        _zip({"word/document.xml": b"<?xml version='1.0'?><root/>"}),
        _zip(
            {
                "word/document.xml": (
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                    b"<w:body><w:p><w:r><w:t>&e;</w:t></w:r></w:p></w:body></w:document>"
                )
            }
        ),
        _zip({"_rels/.rels": b"garbage", "[Content_Types].xml": b""}),
    ],
)
def test_broken_files_raise_value_error(data):
    with pytest.raises(ValueError):
        import_docx(data)


def test_random_bytes_never_crash():
    rng = random.Random(30)  # noqa: S311 - reproducible test data
    for _i in range(200):
        data = bytes(rng.randrange(256) for _j in range(rng.randrange(1, 400)))
        with pytest.raises(ValueError):
            import_docx(data)


def test_damaged_docx_never_crashes():
    """Flip bytes of a real file: either blocks come back or ValueError."""
    good = render_docx(sample_content("bao-cao"))
    rng = random.Random(2020)  # noqa: S311 - reproducible test data
    for _i in range(60):
        damaged = bytearray(good)
        for _j in range(rng.randrange(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            blocks, _annexes = import_docx(bytes(damaged))
        except ValueError:
            continue
        assert isinstance(blocks, list)


def test_annex_survives_a_deleted_section_break():
    content = sample_content("bao-cao", annexes=[sample_annex(landscape=False)])
    document = Document(io.BytesIO(render_docx(content)))
    body = document.element.body
    for p in body.findall(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        if ppr is not None and ppr.find(qn("w:sectPr")) is not None:
            body.remove(p)
    blocks, annexes = import_docx(_save(document))
    assert blocks == content.blocks
    assert annexes == content.annexes
