"""The issued letter's files, laid out by the documents engine
(``dieuphoi.paperwork``), opened as a reader would: the DOCX with
python-docx, the PDF with a text extractor (pypdf)."""

import datetime
import io
import shutil
import subprocess
import unicodedata

import docx
import pypdf
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from dieuphoi.letters import services
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PDFTOPPM = shutil.which("pdftoppm")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def letter_on(today):
    """The latest 3 February not after today: a day and a month below 10 and 3."""
    year = today.year if (today.month, today.day) >= (2, 3) else today.year - 1
    return datetime.date(year, 2, 3)


@pytest.fixture
def letter(profile, secretariat, member_agency, make_task, letter_on, issue_letter):
    tasks = [
        make_task(
            days=days,
            on=letter_on,
            code=f"NV-2025-{i:04d}",
            title=f"Hoàn thiện đề án kết nối hạ tầng vùng số {i}",
            urge_count=i % 4,
            progress=10 * i,
            last_update_on=letter_on - datetime.timedelta(days=2),
            last_update_text="Đang lấy ý kiến các sở, ngành",
            source_text="Kết luận số 15/KL-TĐP",
        )
        for i, days in enumerate([30, 12, 5], 1)
    ]
    # An extended deadline shows the original one too.
    tasks[0].original_deadline = tasks[0].deadline - datetime.timedelta(days=31)
    tasks[0].extension_count = 1
    tasks[0].save()
    draft = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=letter_on, agency=member_agency
    )
    return issue_letter(draft, on=letter_on)


def file_bytes(letter, content_type: str) -> bytes:
    attachment = letter.document.attachments.get(content_type=content_type)
    with attachment.file.open("rb") as handle:
        return handle.read()


def open_docx(letter):
    return docx.Document(io.BytesIO(file_bytes(letter, DOCX)))


def cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def pdf_text(letter) -> tuple[list[str], pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(file_bytes(letter, "application/pdf")))
    pages = [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]
    return pages, reader


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


# --- DOCX --------------------------------------------------------------------------


def test_docx_page_is_a4_portrait_with_decree_margins(letter):
    section = open_docx(letter).sections[0]

    # Word stores twentieths of a point: compare to the tenth of a millimetre.
    def mm(length):
        return round(length.mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20, 20)
    assert (mm(section.left_margin), mm(section.right_margin)) == (30, 15)


def test_docx_numbers_pages_at_the_top_from_page_two(letter):
    section = open_docx(letter).sections[0]
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER or (
        header.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    )
    instructions = [el.text for el in header._p.iter(qn("w:instrText"))]
    assert instructions == [" PAGE "]
    assert section.first_page_header.paragraphs[0].text == ""


def test_docx_is_set_in_times_new_roman(letter):
    normal = open_docx(letter).styles["Normal"]
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert normal.font.name == "Times New Roman"
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"


def test_docx_header_has_the_national_title_issuer_number_and_date(letter, letter_on):
    header = open_docx(letter).tables[0]
    left, right = header.rows[0].cells
    assert cell_lines(left) == ["UBND THÀNH PHỐ HÀ NỘI", "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ"]
    assert cell_lines(right) == [NATIONAL_TITLE, MOTTO]
    number, date = header.rows[1].cells
    assert cell_lines(number) == [
        "Số: 01/TĐP",
        "V/v đôn đốc thực hiện nhiệm vụ quá hạn",
    ]
    assert cell_lines(date) == [f"Hà Nội, ngày 03 tháng 02 năm {letter_on.year}"]
    # Decree 30 type: title bold caps 12, motto bold 13, date italic 13.
    title, motto = (p for p in right.paragraphs if p.text)
    assert (title.style.font.bold, title.style.font.size) == (True, Pt(12))
    assert (motto.style.font.bold, motto.style.font.size) == (True, Pt(13))
    date_style = date.paragraphs[0].style
    assert (date_style.font.italic, date_style.font.size) == (True, Pt(13))
    issuer = left.paragraphs[1]
    assert issuer.style.font.bold


def test_docx_addresses_the_agency_and_justifies_the_text(letter):
    document = open_docx(letter)
    texts = [p.text for p in document.paragraphs]
    assert "Kính gửi: Sở Xây dựng." in texts
    body = next(p for p in document.paragraphs if p.text.startswith("Thực hiện"))
    fmt = body.style.paragraph_format
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert fmt.first_line_indent == Cm(1.27)
    assert fmt.space_before >= Pt(6)
    assert body.style.font.size == Pt(14)
    assert "Sở Xây dựng còn 03 nhiệm vụ" in body.text


