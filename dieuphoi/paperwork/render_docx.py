"""An official document as DOCX in the Decree 30/2020/NĐ-CP layout.

Every number comes from ``layout``. The document is written as WordprocessingML
elements directly (python-docx only supplies the package, the styles and the
page header): its cell and paragraph API re-reads the tree on every call, and
a 40-page report with a thousand table rows would take seconds that way.
Table rows are deep copies of one prototype row per table.

Named styles ("Paper Body", "Paper Heading 1", ...) and the table marks in
``tblCaption`` let ``docx_import`` read an edited file back into blocks.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Iterable

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from lxml import etree

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

Progress = layout.Progress

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
_JC = {"left": "left", "center": "center", "right": "right", "justify": "both"}
_CELL_MARGIN_TWIPS = round(layout.CELL_MARGIN_PT * 20)


def _twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _el(tag: str, parent=None, **attrs):
    """A w: element (``attrs`` are w: attributes), appended to ``parent``."""
    element = (
        etree.SubElement(parent, qn(tag))
        if parent is not None
        else etree.Element(qn(tag))
    )
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), str(value))
    return element


# --- styles and page ------------------------------------------------------------


def _set_fonts(rpr) -> None:
    """All four font slots, so Vietnamese never falls back to another face."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = etree.Element(qn("w:rFonts"))
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), layout.FONT)


def _styles(document) -> dict[str, str]:
    """Create the "Paper ..." styles; return key -> style id."""
    normal = document.styles["Normal"]
    normal.font.name = layout.FONT
    normal.font.size = Pt(14)
    _set_fonts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _set_fonts(rpr)
    ids = {}
    for key, spec in layout.STYLES.items():
        style = document.styles.add_style(
            layout.docx_style_name(key), WD_STYLE_TYPE.PARAGRAPH
        )
        style.base_style = normal
        style.quick_style = key in ("Body", "Heading 1", "Heading 2", "Heading 3")
        style.font.size = Pt(spec.size)
        style.font.bold = spec.bold
        style.font.italic = spec.italic
        fmt = style.paragraph_format
        fmt.alignment = _ALIGN[spec.align]
        fmt.space_before = Pt(spec.before)
        fmt.space_after = Pt(spec.after)
        fmt.line_spacing = spec.line_spacing
        fmt.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
        if spec.first_line_cm:
            fmt.first_line_indent = Cm(spec.first_line_cm)
        if spec.keep_with_next:
            fmt.keep_with_next = True
        ids[key] = style.style_id
    return ids


