"""Every layout number of the Decree 30/2020/NĐ-CP form, written once.

Both renderers (``render_docx``, ``render_pdf``) read their page, sizes,
faces and spacing from here, so the DOCX and the PDF cannot drift apart.

Citations are to Appendix I of Decree 30/2020/NĐ-CP ("Thể thức, kỹ thuật
trình bày văn bản hành chính"), Part I: section II "Kỹ thuật trình bày văn
bản" (II.1 paper size ... II.7 page numbers), section III "Kỹ thuật trình bày
các thành phần thể thức" (III.1 national title ... III.9 recipients) and
section IV "các thành phần thể thức khác" (IV.1 annexes). Where the decree
gives a range, the value chosen is the one Hanoi People's Committee documents
use; where it is silent (tables, the draft mark) the comment says so.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .content import ADDRESSEE_HEADING, Block, PaperContent, Table

Progress = Callable[[int, int], None]

# --- page ---------------------------------------------------------------------

# II.1: A4 paper (210 x 297 mm).
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
# II.3: margins top 20-25, bottom 20-25, left 30-35, right 15-20 mm.
MARGIN_TOP_MM = 20.0
MARGIN_BOTTOM_MM = 20.0
MARGIN_LEFT_MM = 30.0
MARGIN_RIGHT_MM = 15.0
# II.2: portrait; a page with a wide table may be landscape. The same margins
# are kept on a landscape page (the decree sets no other values).
# Distance of the page number from the top edge (inside the top margin).
HEADER_DISTANCE_MM = 10.0


def text_width_mm(landscape: bool = False) -> float:
    """The width between the margins: 165 mm portrait, 252 mm landscape."""
    width = PAGE_HEIGHT_MM if landscape else PAGE_WIDTH_MM
    return width - MARGIN_LEFT_MM - MARGIN_RIGHT_MM


# II.4: Times New Roman (Unicode, TCVN 6909:2001), black. The PDF uses
# Liberation Serif, metric-compatible with Times New Roman, embedded.
FONT = "Times New Roman"
PDF_FAMILY = "PaperSerif"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {
    PDF_FAMILY: "LiberationSerif-Regular.ttf",
    f"{PDF_FAMILY}-Bold": "LiberationSerif-Bold.ttf",
    f"{PDF_FAMILY}-Italic": "LiberationSerif-Italic.ttf",
    f"{PDF_FAMILY}-BoldItalic": "LiberationSerif-BoldItalic.ttf",
}

# --- the header: two columns ------------------------------------------------------

# II.6 (placement of the elements, Mẫu 1.1-1.5): issuing body at the top left,
# national title at the top right. Column widths as in Hanoi People's
# Committee documents; together they fill the 165 mm text width.
HEADER_LEFT_MM = 72.0
HEADER_RIGHT_MM = 93.0
# Narrow cell margins (twips in DOCX, points in PDF) so "CỘNG HÒA XÃ HỘI CHỦ
# NGHĨA VIỆT NAM" at 12 pt bold stays on one line in its column.
CELL_MARGIN_PT = 2.25
# III.1: the rule under the motto is as long as the motto line
# ("Độc lập - Tự do - Hạnh phúc", 13 pt bold: about 56 mm).
# III.2: the rule under the issuer is 1/3 to 1/2 of the issuer's line.
ISSUER_RULE_FRACTION = 0.4
# III.5: the rule under the subject of a titled document: 1/3 to 1/2 of its line.
SUBJECT_RULE_FRACTION = 0.4
RULE_THICKNESS_PT = 0.6

# --- the closing: two columns ----------------------------------------------------

# II.6: "Nơi nhận" at the bottom left, signature block at the bottom right.
CLOSING_LEFT_MM = 80.0
CLOSING_RIGHT_MM = 85.0
# III.7: room for the signature and the seal between the title and the name
# (four empty 14 pt lines, about 25 mm).
SIGNATURE_SPACE_LINES = 4

# --- the draft mark -------------------------------------------------------------

# Not in Appendix I: drafts circulated for comments carry "DỰ THẢO" in a box
# at the top left of page 1, above the header (common practice). It sits in
# the first-page header area so the layout of the page does not move.
DRAFT_BOX_MM = 28.0

# --- paragraph styles -----------------------------------------------------------


@dataclass(frozen=True)
class TextStyle:
    """One paragraph style, in the units the decree uses (pt, cm)."""

    size: float
    bold: bool = False
    italic: bool = False
    align: str = "center"  # "left" | "center" | "right" | "justify"
    before: float = 0.0  # pt
    after: float = 0.0  # pt
    first_line_cm: float = 0.0
    line_spacing: float = 1.0  # multiple of single spacing
    keep_with_next: bool = False


# II.5: line spacing from single to 1.5 lines; 1.15 keeps a page dense and
# readable. Paragraph spacing at least 6 pt.
BODY_LINE_SPACING = 1.15
BODY_BEFORE_PT = 6.0
# III.6: first-line indent 1 to 1.27 cm.
FIRST_LINE_CM = 1.27
# Not in Appendix I: table text; 11 pt fits eight columns across a portrait page.
TABLE_SIZE = 11.0
# Left indent of the "- name;" lines under "Kính gửi:" (several addressees),
# so they line up after the words "Kính gửi:" as in Hanoi documents.
ADDRESSEE_INDENT_CM = 5.0

# The DOCX style of each is "Paper " + key ("Paper Body", "Paper Heading 1");
# docx_import finds the blocks again by these names.
STYLES: dict[str, TextStyle] = {
    # III.2: governing body, caps 12-13, regular.
    "Governing Body": TextStyle(size=12),
    # III.2: issuing body, caps 12-13, bold.
    "Issuer": TextStyle(size=12, bold=True),
    # III.3: "Số: .../...", 13, centred under the issuer.
    "Reference": TextStyle(size=13, before=6),
    # III.5: a Công văn's subject "V/v ...", 12-13, regular, 6 pt under the number.
    "Letter Subject": TextStyle(size=12, before=6),
    # III.1: national title, caps 12-13, bold.
    "National Title": TextStyle(size=12, bold=True),
    # III.1: motto, 13-14, bold, initial capitals.
    "Motto": TextStyle(size=13, bold=True),
    # III.4: place and date, 13-14, italic, under the motto.
    "Place Date": TextStyle(size=13, italic=True, before=6),
    # A rule is a 2 pt paragraph with a top border (DOCX only).
    "Rule": TextStyle(size=2, before=3),
    "Draft Mark": TextStyle(size=12, bold=True),
    # III.5: kind of document, caps 13-14, bold, centred.
    "Title": TextStyle(size=14, bold=True, before=18),
    # III.5: subject of a titled document, 14, bold, centred under the kind.
    "Subject": TextStyle(size=14, bold=True),
    # III.6: "Kính gửi:" 14.
    "Addressee": TextStyle(size=14, before=12, after=6),
    "Addressee Item": TextStyle(size=14, align="left"),
    # III.6: body 13-14, justified, first line indented.
    "Body": TextStyle(
        size=14,
        align="justify",
        before=BODY_BEFORE_PT,
        first_line_cm=FIRST_LINE_CM,
        line_spacing=BODY_LINE_SPACING,
    ),
    # III.6 (division of the content): "I." part 14 bold; "1." item 14 bold;
    # "a)" point 14 italic. A heading never stands alone at a page's foot.
    "Heading 1": TextStyle(
        size=14,
        bold=True,
        align="justify",
        before=BODY_BEFORE_PT,
        first_line_cm=FIRST_LINE_CM,
        line_spacing=BODY_LINE_SPACING,
        keep_with_next=True,
    ),
    "Heading 2": TextStyle(
        size=14,
        bold=True,
        align="justify",
        before=BODY_BEFORE_PT,
        first_line_cm=FIRST_LINE_CM,
        line_spacing=BODY_LINE_SPACING,
        keep_with_next=True,
    ),
    "Heading 3": TextStyle(
        size=14,
        italic=True,
        align="justify",
        before=BODY_BEFORE_PT,
        first_line_cm=FIRST_LINE_CM,
        line_spacing=BODY_LINE_SPACING,
        keep_with_next=True,
    ),
    # Table caption (not in Appendix I): 13 bold, centred, kept with its table.
    "Caption": TextStyle(size=13, bold=True, before=6, after=3, keep_with_next=True),
    "Cell": TextStyle(size=TABLE_SIZE, align="left"),
    "Cell Centre": TextStyle(size=TABLE_SIZE),
    "Cell Head": TextStyle(size=TABLE_SIZE, bold=True),
    "Cell Group": TextStyle(size=TABLE_SIZE, bold=True, align="left"),
    # III.9: "Nơi nhận:" 12, bold italic; the recipients 11, regular.
    "Recipients Head": TextStyle(size=12, bold=True, italic=True, align="left"),
    "Recipient": TextStyle(size=11, align="left"),
    # III.7: authority (TM., KT., ...) and title caps 13-14 bold; name 13-14 bold.
    "Sign": TextStyle(size=14, bold=True),
    # II.7: page number 13-14, centred in the top margin, none on page 1.
    "Page Number": TextStyle(size=14),
    # IV.1: "Phụ lục ..." 14 bold on its own line; the annex's name caps
    # 13-14 bold; the line "(Kèm theo ...)" 14 italic.
    "Annex Title": TextStyle(size=14, bold=True),
    "Annex Subtitle": TextStyle(size=14, bold=True),
    "Annex Note": TextStyle(size=14, italic=True, after=12),
}

STYLE_PREFIX = "Paper "
# Marks a body table in DOCX (tblCaption) so docx_import finds it again;
# the header and closing tables carry their own marks.
BODY_TABLE_MARK = "paper-body-table"
HEADER_TABLE_MARK = "paper-header"
CLOSING_TABLE_MARK = "paper-closing"
# IV.1: each annex numbers its pages on its own, from 1.
ANNEX_RESTARTS_PAGE_NUMBERS = True


def docx_style_name(key: str) -> str:
    return STYLE_PREFIX + key


def heading_style(level: int) -> str:
    return f"Heading {min(max(level, 1), 3)}"


# --- text widths (for the rules) -------------------------------------------------

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the four faces once per process (reportlab keeps a global registry)."""
    global _registered
    if _registered:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if _registered:
            return
        for name, filename in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        pdfmetrics.registerFontFamily(
            PDF_FAMILY,
            normal=PDF_FAMILY,
            bold=f"{PDF_FAMILY}-Bold",
            italic=f"{PDF_FAMILY}-Italic",
            boldItalic=f"{PDF_FAMILY}-BoldItalic",
        )
        _registered = True