def test_docx_table_has_one_row_per_overdue_task(letter, letter_on):
    table = open_docx(letter).tables[1]
    head, *rows = table.rows
    assert [c.text for c in head.cells] == [
        "STT",
        "Mã nhiệm vụ",
        "Nội dung nhiệm vụ",
        "Văn bản giao",
        "Thời hạn",
        "Số ngày làm việc quá hạn",
        "Số lần đôn đốc",
        "Tiến độ, kết quả gần nhất",
    ]
    # The header row repeats on every page.
    assert head._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [[c.text for c in row.cells][:2] for row in rows] == [
        ["1", "NV-2025-0001"],
        ["2", "NV-2025-0002"],
        ["3", "NV-2025-0003"],
    ]
    first = [c.text for c in rows[0].cells]
    deadline = letter_on - datetime.timedelta(days=30)
    original = deadline - datetime.timedelta(days=31)
    assert first[3] == "Kết luận số 15/KL-TĐP"
    assert first[4] == (f"{deadline:%d/%m/%Y}\n(ban đầu: {original:%d/%m/%Y})")
    # Working days overdue (from the effective deadline: a deadline on a day
    # off moves under DEADLINE_ON_DAY_OFF), and the count after this letter
    # (urged once before: this letter is the 2nd urging).
    overdue = calendar.working_days_between(
        calendar.effective_deadline(deadline), letter_on
    )
    assert first[5:7] == [str(overdue), "2"]
    updated = letter_on - datetime.timedelta(days=2)
    assert first[7] == f"10% - {updated:%d/%m/%Y}: Đang lấy ý kiến các sở, ngành"
    assert [c.text for c in rows[2].cells][4:6] == [
        f"{letter_on - datetime.timedelta(days=5):%d/%m/%Y}",
        str(
            calendar.working_days_between(
                calendar.effective_deadline(letter_on - datetime.timedelta(days=5)),
                letter_on,
            )
        ),
    ]


def test_docx_ends_with_recipients_and_signature(letter, leader):
    closing = open_docx(letter).tables[2]
    recipients, signature = closing.rows[0].cells
    assert cell_lines(recipients) == [
        "Nơi nhận:",
        "- Như trên;",
        "- Lãnh đạo Tổ điều phối;",
        "- Lưu: VT, TĐP.",
    ]
    head = recipients.paragraphs[0].style.font
    assert (head.bold, head.italic, head.size) == (True, True, Pt(12))
    assert recipients.paragraphs[1].style.font.size == Pt(11)
    assert cell_lines(signature) == [
        "TM. TỔ ĐIỀU PHỐI",
        "TỔ TRƯỞNG",
        leader.full_name,
    ]
    assert all(p.style.font.bold for p in signature.paragraphs if p.text)


# --- PDF ---------------------------------------------------------------------------


def test_pdf_has_the_same_lines_with_their_diacritics(letter, letter_on, leader):
    pages, _reader = pdf_text(letter)
    text = lines("\n".join(pages))
    for expected in (
        NATIONAL_TITLE,
        MOTTO,
        "UBND THÀNH PHỐ HÀ NỘI",
        "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
        "Số: 01/TĐP",
        "V/v đôn đốc thực hiện nhiệm vụ quá hạn",
        f"Hà Nội, ngày 03 tháng 02 năm {letter_on.year}",
        "Kính gửi: Sở Xây dựng.",
        "Nơi nhận:",
        "- Như trên;",
        "- Lãnh đạo Tổ điều phối;",
        "- Lưu: VT, TĐP.",
        "TM. TỔ ĐIỀU PHỐI",
        "TỔ TRƯỞNG",
        leader.full_name,
    ):
        assert expected in text, expected
    joined = " ".join(text)
    for code in ("NV-2025-0001", "NV-2025-0002", "NV-2025-0003"):
        assert joined.count(code) == 1


def test_pdf_embeds_a_font_with_vietnamese_letters(letter):
    _pages, reader = pdf_text(letter)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    embedded = [n for n in names if "LiberationSerif" in n]
    assert embedded, names
    for font in fonts.values():
        font = font.get_object()
        if "LiberationSerif" in str(font["/BaseFont"]):
            assert "/ToUnicode" in font