def _page_setup(section, *, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width = Mm(layout.PAGE_HEIGHT_MM)
        section.page_height = Mm(layout.PAGE_WIDTH_MM)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width = Mm(layout.PAGE_WIDTH_MM)
        section.page_height = Mm(layout.PAGE_HEIGHT_MM)
    section.top_margin = Mm(layout.MARGIN_TOP_MM)
    section.bottom_margin = Mm(layout.MARGIN_BOTTOM_MM)
    section.left_margin = Mm(layout.MARGIN_LEFT_MM)
    section.right_margin = Mm(layout.MARGIN_RIGHT_MM)
    section.header_distance = Mm(layout.HEADER_DISTANCE_MM)
    section.footer_distance = Mm(layout.HEADER_DISTANCE_MM)


def _page_field(paragraph_el) -> None:
    """A PAGE field (complex field, as Word writes it)."""
    run = _el("w:r", paragraph_el)
    _el("w:fldChar", run, fldCharType="begin")
    instr = _el("w:instrText", run)
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    _el("w:fldChar", run, fldCharType="separate")
    _el("w:t", run).text = "2"
    _el("w:fldChar", run, fldCharType="end")


def _box_border(ppr, edges=("top", "left", "bottom", "right")) -> None:
    borders = _el("w:pBdr", ppr)
    for edge in edges:
        _el(f"w:{edge}", borders, val="single", sz=6, space=1, color="000000")


def _first_section(document, ids: dict[str, str], content: PaperContent) -> None:
    section = document.sections[0]
    _page_setup(section, landscape=False)
    # II.7: page numbers from page 2: the first page has its own header.
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.style = document.styles[layout.docx_style_name("Page Number")]
    _page_field(paragraph._p)
    first = section.first_page_header.paragraphs[0]
    if content.draft:
        first.style = document.styles[layout.docx_style_name("Draft Mark")]
        ppr = first._p.get_or_add_pPr()
        # A small box: the paragraph's border, narrowed by a right indent.
        _box_border(ppr)
        ind = _el("w:ind", ppr)
        ind.set(
            qn("w:right"),
            str(_twips(layout.text_width_mm() - layout.DRAFT_BOX_MM)),
        )
        first.add_run(DRAFT_MARK)


# --- paragraphs and runs ----------------------------------------------------------


def _runs(p, text: str, *, bold: bool = False, italic: bool = False, size=0) -> None:
    """``text`` as one run; newlines become line breaks, tabs tabs."""
    run = _el("w:r", p)
    if bold or italic or size:
        rpr = _el("w:rPr", run)
        if bold:
            _el("w:b", rpr)
        if italic:
            _el("w:i", rpr)
        if size:
            _el("w:sz", rpr, val=round(size * 2))
            _el("w:szCs", rpr, val=round(size * 2))
    for i, line in enumerate(layout.clean_text(text).split("\n")):
        if i:
            _el("w:br", run)
        for j, piece in enumerate(line.split("\t")):
            if j:
                _el("w:tab", run)
            t = _el("w:t", run)
            t.set(qn("xml:space"), "preserve")
            t.text = piece


def _para(
    style_id: str,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    jc: str = "",
    no_indent: bool = False,
    indent_twips: tuple[int, int] | None = None,
    rule: bool = False,
    before: float | None = None,
    size: float = 0,
):
    p = _el("w:p")
    ppr = _el("w:pPr", p)
    _el("w:pStyle", ppr, val=style_id)
    if rule:
        _box_border(ppr, edges=("top",))
    if before is not None:
        _el("w:spacing", ppr, before=round(before * 20))
    if no_indent or indent_twips:
        ind = _el("w:ind", ppr)
        if indent_twips:
            ind.set(qn("w:left"), str(indent_twips[0]))
            ind.set(qn("w:right"), str(indent_twips[1]))
        ind.set(qn("w:firstLine"), "0")
    if jc:
        _el("w:jc", ppr, val=jc)
    if text:
        _runs(p, text, bold=bold, italic=italic, size=size)
    return p


def _rule(ids, width_mm: float, column_mm: float, margins_mm: float = 0.0):
    """A short centred line: a tiny paragraph's top border, narrowed by indents."""
    indent = _twips(max(0.0, (column_mm - margins_mm - width_mm) / 2))
    return _para(ids["Rule"], rule=True, indent_twips=(indent, indent))


# --- tables -----------------------------------------------------------------------


def _table(
    widths: list[int],
    *,
    mark: str,
    borders: bool,
    description: str = "",
    style_id: str = "",
):
    """An empty ``w:tbl`` with fixed column widths (twips), centred.

    ``tblPr`` children in schema order: Word rejects a file whose order differs.
    """
    tbl = _el("w:tbl")
    tbl_pr = _el("w:tblPr", tbl)
    if style_id:
        _el("w:tblStyle", tbl_pr, val=style_id)
    _el("w:tblW", tbl_pr, w=sum(widths), type="dxa")
    _el("w:jc", tbl_pr, val="center")
    edges = _el("w:tblBorders", tbl_pr)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if borders:
            _el(f"w:{edge}", edges, val="single", sz=4, space=0, color="000000")
        else:
            _el(f"w:{edge}", edges, val="nil")
    _el("w:tblLayout", tbl_pr, type="fixed")
    margins = _el("w:tblCellMar", tbl_pr)
    for edge in ("left", "right"):
        _el(f"w:{edge}", margins, w=_CELL_MARGIN_TWIPS, type="dxa")
    _el("w:tblLook", tbl_pr, val="0000", firstRow=0, lastRow=0, noHBand=1, noVBand=1)
    _el("w:tblCaption", tbl_pr, val=mark)
    if description:
        _el("w:tblDescription", tbl_pr, val=description)
    grid = _el("w:tblGrid", tbl)
    for width in widths:
        _el("w:gridCol", grid, w=width)
    return tbl


def _cell(width: int, *, span: int = 1, middle: bool = False):
    tc = _el("w:tc")
    tc_pr = _el("w:tcPr", tc)
    _el("w:tcW", tc_pr, w=width, type="dxa")
    if span > 1:
        _el("w:gridSpan", tc_pr, val=span)
    if middle:
        _el("w:vAlign", tc_pr, val="center")
    return tc


def _row(cells: Iterable, *, header: bool = False, cant_split: bool = True):
    tr = _el("w:tr")
    tr_pr = _el("w:trPr", tr)
    if cant_split:
        _el("w:cantSplit", tr_pr)
    if header:
        # Repeated at the top of every page the table continues on.
        _el("w:tblHeader", tr_pr)
    for tc in cells:
        tr.append(tc)
    return tr


def _scaled_widths(table: Table, text_mm: float) -> list[int]:
    n = len(table.columns)
    weights = list(table.widths) if len(table.widths) == n else [1.0] * n
    weights = [w if w > 0 else 1.0 for w in weights]
    total = sum(weights)
    return [_twips(text_mm * w / total) for w in weights]


def table_description(table: Table) -> str:
    """What Word cannot show but the block needs back (tblDescription)."""
    return json.dumps(
        {
            "widths": list(table.widths),
            "center": list(table.center),
            "font_size": table.font_size,
        },
        separators=(",", ":"),
    )


def _body_table(table: Table, ids, text_mm: float, tick: Callable[[int], None]):
    widths = _scaled_widths(table, text_mm)
    n = len(widths)
    tbl = _table(
        widths,
        mark=layout.BODY_TABLE_MARK,
        borders=True,
        description=table_description(table),
    )
    size = (
        table.font_size
        if table.font_size and table.font_size != layout.TABLE_SIZE
        else 0
    )
    head = []
    for width, title in zip(widths, table.columns, strict=True):
        tc = _cell(width, middle=True)
        tc.append(_para(ids["Cell Head"], title, size=size))
        head.append(tc)
    tbl.append(_row(head, header=True))

    centred = set(table.center)
    # One prototype row per table, deep-copied per row; the text runs are
    # appended to each cell's (empty) paragraph.
    prototype = _row([_cell(width) for width in widths])
    for i, tc in enumerate(prototype.findall(qn("w:tc"))):
        tc.append(_para(ids["Cell Centre"] if i in centred else ids["Cell"]))
    group_width = sum(widths)
    p_tag = qn("w:p")
    for row in table.rows:
        if row.group:
            tc = _cell(group_width, span=n)
            tc.append(_para(ids["Cell Group"], " ".join(row.cells), size=size))
            tbl.append(_row([tc]))
        else:
            tr = copy.deepcopy(prototype)
            cells = (tuple(row.cells) + ("",) * n)[:n]
            for tc, text in zip(tr.iterchildren(qn("w:tc")), cells, strict=True):
                if text:
                    _runs(tc.find(p_tag), text, size=size)
            tbl.append(tr)
        tick(1)
    return tbl


# --- the parts of the document ----------------------------------------------------


def _header(content: PaperContent, ids) -> list:
    left_w, right_w = _twips(layout.HEADER_LEFT_MM), _twips(layout.HEADER_RIGHT_MM)
    tbl = _table([left_w, right_w], mark=layout.HEADER_TABLE_MARK, borders=False)
    margins_mm = 2 * layout.CELL_MARGIN_PT * 25.4 / 72

    left, right = _cell(left_w), _cell(right_w)
    if content.governing_body:
        left.append(_para(ids["Governing Body"], content.governing_body))
    for line in content.issuer_lines:
        left.append(_para(ids["Issuer"], line))
    left.append(
        _rule(
            ids,
            layout.issuer_rule_mm(content.issuer_lines),
            layout.HEADER_LEFT_MM,
            margins_mm,
        )
    )
    right.append(_para(ids["National Title"], content.national_title))
    right.append(_para(ids["Motto"], content.motto))
    right.append(
        _rule(
            ids, layout.motto_rule_mm(content.motto), layout.HEADER_RIGHT_MM, margins_mm
        )
    )
    tbl.append(_row([left, right]))

    left, right = _cell(left_w), _cell(right_w)
    left.append(_para(ids["Reference"], content.reference))
    if content.layout == "letter" and content.subject:
        left.append(
            _para(ids["Letter Subject"], layout.letter_subject_line(content.subject))
        )
    right.append(_para(ids["Place Date"], content.place_date))
    tbl.append(_row([left, right]))
    return [tbl]


def _title(content: PaperContent, ids) -> list:
    if content.layout != "titled":
        return []
    out = []
    if content.title:
        out.append(_para(ids["Title"], content.title))
    if content.subject:
        out.append(
            _para(ids["Subject"], content.subject, before=None if content.title else 18)
        )
        out.append(
            _rule(ids, layout.subject_rule_mm(content.subject), layout.text_width_mm())
        )
    return out


def _addressees(content: PaperContent, ids) -> list:
    lines = layout.addressee_lines(content.addressees)
    if len(lines) <= 1:
        return [_para(ids["Addressee"], line) for line in lines]
    indent = _twips(layout.ADDRESSEE_INDENT_CM * 10)
    out = [_para(ids["Addressee"], lines[0])]
    out[0].find(qn("w:pPr")).append(_spacing_after_zero())
    out += [
        _para(ids["Addressee Item"], line, indent_twips=(indent, 0))
        for line in lines[1:]
    ]
    return out


def _spacing_after_zero():
    spacing = etree.Element(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    return spacing


def _blocks(
    blocks: Iterable[Block], ids, text_mm: float, tick: Callable[[int], None]
) -> list:
    out = []
    for block, number in numbered_blocks(blocks):
        if isinstance(block, Heading):
            key = layout.heading_style(block.level)
            out.append(_para(ids[key], f"{number} {block.text}".strip()))
            tick(1)
        elif isinstance(block, Table):
            if not block.columns:  # nothing to lay out (and no valid w:tbl)
                tick(len(block.rows) + 1)
                continue
            if block.caption:
                out.append(_para(ids["Caption"], block.caption))
            out.append(_body_table(block, ids, text_mm, tick))
            tick(1)
        elif isinstance(block, Paragraph):
            out.append(
                _para(
                    ids["Body"],
                    block.text,
                    bold=block.bold,
                    italic=block.italic,
                    jc="" if block.align == "justify" else _JC[block.align],
                    no_indent=not block.indent,
                )
            )
            tick(1)
    return out


def _closing(content: PaperContent, ids) -> list:
    left_w = _twips(layout.CLOSING_LEFT_MM)
    right_w = _twips(layout.CLOSING_RIGHT_MM)
    tbl = _table([left_w, right_w], mark=layout.CLOSING_TABLE_MARK, borders=False)
    left, right = _cell(left_w), _cell(right_w)
    if content.recipients:
        left.append(_para(ids["Recipients Head"], RECIPIENTS_HEADING, before=12))
        for line in content.recipients:
            left.append(_para(ids["Recipient"], line))
    else:
        left.append(_para(ids["Recipient"]))
    sign = content.signature
    first = True
    for line in (sign.authority, sign.title):
        if line:
            right.append(_para(ids["Sign"], line, before=12 if first else None))
            first = False
    for _i in range(layout.SIGNATURE_SPACE_LINES):
        right.append(_para(ids["Sign"]))
    right.append(_para(ids["Sign"], sign.name))
    # The signature block is never split from itself across two pages.
    tbl.append(_row([left, right]))
    return [tbl]


def _annex_head(annex: Annex, ids) -> list:
    out = [_para(ids["Annex Title"], annex.title)]
    if annex.subtitle:
        out.append(_para(ids["Annex Subtitle"], annex.subtitle))
    if annex.note:
        out.append(_para(ids["Annex Note"], annex.note))
    return out


def _shrink_break(paragraph) -> None:
    """The section-break paragraph is 1 pt high, so it never spills alone
    onto a page of its own after a full last page."""
    ppr = paragraph.find(qn("w:pPr"))
    sect_pr = ppr.find(qn("w:sectPr"))
    spacing = etree.Element(qn("w:spacing"))
    for attr, value in (
        ("before", "0"),
        ("after", "0"),
        ("line", "20"),
        ("lineRule", "exact"),
    ):
        spacing.set(qn(f"w:{attr}"), value)
    rpr = etree.Element(qn("w:rPr"))
    _el("w:sz", rpr, val=2)
    _el("w:szCs", rpr, val=2)
    sect_pr.addprevious(spacing)
    sect_pr.addprevious(rpr)


def _restart_page_numbers(sect_pr) -> None:
    """IV.1: an annex numbers its own pages from 1 (``pgNumType`` after ``pgMar``)."""
    existing = sect_pr.find(qn("w:pgNumType"))
    if existing is None:
        existing = etree.Element(qn("w:pgNumType"))
        anchor = sect_pr.find(qn("w:pgMar"))
        if anchor is None:
            sect_pr.append(existing)
        else:
            anchor.addnext(existing)
    existing.set(qn("w:start"), "1")


def render_docx(content: PaperContent, *, progress: Progress | None = None) -> bytes:
    """The document as DOCX bytes.

    ``progress(done, total)`` is called every 50 units (a paragraph, a
    heading or a table row each) and once at the end.
    """
    ticker = layout.ProgressTicker(progress, layout.content_units(content))
    document = DocxDocument()
    ids = _styles(document)
    _first_section(document, ids, content)
    core = document.core_properties
    core.title = " ".join(x for x in (content.title, content.subject) if x)[:250]
    core.subject = content.reference[:250]
    core.author = " ".join(content.issuer_lines)[:250]
    core.language = "vi-VN"
    body = document.element.body
    # The default template starts with one empty paragraph.
    for p in body.findall(qn("w:p")):
        body.remove(p)
    sentinel = body.find(qn("w:sectPr"))

    def put(elements: Iterable) -> None:
        for element in elements:
            sentinel.addprevious(element)

    put(_header(content, ids))
    put(_title(content, ids))
    put(_addressees(content, ids))
    put(_blocks(content.blocks, ids, layout.text_width_mm(), ticker))
    put(_closing(content, ids))
    for annex in content.annexes:
        # A new section: the break paragraph keeps the previous section's
        # properties (and headers); the new one inherits the headers.
        section = document.add_section(WD_SECTION.NEW_PAGE)
        sentinel = body.find(qn("w:sectPr"))
        _shrink_break(sentinel.getprevious())
        _page_setup(section, landscape=annex.landscape)
        _restart_page_numbers(sentinel)
        # The annex's first page has its own, empty header: no page number
        # and no draft mark (the mark belongs to page 1 of the document).
        section.first_page_header.is_linked_to_previous = False
        text_mm = layout.text_width_mm(annex.landscape)
        put(_annex_head(annex, ids))
        put(_blocks(annex.blocks, ids, text_mm, ticker))
    ticker.finish()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
