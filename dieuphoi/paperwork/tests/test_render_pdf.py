"""The PDF says the same lines in the same order as the DOCX, laid out alike."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from dieuphoi.paperwork import layout
from dieuphoi.paperwork.render_docx import render_docx
from dieuphoi.paperwork.render_pdf import render_pdf

from .render_samples import (
    KINDS,
    big_report,
    docx_lines,
    in_order,
    key,
    norm,
    pdf_pages,
    sample_annex,
    sample_content,
    sample_table,
)

PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_has_the_docx_lines_in_the_same_order(kind):
    content = sample_content(kind, annexes=[sample_annex()])
    docx = [key(text) for _style, text in docx_lines(render_docx(content))]
    pdf = norm(" ".join(pdf_pages(render_pdf(content))))
    assert len(docx) > 40
    assert in_order(docx, pdf) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_key_lines_in_decree_order(kind):
    content = sample_content(kind)
    lines = [
        "UBND THÀNH PHỐ HÀ NỘI",
        "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        content.reference,
    ]
    if content.layout == "letter":
        lines.append("V/v đôn đốc")
    lines.append("Hà Nội, ngày 05 tháng 3 năm 2026")
    if content.layout == "titled":
        lines += [content.title, content.subject]
    if content.addressees:
        lines.append("Kính gửi:")
    lines += [
        "I. KẾT QUẢ THỰC HIỆN",
        "1. Công tác chỉ đạo, điều hành",
        "a) Về quy hoạch và hạ tầng",
        "STT Nhiệm vụ Cơ quan chủ trì Thời hạn Tiến độ",
        "Nhóm 1: Sở Xây dựng",
        "II. NHIỆM VỤ THỜI GIAN TỚI",
        "Nơi nhận:",
        "- Như trên;",
        "KT. TỔ TRƯỞNG",
        "PHÓ TỔ TRƯỞNG",
        "Nguyễn Văn Hùng",
    ]
    text = norm(" ".join(pdf_pages(render_pdf(content))))
    assert in_order(lines, text) == []
    if content.layout == "titled":
        assert "V/v" not in text


def test_pdf_embeds_the_vietnamese_font():
    reader = PdfReader(io.BytesIO(render_pdf(sample_content("cong-van"))))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None:
                assert "/FontFile2" in descriptor.get_object()
            fonts.add(str(font["/BaseFont"]))
    assert any("LiberationSerif" in f for f in fonts)
    assert any("Bold" in f for f in fonts)
    text = reader.pages[0].extract_text()
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Nông nghiệp và Môi trường" in text


def test_pdf_page_is_a4_portrait():
    page = PdfReader(io.BytesIO(render_pdf(sample_content("bao-cao")))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - 595.28) < 0.5
    assert abs(height - 841.89) < 0.5


def _top_texts(page) -> list[str]:
    """Text drawn in the top margin (above the 20 mm frame)."""
    height = float(page.mediabox.height)
    limit = height - layout.MARGIN_TOP_MM * 72 / 25.4
    found: list[str] = []

    def visit(text, cm, tm, font_dict, font_size):
        y = tm[5] * cm[3] + cm[5] if cm else tm[5]
        if text.strip() and y > limit:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def test_pdf_page_numbers_top_centre_from_page_two():
    content = sample_content("bao-cao")
    content.blocks = [sample_table(120)]
    reader = PdfReader(io.BytesIO(render_pdf(content)))
    assert len(reader.pages) >= 3
    assert _top_texts(reader.pages[0]) == []
    assert _top_texts(reader.pages[1]) == ["2"]
    assert _top_texts(reader.pages[2]) == ["3"]


def test_pdf_draft_mark_on_page_one():
    reader = PdfReader(io.BytesIO(render_pdf(sample_content("bao-cao", draft=True))))
    assert _top_texts(reader.pages[0]) == ["DỰ THẢO"]


def test_pdf_long_table_repeats_its_header_on_every_page():
    content = sample_content("bao-cao")
    content.blocks = [sample_table(120)]
    pages = [norm(t) for t in pdf_pages(render_pdf(content))]
    assert len(pages) >= 3
    header = "STT Nhiệm vụ Cơ quan chủ trì Thời hạn Tiến độ"
    for page in pages[:3]:
        assert header in page
    # Every row is printed once.
    everything = " ".join(pages)
    for i in (1, 60, 120):
        assert everything.count(f"hạng mục {i} ") == 1


def test_pdf_landscape_annex_on_its_own_landscape_pages():
    content = sample_content("bao-cao", annexes=[sample_annex(rows=60)])
    reader = PdfReader(io.BytesIO(render_pdf(content)))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    first_annex = next(
        i for i, p in enumerate(reader.pages) if "Phụ lục I" in (p.extract_text() or "")
    )
    assert first_annex >= 1
    assert all(w < h for w, h in sizes[:first_annex])
    assert all(w > h for w, h in sizes[first_annex:])
    assert len(sizes) > first_annex + 1
    # IV.1: the annex numbers its own pages; its first page shows none.
    assert _top_texts(reader.pages[first_annex]) == []
    assert _top_texts(reader.pages[first_annex + 1]) == ["2"]


def test_pdf_progress_reaches_the_total():
    calls = []
    render_pdf(
        big_report(headings=5, paragraphs=10, tables=1, rows=300),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1][0] == calls[-1][1] > 300
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert len(calls) > 3


@pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm (poppler-utils) is not installed"
)
@pytest.mark.parametrize("kind", ["cong-van", "bao-cao"])
def test_pdf_first_page_renders_with_ink_in_the_header(kind):
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(render_pdf(sample_content(kind)))
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [
                PDFTOPPM,
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(Path(tmp) / "p"),
            ],
            check=True,
            timeout=60,
        )
        image = Image.open(next(Path(tmp).glob("p*.png"))).convert("L")
        width, height = image.size
        # The header band (20-60 mm from the top): both columns have ink.
        top = int(height * 20 / 297)
        bottom = int(height * 60 / 297)
        left = image.crop((int(width * 30 / 210), top, int(width * 100 / 210), bottom))
        right = image.crop(
            (int(width * 105 / 210), top, int(width * 195 / 210), bottom)
        )
        for part in (left, right):
            dark = sum(part.histogram()[:100])
            assert dark > 50
        # The very top (above the margin) is blank on page 1: no page number.
        band = image.crop((0, 0, width, int(height * 15 / 297)))
        assert sum(band.histogram()[:200]) == 0


def test_pdf_heading_never_ends_a_page():
    from dieuphoi.paperwork.content import Heading, Paragraph

    content = sample_content("bao-cao")
    blocks = []
    for i in range(40):
        blocks.append(Heading(f"Tiêu đề số {i + 1}", level=1 + i % 3))
        blocks.append(Paragraph("Nội dung báo cáo chi tiết của mục. " * (3 + i % 5)))
    content.blocks = blocks
    pages = pdf_pages(render_pdf(content))
    assert len(pages) >= 4
    for text in pages[:-1]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        lines = [line for line in lines if not line.isdigit()]  # the page number
        assert "Tiêu đề số" not in lines[-1]


def test_pdf_heading_before_a_long_table_does_not_leave_the_page_empty():
    from dieuphoi.paperwork.content import Heading

    content = sample_content("bao-cao")
    content.blocks = [Heading("Danh mục", level=1), sample_table(120)]
    first = norm(pdf_pages(render_pdf(content))[0])
    # The heading and the start of the table stay on page 1, under the header.
    assert "I. Danh mục" in first
    assert "hạng mục 1 " in first


def test_awkward_content_renders_in_both_formats():
    """Pasted text (control characters, Word's \\v line break, tabs, markup),
    a cell taller than a page, a table without columns, empty parts."""
    from dieuphoi.paperwork.content import Paragraph, Signature, Table, TableRow
    from dieuphoi.paperwork.docx_import import import_docx

    content = sample_content("cong-van")
    content.governing_body = ""
    content.issuer_lines = []
    content.signature = Signature()
    content.recipients = []
    content.blocks = [
        Paragraph("Dòng một\x0bdòng hai\tcột <b>&amp; \x00\x07\x1f hết"),
        Table(columns=(), rows=()),
        Table(
            columns=("A", "B"),
            rows=(TableRow(cells=("rất dài " * 1500, "x\x01y")),),
        ),
    ]
    docx = render_docx(content)
    pdf = render_pdf(content)
    assert pdf.startswith(b"%PDF")
    text = norm(" ".join(pdf_pages(pdf)))
    assert "Dòng một dòng hai cột <b>&amp; hết" in text
    blocks, _annexes = import_docx(docx)
    assert blocks[0] == Paragraph("Dòng một\ndòng hai\tcột <b>&amp;  hết")
    assert blocks[1].rows[0].cells[1] == "xy"