def pdf_face(*, bold: bool = False, italic: bool = False) -> str:
    if bold and italic:
        return f"{PDF_FAMILY}-BoldItalic"
    if bold:
        return f"{PDF_FAMILY}-Bold"
    if italic:
        return f"{PDF_FAMILY}-Italic"
    return PDF_FAMILY


def line_width_mm(text: str, style_key: str) -> float:
    """How long ``text`` is on one line in its style (Times metrics)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    style = STYLES[style_key]
    points = stringWidth(
        text, pdf_face(bold=style.bold, italic=style.italic), style.size
    )
    return points * 25.4 / 72


def issuer_rule_mm(issuer_lines: list[str]) -> float:
    """III.2: 1/3 to 1/2 of the issuer's (longest) line, within its column."""
    longest = max((line_width_mm(t, "Issuer") for t in issuer_lines), default=50.0)
    column = HEADER_LEFT_MM - 2 * CELL_MARGIN_PT * 25.4 / 72
    return max(15.0, min(longest, column) * ISSUER_RULE_FRACTION)


def motto_rule_mm(motto: str) -> float:
    """III.1: as long as the motto line."""
    column = HEADER_RIGHT_MM - 2 * CELL_MARGIN_PT * 25.4 / 72
    return min(line_width_mm(motto, "Motto"), column)


