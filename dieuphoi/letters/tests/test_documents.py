"""The generated files, opened as a reader would: the DOCX with python-docx,
the PDF with a text extractor (pypdf)."""

import datetime
import io
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
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def letter_on(today):
    """The latest 3 February not after today: a day and a month below 10 and 3."""
    year = today.year if (today.month, today.day) >= (2, 3) else today.year - 1
    return datetime.date(year, 2, 3)


@pytest.fixture
def letter(profile, secretariat, member_agency, make_task, letter_on):
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
    return services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=letter_on, agency=member_agency
    )


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


def test_long_letters_number_their_pages_from_the_second(
    profile, secretariat, member_agency, make_task, today
):
    for i in range(40):
        make_task(days=5 + i)
    letter = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    pages, _reader = pdf_text(letter)
    assert len(pages) >= 3
    assert lines(pages[0])[0] == "UBND THÀNH PHỐ HÀ NỘI"
    assert lines(pages[1])[0] == "2"
    assert lines(pages[2])[0] == "3"
    # The table's header repeats at the top of page 2.
    assert lines(pages[1])[1] == "STT"
    table = open_docx(letter).tables[1]
    assert len(table.rows) == 41
