"""An urging letter as PDF, laid out like the DOCX (Decree 30/2020/NĐ-CP).

The text is set in Liberation Serif, vendored in ``fonts/`` (SIL OFL 1.1):
it has the metrics of Times New Roman, which the decree requires, and every
Vietnamese letter; the fonts are embedded (subset), so the PDF shows the
diacritics on any machine. The base-14 PDF fonts have no Vietnamese, and
the older Liberation 1.07 files lack most of it (see ``fonts/VERSIONS``).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from .content import LetterContent

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "LetterSerif"
FONT_FILES = {
    FAMILY: "LiberationSerif-Regular.ttf",
    f"{FAMILY}-Bold": "LiberationSerif-Bold.ttf",
    f"{FAMILY}-Italic": "LiberationSerif-Italic.ttf",
    f"{FAMILY}-BoldItalic": "LiberationSerif-BoldItalic.ttf",
}
HEADER_WIDTHS = (72 * mm, 93 * mm)
CLOSING_WIDTHS = (80 * mm, 85 * mm)
MOTTO_RULE = 56 * mm
ISSUER_RULE = 24 * mm
_CENTRED_COLUMNS = {0, 4, 5, 6}
# The decree sets no size for tables; 10.5 pt keeps a task code on one line.
TABLE_SIZE = 10.5
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the four faces once per process (reportlab keeps a global registry)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        pdfmetrics.registerFontFamily(
            FAMILY,
            normal=FAMILY,
            bold=f"{FAMILY}-Bold",
            italic=f"{FAMILY}-Italic",
            boldItalic=f"{FAMILY}-BoldItalic",
        )
        _registered = True


def _style(
    name: str,
    *,
    size: float,
    bold: bool = False,
    italic: bool = False,
    align=TA_CENTER,
    before: float = 0,
    after: float = 0,
    first_line: float = 0,
    leading: float | None = None,
) -> ParagraphStyle:
    face = FAMILY
    if bold and italic:
        face = f"{FAMILY}-BoldItalic"
    elif bold:
        face = f"{FAMILY}-Bold"
    elif italic:
        face = f"{FAMILY}-Italic"
    return ParagraphStyle(
        name,
        fontName=face,
        fontSize=size,
        leading=leading or size * 1.2,
        alignment=align,
        spaceBefore=before,
        spaceAfter=after,
        firstLineIndent=first_line,
        textColor=colors.black,
    )


class _Styles:
    def __init__(self) -> None:
        self.agency = _style("agency", size=12)
        self.issuer = _style("issuer", size=12, bold=True)
        self.number = _style("number", size=13, before=6)
        self.subject = _style("subject", size=12, before=2)
        self.national = _style("national", size=12, bold=True)
        self.motto = _style("motto", size=13, bold=True)
        self.date = _style("date", size=13, italic=True, before=6)
        self.addressee = _style("addressee", size=14, before=12, after=6)
        self.addressee_item = _style("addressee-item", size=14, align=TA_LEFT)
        self.body = _style(
            "body",
            size=14,
            align=TA_JUSTIFY,
            before=6,
            first_line=1.27 * cm,
            leading=14 * 1.25,
        )
        cell = {"size": TABLE_SIZE, "leading": TABLE_SIZE * 1.15}
        self.cell = _style("cell", align=TA_LEFT, **cell)
        self.cell_centre = _style("cell-centre", **cell)
        self.cell_head = _style("cell-head", bold=True, **cell)
        self.group = _style("group", bold=True, align=TA_LEFT, **cell)
        self.recipients_head = _style(
            "recipients-head", size=12, bold=True, italic=True, align=TA_LEFT
        )
        self.recipient = _style("recipient", size=11, align=TA_LEFT)
        self.sign = _style("sign", size=14, bold=True)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _rule(width: float) -> HRFlowable:
    return HRFlowable(
        width=width,
        thickness=0.6,
        color=colors.black,
        hAlign="CENTER",
        spaceBefore=3,
        spaceAfter=0,
    )


_PLAIN = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # Centres the rules (HRFlowable) in their cells.
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def _header(content: LetterContent, s: _Styles) -> Table:
    left: list = []
    if content.governing_body:
        left.append(_p(content.governing_body, s.agency))
    left += [_p(line, s.issuer) for line in content.issuer_lines]
    left.append(_rule(ISSUER_RULE))
    right = [
        _p(content.national_title, s.national),
        _p(content.motto, s.motto),
        _rule(MOTTO_RULE),
    ]
    number = [
        _p(f"Số: {content.reference}", s.number),
        _p(content.subject, s.subject),
    ]
    date = [_p(content.place_date, s.date)]
    return Table([[left, right], [number, date]], colWidths=HEADER_WIDTHS, style=_PLAIN)


def _addressees(content: LetterContent, s: _Styles) -> list:
    names = content.addressees
    if len(names) == 1:
        return [_p(f"{content.addressee_heading} {names[0]}.", s.addressee)]
    items = [_p(content.addressee_heading, s.addressee)]
    for i, name in enumerate(names):
        end = "." if i == len(names) - 1 else ";"
        paragraph = _p(f"- {name}{end}", s.addressee_item)
        items.append(Table([[paragraph]], colWidths=[100 * mm], hAlign="RIGHT"))
    return items


def _rows_table(content: LetterContent, s: _Styles) -> Table:
    widths = [w * mm for w in content.column_widths_mm]
    data: list[list] = [[_p(title, s.cell_head) for title in content.columns]]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for group in content.groups:
        if content.grouped:
            commands.append(("SPAN", (0, len(data)), (-1, len(data))))
            data.append([_p(group.agency_name, s.group)] + [""] * (len(widths) - 1))
        for row in group.rows:
            data.append(
                [
                    _p(text, s.cell_centre if i in _CENTRED_COLUMNS else s.cell)
                    for i, text in enumerate(row.cells())
                ]
            )
    # The header row repeats on every page the table continues on.
    return Table(
        data,
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(commands),
        hAlign="CENTER",
    )


def _closing(content: LetterContent, s: _Styles) -> Table:
    left = [_p(content.recipients_heading, s.recipients_head)]
    left += [_p(line, s.recipient) for line in content.recipients]
    right = [
        _p(line, s.sign)
        for line in (content.signer_authority, content.signer_title)
        if line
    ]
    right += [Spacer(1, 24 * mm), _p(content.signer_name, s.sign)]
    table = Table([[left, right]], colWidths=CLOSING_WIDTHS, style=_PLAIN)
    return table


def render_pdf(
    content: LetterContent, *, on_row: Callable[[int], None] | None = None
) -> bytes:
    """The letter as PDF bytes; ``on_row(n)`` is called once the rows are laid out."""
    register_fonts()
    s = _Styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        leftMargin=30 * mm,
        rightMargin=15 * mm,
        title=f"{content.subject} ({content.reference})",
        author=" ".join(content.issuer_lines),
        subject=content.subject,
        lang="vi-VN",
    )
    story: list = [_header(content, s), *_addressees(content, s)]
    story += [_p(text, s.body) for text in content.opening]
    story += [Spacer(1, 6), _rows_table(content, s)]
    story += [_p(text, s.body) for text in content.closing]
    story += [Spacer(1, 12), _closing(content, s)]

    def page_number(canvas, doc) -> None:
        # Decree 30: page numbers centred at the top, none on the first page.
        canvas.saveState()
        canvas.setFont(FAMILY, 13)
        canvas.drawCentredString(
            doc.leftMargin + doc.width / 2, A4[1] - 12 * mm, str(doc.page)
        )
        canvas.restoreState()

    document.build(story, onLaterPages=page_number)
    if on_row is not None:
        on_row(content.row_count)
    return buffer.getvalue()