def subject_rule_mm(subject: str) -> float:
    """III.5: 1/3 to 1/2 of the subject's line (its first line when it wraps)."""
    line = min(line_width_mm(subject, "Subject"), text_width_mm())
    return max(20.0, line * SUBJECT_RULE_FRACTION)


# --- lines both renderers compose the same way ---------------------------------


# Characters XML 1.0 cannot hold (and reportlab cannot draw): C0 controls but
# tab and newline, DEL, lone surrogates, the two non-characters.
_UNPRINTABLE = re.compile("[\x00-\x08\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text safe for both files: Word's manual line break (``\\v``) and CR
    become newlines; other control characters are dropped."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return _UNPRINTABLE.sub("", text)


def letter_subject_line(subject: str) -> str:
    """III.5: a Công văn's subject starts "V/v"."""
    subject = subject.strip()
    return subject if subject.lower().startswith("v/v") else f"V/v {subject}"


def addressee_lines(addressees: list[str]) -> list[str]:
    """``["Kính gửi: Sở Xây dựng."]`` or the heading and "- name;" lines."""
    names = [a.strip().rstrip(";.").strip() for a in addressees]
    names = [n for n in names if n]
    if not names:
        return []
    if len(names) == 1:
        return [f"{ADDRESSEE_HEADING} {names[0]}."]
    return [ADDRESSEE_HEADING] + [
        f"- {name}{'.' if i == len(names) - 1 else ';'}" for i, name in enumerate(names)
    ]


# --- progress ------------------------------------------------------------------


def block_units(blocks: Iterable[Block]) -> int:
    """Progress units: one per paragraph or heading, one per table row + one."""
    return sum(len(b.rows) + 1 if isinstance(b, Table) else 1 for b in blocks)


def content_units(content: PaperContent) -> int:
    return block_units(content.blocks) + sum(
        block_units(a.blocks) for a in content.annexes
    )


class ProgressTicker:
    """Calls ``progress(done, total)`` every ``step`` units and at the end."""

    def __init__(self, progress: Progress | None, total: int, step: int = 50) -> None:
        self.progress, self.total, self.step = progress, total, step
        self.done = 0
        self._next = step

    def __call__(self, n: int) -> None:
        self.done += n
        if self.progress is not None and self.done >= self._next:
            self._next = self.done + self.step
            self.progress(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)