def test_pdf_shows_the_letter_in_reading_order(letter, letter_on, leader):
    pages, _reader = pdf_text(letter)
    text = lines("\n".join(pages))
    order = [
        "UBND THÀNH PHỐ HÀ NỘI",
        "Số: 01/TĐP",
        "V/v đôn đốc thực hiện nhiệm vụ quá hạn",
        "Kính gửi: Sở Xây dựng.",
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT, TĐP.",
    ]
    positions = [text.index(line) for line in order]
    assert positions == sorted(positions)
    joined = " ".join(text)
    assert (
        joined.index("Thực hiện nhiệm vụ theo dõi")
        < joined.index("NV-2025-0001")
        < joined.index("NV-2025-0003")
        < joined.index("quan tâm, thực hiện./.")
        < joined.index("Nơi nhận:")
        < joined.index(leader.full_name)
    )
    assert "DỰ THẢO" not in joined


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) is missing")
def test_pdf_first_page_is_not_blank(letter, tmp_path):
    from PIL import Image

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(file_bytes(letter, "application/pdf"))
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [PDFTOPPM, "-png", "-r", "40", "-f", "1", "-l", "1", pdf, tmp_path / "p"],
        check=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    width, height = image.size
    # Ink in the header (20-60 mm), in the table, and nothing above the top
    # margin (no page number on page 1).
    for top, bottom in ((20, 60), (100, 200)):
        band = image.crop(
            (0, int(height * top / 297), width, int(height * bottom / 297))
        )
        assert sum(band.histogram()[:100]) > 50
    margin = image.crop((0, 0, width, int(height * 15 / 297)))
    assert sum(margin.histogram()[:200]) == 0


def test_the_issued_docx_has_no_draft_mark_and_its_table_in_letter_size(letter):
    document = open_docx(letter)
    section = document.sections[0]
    assert [p.text for p in section.first_page_header.paragraphs] == [""]
    table = document.tables[1]
    sizes = {
        run.font.size
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
    }
    assert sizes == {Pt(10.5)}


def test_the_draft_shows_no_number_and_carries_the_draft_mark(
    profile, secretariat, member_agency, make_task, letter_on
):
    from dieuphoi.paperwork.services import version_render

    make_task(days=10, on=letter_on, code="NV-2025-0001")
    draft = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=letter_on, agency=member_agency
    )
    version = version_render(version_id=draft.paper.current_id)
    with version.docx.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    number, _date = document.tables[0].rows[1].cells
    reference = cell_lines(number)[0]
    assert reference.startswith("Số:")
    assert reference.endswith("/TĐP")
    assert not any(ch.isdigit() for ch in reference)
    assert cell_lines(number)[1] == "V/v đôn đốc thực hiện nhiệm vụ quá hạn"
    assert document.sections[0].first_page_header.paragraphs[0].text == "DỰ THẢO"


def test_long_letters_number_their_pages_from_the_second(
    profile, secretariat, member_agency, make_task, today, issue_letter
):
    for i in range(40):
        make_task(days=5 + i)
    letter = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    letter = issue_letter(letter, on=today)
    pages, reader = pdf_text(letter)
    assert len(pages) >= 3
    assert lines(pages[0])[0] == "UBND THÀNH PHỐ HÀ NỘI"
    # Page numbers: none on page 1; from page 2 centred in the top margin.
    numbers = [placed_numbers(page) for page in reader.pages]
    assert numbers[0] == []
    for index in (1, 2):
        [(text, x, y)] = numbers[index]
        assert text == str(index + 1)
        width_mm, height_mm = page_size_mm(reader.pages[index])
        text_centre = 30 + (width_mm - 30 - 15) / 2
        assert abs(x - text_centre) < 3
        assert height_mm - 20 < y < height_mm
    # The table's header repeats at the top of page 2: first line of the
    # page's text after the page number.
    assert next(line for line in lines(pages[1]) if line != "2") == "STT"
    table = open_docx(letter).tables[1]
    assert len(table.rows) == 41


def page_size_mm(page) -> tuple[float, float]:
    box = page.mediabox
    return float(box.width) * 25.4 / 72, float(box.height) * 25.4 / 72


def placed_numbers(page) -> list[tuple[str, float, float]]:
    """Bare numbers drawn on ``page`` with their centre x and baseline y in
    millimetres from the bottom left, above the text area's top edge."""
    found = []
    _width, height = page_size_mm(page)

    def visit(text, cm, tm, _font, size):
        text = text.strip()
        if not text.isdigit():
            return
        x = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4]) * 25.4 / 72
        y = (tm[4] * cm[1] + tm[5] * cm[3] + cm[5]) * 25.4 / 72
        if y > height - 20:  # inside the top margin
            found.append((text, x, y))

    page.extract_text(visitor_text=visit)
    return [(text, x + half_width_mm(text), y) for text, x, y in found]


def half_width_mm(text: str) -> float:
    """Half the width of ``text`` at the page number's 14 pt (to its centre)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from dieuphoi.paperwork import layout

    layout.register_fonts()
    return stringWidth(text, layout.pdf_face(), 14) * 25.4 / 72 / 2
