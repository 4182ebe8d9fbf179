"""An official document as PDF, line for line the same as the DOCX.

Same layout numbers (``layout``), same elements in the same order: the
two-column header, title or V/v, "Kính gửi", the body blocks, the closing
table, then each annex on its own pages (landscape when asked).

The text is set in Liberation Serif, vendored in ``fonts/`` (SIL OFL 1.1): it
has the metrics of Times New Roman, which the decree requires, and every
Vietnamese letter; the fonts are embedded (subset), so the PDF shows the
diacritics on any machine.

Speed: a table cell whose text fits on one line is drawn as a plain string
(reportlab measures and draws it directly) rather than as a Paragraph, which
would be wrapped again at every page split; long cells stay Paragraphs.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from functools import lru_cache
from xml.sax.saxutils import escape  # writes markup, parses no XML  # nosec B406

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable
from reportlab.platypus.flowables import HRFlowable

from . import layout
from .content import (
    DRAFT_MARK,
    RECIPIENTS_HEADING,
    Annex,
    Block,
    Heading,
    PaperContent,
    Paragraph,
    Table,
    numbered_blocks,
)

Progress = Callable[[int, int], None]

_ALIGN = {
    "left": TA_LEFT,
    "center": TA_CENTER,
    "right": TA_RIGHT,
    "justify": TA_JUSTIFY,
}
# Word's "single" line of Times New Roman is 1.15 times the type size
# (ascent + descent + line gap); PDF leading follows it so pages break alike.
_SINGLE = 1.15
_PAD = layout.CELL_MARGIN_PT


@lru_cache(maxsize=256)
def _style(
    key: str,
    *,
    bold: bool | None = None,
    italic: bool | None = None,
    align: str | None = None,
    indent: bool = True,
    size: float = 0,
    left_indent: float = 0,
) -> ParagraphStyle:
    spec = layout.STYLES[key]
    size = size or spec.size
    bold = spec.bold if bold is None else bold
    italic = spec.italic if italic is None else italic
    return ParagraphStyle(
        f"{key}-{bold}-{italic}-{align}-{indent}-{size}-{left_indent}",
        fontName=layout.pdf_face(bold=bold, italic=italic),
        fontSize=size,
        leading=size * _SINGLE * spec.line_spacing,
        alignment=_ALIGN[align or spec.align],
        spaceBefore=spec.before,
        spaceAfter=spec.after,
        firstLineIndent=spec.first_line_cm * cm if indent else 0,
        leftIndent=left_indent,
        # Keep-with-next is done by _keep_with_next (see there), not by reportlab.
        keepWithNext=0,
        textColor=colors.black,
    )


def _markup(text: str) -> str:
    """Plain text as Paragraph markup: escaped, newlines as breaks."""
    return escape(layout.clean_text(text)).replace("\t", " ").replace("\n", "<br/>")


def _p(text: str, key: str, **kwargs) -> RLParagraph:
    return RLParagraph(_markup(text), _style(key, **kwargs))


def _rule(width_mm: float, *, above: str) -> HRFlowable:
    """A rule under a line in style ``above``, where Word draws it.

    Word puts a paragraph's top border below the previous line's full
    height (ascent and descent); a reportlab paragraph ends closer to its
    baseline, so the gap is made up in ``spaceBefore``.
    """
    before = layout.STYLES["Rule"].before + 0.25 * layout.STYLES[above].size
    return HRFlowable(
        width=width_mm * mm,
        thickness=layout.RULE_THICKNESS_PT,
        color=colors.black,
        hAlign="CENTER",
        spaceBefore=before,
        spaceAfter=0,
    )


_PLAIN = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # Centres the rules (HRFlowable) in their cells.
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def _header(content: PaperContent) -> list:
    left: list = []
    if content.governing_body:
        left.append(_p(content.governing_body, "Governing Body"))
    left += [_p(line, "Issuer") for line in content.issuer_lines]
    left.append(_rule(layout.issuer_rule_mm(content.issuer_lines), above="Issuer"))
    right = [
        _p(content.national_title, "National Title"),
        _p(content.motto, "Motto"),
        _rule(layout.motto_rule_mm(content.motto), above="Motto"),
    ]
    number = [_p(content.reference, "Reference")]
    if content.layout == "letter" and content.subject:
        number.append(_p(layout.letter_subject_line(content.subject), "Letter Subject"))
    date = [_p(content.place_date, "Place Date")]
    widths = (layout.HEADER_LEFT_MM * mm, layout.HEADER_RIGHT_MM * mm)
    return [RLTable([[left, right], [number, date]], colWidths=widths, style=_PLAIN)]


def _title(content: PaperContent) -> list:
    if content.layout != "titled":
        return []
    out: list = []
    if content.title:
        out.append(_p(content.title, "Title"))
    if content.subject:
        if not content.title:
            out.append(Spacer(1, 18))
        out.append(_p(content.subject, "Subject"))
        out.append(_rule(layout.subject_rule_mm(content.subject), above="Subject"))
    return out


def _addressees(content: PaperContent) -> list:
    lines = layout.addressee_lines(content.addressees)
    if len(lines) <= 1:
        return [_p(line, "Addressee") for line in lines]
    head = ParagraphStyle("addressee-head", parent=_style("Addressee"), spaceAfter=0)
    out: list = [RLParagraph(_markup(lines[0]), head)]
    indent = layout.ADDRESSEE_INDENT_CM * cm
    out += [_p(line, "Addressee Item", left_indent=indent) for line in lines[1:]]
    return out


class _BodyTable(RLTable):
    """A body table; its split parts are of this class too (progress counting)."""

    paper_table = True


def _cell_style(key: str, size: float) -> ParagraphStyle:
    return _style(key, size=size)


def _body_table(table: Table, text_mm: float) -> list:
    n = len(table.columns)
    weights = list(table.widths) if len(table.widths) == n else [1.0] * n
    weights = [w if w > 0 else 1.0 for w in weights]
    total = sum(weights)
    widths = [text_mm * mm * w / total for w in weights]
    size = table.font_size or layout.TABLE_SIZE
    face = layout.pdf_face()
    centred = set(table.center)
    cell_style = _cell_style("Cell", size)
    centre_style = _cell_style("Cell Centre", size)
    group_style = _cell_style("Cell Group", size)
    room = [w - 2 * _PAD - 0.5 for w in widths]

    data: list[list] = [[_p(title, "Cell Head", size=size) for title in table.columns]]
    commands: list = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), face),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * _SINGLE),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for column in sorted(centred):
        if column < n:
            commands.append(("ALIGN", (column, 1), (column, -1), "CENTER"))
    for row in table.rows:
        if row.group:
            r = len(data)
            commands.append(("SPAN", (0, r), (-1, r)))
            data.append(
                [RLParagraph(_markup(" ".join(row.cells)), group_style)]
                + [""] * (n - 1)
            )
            continue
        cells = (tuple(row.cells) + ("",) * n)[:n]
        out = []
        for i, text in enumerate(cells):
            text = layout.clean_text(text).replace("\t", " ")
            # Short single-line text: a plain string, no Paragraph to wrap.
            if "\n" not in text and stringWidth(text, face, size) <= room[i]:
                out.append(text)
            else:
                style = centre_style if i in centred else cell_style
                out.append(RLParagraph(_markup(text), style))
        data.append(out)
    flowables: list = []
    if table.caption:
        caption = _p(table.caption, "Caption")
        caption.paper_keep = layout.STYLES["Caption"].keep_with_next
        flowables.append(caption)
    else:
        flowables.append(Spacer(1, 4))
    flowables.append(
        _BodyTable(
            data,
            colWidths=widths,
            repeatRows=1,
            # A row taller than a page (a long text pasted in a cell) is
            # split across pages instead of failing the whole document.
            splitInRow=1,
            style=TableStyle(commands),
            hAlign="CENTER",
        )
    )
    return flowables


# What must follow a kept line on the same page: about two body lines, or a
# table's header row and first row.
_KEEP_FOLLOWER_PT = 2 * 14 * _SINGLE * layout.BODY_LINE_SPACING + 6


def _keep_with_next(flowables: list, width: float) -> list:
    """Headings and captions stay on the page of what follows them.

    reportlab's own keepWithNext wraps the heading and the whole next
    flowable in a KeepTogether, so a heading before a long table or a long
    paragraph pushes both to a new page and leaves the rest of the page
    empty. Word keeps the heading with the first line (or row) of what
    follows; a conditional page break before each run of kept lines, as
    tall as the run plus two lines, does the same.
    """
    out: list = []
    chain: list = []
    for flowable in flowables:
        if getattr(flowable, "paper_keep", False):
            chain.append(flowable)
            continue
        if chain:
            height = sum(f.wrap(width, 10_000)[1] + f.getSpaceBefore() for f in chain)
            out.append(CondPageBreak(height + _KEEP_FOLLOWER_PT))
            out += chain
            chain = []
        out.append(flowable)
    out += chain
    return out


def _blocks(blocks: Iterable[Block], text_mm: float) -> list:
    return _keep_with_next(_block_flowables(blocks, text_mm), text_mm * mm)


def _block_flowables(blocks: Iterable[Block], text_mm: float) -> list:
    out: list = []
    for block, number in numbered_blocks(blocks):
        if isinstance(block, Heading):
            paragraph = _p(
                f"{number} {block.text}".strip(), layout.heading_style(block.level)
            )
            paragraph.paper_units = 1
            paragraph.paper_keep = True
            out.append(paragraph)
        elif isinstance(block, Table):
            if not block.columns:
                continue
            out += _body_table(block, text_mm)
            out[-1].paper_units = 1  # the header row; data rows are counted per part
        elif isinstance(block, Paragraph):
            paragraph = _p(
                block.text,
                "Body",
                bold=block.bold,
                italic=block.italic,
                align=block.align,
                indent=block.indent,
            )
            paragraph.paper_units = 1
            out.append(paragraph)
    return out


def _closing(content: PaperContent) -> list:
    left: list = []
    if content.recipients:
        left.append(Spacer(1, 12))
        left.append(_p(RECIPIENTS_HEADING, "Recipients Head"))
        left += [_p(line, "Recipient") for line in content.recipients]
    sign = content.signature
    right: list = [Spacer(1, 12)]
    right += [_p(line, "Sign") for line in (sign.authority, sign.title) if line]
    line_height = layout.STYLES["Sign"].size * _SINGLE
    right.append(Spacer(1, layout.SIGNATURE_SPACE_LINES * line_height))
    right.append(_p(sign.name, "Sign"))
    widths = (layout.CLOSING_LEFT_MM * mm, layout.CLOSING_RIGHT_MM * mm)
    return [RLTable([[left, right]], colWidths=widths, style=_PLAIN)]


def _annex_head(annex: Annex) -> list:
    out: list = [_p(annex.title, "Annex Title")]
    if annex.subtitle:
        out.append(_p(annex.subtitle, "Annex Subtitle"))
    if annex.note:
        out.append(_p(annex.note, "Annex Note"))
    return out


class _SectionStart(Flowable):
    """Zero-size marker: page numbering restarts here (IV.1, annexes)."""

    def __init__(self, state: dict) -> None:
        super().__init__()
        self.state = state

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self) -> None:
        self.state["start"] = self.canv.getPageNumber()
        self.state["first_of_section"] = True


class _Document(BaseDocTemplate):
    def __init__(self, buffer, ticker: layout.ProgressTicker, **kwargs) -> None:
        super().__init__(buffer, **kwargs)
        self.ticker = ticker

    def afterFlowable(self, flowable) -> None:
        units = getattr(flowable, "paper_units", 0)
        if isinstance(flowable, _BodyTable):
            # Each part of a split table: its rows after the repeated header.
            units += max(0, len(flowable._cellvalues) - 1)
        if units:
            self.ticker(units)


def render_pdf(content: PaperContent, *, progress: Progress | None = None) -> bytes:
    """The document as PDF bytes.

    ``progress(done, total)`` counts the same units as ``render_docx`` (a
    paragraph, a heading or a table row each) as they are laid out.
    """
    layout.register_fonts()
    ticker = layout.ProgressTicker(progress, layout.content_units(content))
    buffer = io.BytesIO()
    margins = {
        "leftPadding": 0,
        "rightPadding": 0,
        "topPadding": 0,
        "bottomPadding": 0,
    }
    portrait_size = A4
    landscape_size = landscape(A4)

    def frame(size, name):
        return Frame(
            layout.MARGIN_LEFT_MM * mm,
            layout.MARGIN_BOTTOM_MM * mm,
            size[0] - (layout.MARGIN_LEFT_MM + layout.MARGIN_RIGHT_MM) * mm,
            size[1] - (layout.MARGIN_TOP_MM + layout.MARGIN_BOTTOM_MM) * mm,
            id=name,
            **margins,
        )

    state = {"start": 1}

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        width, height = canvas._pagesize
        left = layout.MARGIN_LEFT_MM * mm
        text_width = width - left - layout.MARGIN_RIGHT_MM * mm
        top = height - layout.HEADER_DISTANCE_MM * mm
        number = doc.page - state["start"] + 1
        # II.7: centred at the top, none on the first page (of the document
        # and, IV.1, of each annex).
        if number > 1:
            size = layout.STYLES["Page Number"].size
            canvas.setFont(layout.pdf_face(), size)
            canvas.drawCentredString(left + text_width / 2, top - size, str(number))
        if doc.page == 1 and content.draft:
            spec = layout.STYLES["Draft Mark"]
            box_h = spec.size * _SINGLE + 4
            canvas.setLineWidth(0.75)
            canvas.rect(left, top - box_h, layout.DRAFT_BOX_MM * mm, box_h)
            canvas.setFont(layout.pdf_face(bold=True), spec.size)
            canvas.drawCentredString(
                left + layout.DRAFT_BOX_MM * mm / 2, top - box_h + 3.5, DRAFT_MARK
            )
        canvas.restoreState()

    document = _Document(
        buffer,
        ticker,
        pagesize=portrait_size,
        topMargin=layout.MARGIN_TOP_MM * mm,
        bottomMargin=layout.MARGIN_BOTTOM_MM * mm,
        leftMargin=layout.MARGIN_LEFT_MM * mm,
        rightMargin=layout.MARGIN_RIGHT_MM * mm,
        title=" ".join(x for x in (content.title, content.subject) if x),
        author=" ".join(content.issuer_lines),
        subject=content.reference,
        lang="vi-VN",
    )
    document.addPageTemplates(
        [
            PageTemplate(
                id="portrait",
                frames=[frame(portrait_size, "portrait")],
                onPageEnd=decorate,
                pagesize=portrait_size,
            ),
            PageTemplate(
                id="landscape",
                frames=[frame(landscape_size, "landscape")],
                onPageEnd=decorate,
                pagesize=landscape_size,
            ),
        ]
    )
    story: list = []
    story += _header(content)
    story += _title(content)
    story += _addressees(content)
    story += _blocks(content.blocks, layout.text_width_mm())
    story += _closing(content)
    for annex in content.annexes:
        story.append(NextPageTemplate("landscape" if annex.landscape else "portrait"))
        story.append(PageBreak())
        if layout.ANNEX_RESTARTS_PAGE_NUMBERS:
            story.append(_SectionStart(state))
        story += _annex_head(annex)
        story += _blocks(annex.blocks, layout.text_width_mm(annex.landscape))
    document.build(story)
    ticker.finish()
    return buffer.getvalue()
