"""Read a DOCX made by ``render_docx`` (and then edited in Word) back into blocks.

The body is what lies between the header (with the title, subject and
"Kính gửi") and the closing table ("Nơi nhận" and the signature); each annex
is a section after it that starts with a "Paper Annex Title" paragraph.

- "Paper Body" paragraphs, and paragraphs of any other style a user typed in
  the body (Word's "Normal"), become ``Paragraph``; empty ones are dropped.
- "Paper Heading N" (or Word's "Heading N") become ``Heading(level=N)``
  with the number ("I.", "1.", "a)") stripped: the renderers number them.
- Tables become ``Table``: the first row gives the columns, a row of one
  cell spanning every column is a group row. ``tblDescription`` carries
  the widths, centred columns and type size the block had.

The file is read with the standard library's zipfile and a locked-down lxml
parser (no entities, no network, size limits), never executed or trusted:
anything that is not such a DOCX raises ``ValueError``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from . import layout
from .content import Annex, Block, Heading, Paragraph, Table, TableRow

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
STYLES_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
)

# A real document of a few hundred pages is a few MB of XML.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 5000


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_P, _TBL, _TR, _TC, _SDT = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("sdt")
_SECT_PR = _w("sectPr")

_NUMBER = {
    1: re.compile(r"^\s*[IVXLCDM]+\s*[.)]\s*"),
    2: re.compile(r"^\s*\d+\s*[.)]\s*"),
    3: re.compile(r"^\s*[a-zđ]\s*\)\s*", re.IGNORECASE),
}
_HEADING_STYLE = re.compile(r"^(?:paper )?heading ([1-9])$", re.IGNORECASE)
# Styles of the parts that are not body: header, title, addressees.
_FRAME_STYLES = {
    layout.docx_style_name(key)
    for key in (
        "Governing Body",
        "Issuer",
        "Reference",
        "Letter Subject",
        "National Title",
        "Motto",
        "Place Date",
        "Rule",
        "Draft Mark",
        "Title",
        "Subject",
        "Addressee",
        "Addressee Item",
        "Recipients Head",
        "Recipient",
        "Sign",
        "Page Number",
    )
}
_CAPTION = layout.docx_style_name("Caption")
_ANNEX_TITLE = layout.docx_style_name("Annex Title")
_ANNEX_SUBTITLE = layout.docx_style_name("Annex Subtitle")
_ANNEX_NOTE = layout.docx_style_name("Annex Note")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        load_dtd=False,
    )


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"missing part {name}") from None
    if info.file_size > MAX_PART_BYTES:
        raise ValueError("document part too large")
    with archive.open(info) as handle:
        data = handle.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise ValueError("document part too large")
    return data


def _xml(data: bytes):
    root = etree.fromstring(data, _parser())
    if root is None:
        raise ValueError("empty XML part")
    return root


def _main_part(archive: zipfile.ZipFile) -> str:
    """The main document's part name, from the package relationships."""
    try:
        rels = _xml(_read_part(archive, "_rels/.rels"))
    except ValueError:
        return "word/document.xml"
    for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
        if rel.get("Type") == OFFICE_DOCUMENT and rel.get("Target"):
            return rel.get("Target").lstrip("/")
    return "word/document.xml"


def _style_names(archive: zipfile.ZipFile, main: str) -> dict[str, str]:
    """Paragraph style id -> name (``PaperBody`` -> ``Paper Body``)."""
    folder = PurePosixPath(main).parent
    rels_name = str(folder / "_rels" / (PurePosixPath(main).name + ".rels"))
    styles_name = str(folder / "styles.xml")
    try:
        rels = _xml(_read_part(archive, rels_name))
        for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
            if rel.get("Type") == STYLES_REL and rel.get("Target"):
                target = rel.get("Target")
                styles_name = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else str(folder / target)
                )
    except ValueError:
        pass
    try:
        styles = _xml(_read_part(archive, styles_name))
    except ValueError:
        return {}
    names = {}
    for style in styles.iter(_w("style")):
        style_id = style.get(_w("styleId"))
        name = style.find(_w("name"))
        if style_id and name is not None and name.get(_w("val")):
            names[style_id] = name.get(_w("val"))
    return names


# --- text ------------------------------------------------------------------------

_SKIP = {_w("del"), _w("moveFrom"), _w("instrText"), _w("delText")}


def _text(element) -> str:
    """Visible text of a paragraph: w:t, tabs and breaks; deletions skipped."""
    out: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _w("t"):
                out.append(child.text or "")
            elif tag == _w("tab"):
                out.append("\t")
            elif tag in (_w("br"), _w("cr")):
                out.append("\n")
            elif tag == _w("noBreakHyphen"):
                out.append("-")
            else:
                walk(child)

    walk(element)
    return "".join(out)


def _on(element) -> bool:
    """A toggle property (w:b, w:i) is on unless its val says otherwise."""
    if element is None:
        return False
    return element.get(_w("val"), "true").lower() not in ("0", "false", "off")


def _runs_all(paragraph, tag: str) -> bool:
    """Every run with text has ``tag`` (w:b / w:i) set."""
    seen = False
    for run in paragraph.iter(_w("r")):
        if not _text(run).strip():
            continue
        seen = True
        rpr = run.find(_w("rPr"))
        if rpr is None or not _on(rpr.find(_w(tag))):
            return False
    return seen


@dataclass
class _Section:
    items: list = field(default_factory=list)
    landscape: bool = False


def _landscape(sect_pr) -> bool:
    size = sect_pr.find(_w("pgSz")) if sect_pr is not None else None
    if size is None:
        return False
    if size.get(_w("orient")) == "landscape":
        return True
    try:
        return int(size.get(_w("w"), "0")) > int(size.get(_w("h"), "0"))
    except ValueError:
        return False


def _flatten(body):
    """Block-level children, content controls (w:sdt) opened up."""
    for child in body:
        if child.tag == _SDT:
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _flatten(content)
        elif child.tag in (_P, _TBL):
            yield child


def _sections(body) -> list[_Section]:
    sections = [_Section()]
    for child in _flatten(body):
        sections[-1].items.append(child)
        if child.tag == _P:
            ppr = child.find(_w("pPr"))
            sect_pr = ppr.find(_SECT_PR) if ppr is not None else None
            if sect_pr is not None:
                sections[-1].landscape = _landscape(sect_pr)
                sections.append(_Section())
    sections[-1].landscape = _landscape(body.find(_SECT_PR))
    return sections


# --- blocks ----------------------------------------------------------------------


class _Reader:
    def __init__(self, style_names: dict[str, str]) -> None:
        self.style_names = style_names

    def style(self, paragraph) -> str:
        ppr = paragraph.find(_w("pPr"))
        pstyle = ppr.find(_w("pStyle")) if ppr is not None else None
        if pstyle is None:
            return "Normal"
        style_id = pstyle.get(_w("val"), "")
        return self.style_names.get(style_id, style_id)

    def table_mark(self, tbl) -> str:
        caption = tbl.find(f"{_w('tblPr')}/{_w('tblCaption')}")
        return caption.get(_w("val"), "") if caption is not None else ""

    def paragraph(self, p) -> Block | None:
        text = _text(p).strip("\n")
        if not text.strip():
            return None
        style = self.style(p)
        heading = _HEADING_STYLE.match(style)
        if heading:
            level = min(int(heading.group(1)), 3)
            stripped = _NUMBER[level].sub("", text, count=1).strip()
            return Heading(text=stripped or text.strip(), level=level)
        ppr = p.find(_w("pPr"))
        align = "justify"
        indent = True
        if ppr is not None:
            jc = ppr.find(_w("jc"))
            if jc is not None:
                align = {
                    "left": "left",
                    "start": "left",
                    "center": "center",
                    "right": "right",
                    "end": "right",
                }.get(jc.get(_w("val"), ""), "justify")
            ind = ppr.find(_w("ind"))
            if ind is not None:
                first = ind.get(_w("firstLine"))
                hanging = ind.get(_w("hanging"))
                if (first is not None and first.strip() in ("0", "")) or hanging:
                    indent = False
        return Paragraph(
            text=text.strip(),
            bold=_runs_all(p, "b"),
            italic=_runs_all(p, "i"),
            align=align,
            indent=indent,
        )

    def table(self, tbl, caption: str = "") -> Table | None:
        rows = tbl.findall(_TR)
        if not rows:
            return None
        grid = tbl.find(_w("tblGrid"))
        ncols = len(grid.findall(_w("gridCol"))) if grid is not None else 0

        def cells(tr) -> list[str]:
            return [
                "\n".join(_text(p) for p in tc.iter(_P)).strip()
                for tc in tr.findall(_TC)
            ]

        columns = tuple(cells(rows[0]))
        ncols = ncols or len(columns)
        if not columns:
            return None
        body_rows = []
        for tr in rows[1:]:
            tcs = tr.findall(_TC)
            values = cells(tr)
            span = 1
            if len(tcs) == 1:
                grid_span = tcs[0].find(f"{_w('tcPr')}/{_w('gridSpan')}")
                try:
                    span = (
                        int(grid_span.get(_w("val"), "1"))
                        if grid_span is not None
                        else 1
                    )
                except ValueError:
                    span = 1
            if len(tcs) == 1 and span >= ncols > 1:
                body_rows.append(TableRow(cells=(values[0],), group=True))
                continue
            values = (values + [""] * len(columns))[: len(columns)]
            body_rows.append(TableRow(cells=tuple(values)))
        meta = self.table_meta(tbl, len(columns))
        return Table(
            columns=columns,
            rows=tuple(body_rows),
            caption=caption,
            **meta,
        )

    def table_meta(self, tbl, ncols: int) -> dict:
        description = tbl.find(f"{_w('tblPr')}/{_w('tblDescription')}")
        meta: dict = {}
        if description is not None:
            try:
                data = json.loads(description.get(_w("val"), ""))
                widths = tuple(float(x) for x in data.get("widths") or ())
                center = tuple(int(x) for x in data.get("center") or ())
                meta = {
                    "widths": widths if len(widths) in (0, ncols) else (),
                    "center": tuple(c for c in center if 0 <= c < ncols),
                    "font_size": float(data.get("font_size") or 0),
                }
            except (ValueError, TypeError, AttributeError):
                meta = {}
        if not meta:
            grid = tbl.find(_w("tblGrid"))
            widths = ()
            if grid is not None:
                try:
                    widths = tuple(
                        float(col.get(_w("w"), "0"))
                        for col in grid.findall(_w("gridCol"))
                    )
                except ValueError:
                    widths = ()
            meta = {"widths": widths if len(widths) == ncols and all(widths) else ()}
        return meta

    def blocks(self, items) -> list[Block]:
        out: list[Block] = []
        caption = ""
        for item in items:
            if item.tag == _TBL:
                table = self.table(item, caption)
                caption = ""
                if table is not None:
                    out.append(table)
                continue
            if caption:
                out.append(Paragraph(text=caption))
                caption = ""
            style = self.style(item)
            if style == _CAPTION:
                caption = _text(item).strip()
                continue
            if style in _FRAME_STYLES:
                continue
            block = self.paragraph(item)
            if block is not None:
                out.append(block)
        if caption:
            out.append(Paragraph(text=caption))
        return out


def _open(data: bytes) -> zipfile.ZipFile:
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValueError("not a DOCX file: empty")
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        if len(archive.infolist()) > MAX_ARCHIVE_MEMBERS:
            raise ValueError("not a DOCX file: too many parts")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ValueError("not a DOCX file") from exc
    return archive


def import_docx(data: bytes) -> tuple[list[Block], list[Annex]]:
    """The body blocks and the annexes of a DOCX.

    Raises ``ValueError`` when ``data`` is not a DOCX or has no body text.
    """
    try:
        return _import(data)
    except ValueError:
        raise
    except Exception as exc:  # a broken file must never escape as a crash
        raise ValueError("not a readable DOCX file") from exc


def _import(data: bytes) -> tuple[list[Block], list[Annex]]:
    archive = _open(data)
    with archive:
        main = _main_part(archive)
        try:
            root = _xml(_read_part(archive, main))
        except etree.XMLSyntaxError as exc:
            raise ValueError("not a DOCX file: broken document part") from exc
        reader = _Reader(_style_names(archive, main))
    body = root.find(_w("body"))
    if body is None:
        raise ValueError("not a DOCX file: no document body")

    # Each annex starts at its "Paper Annex Title" paragraph and runs to the
    # next one; it is landscape when its title's section is. Going by the
    # titles rather than the section breaks keeps an annex whose break the
    # user deleted in Word.
    main_items: list = []
    annex_sections: list[_Section] = []
    for section in _sections(body):
        for item in section.items:
            if item.tag == _P and reader.style(item) == _ANNEX_TITLE:
                annex_sections.append(_Section(landscape=section.landscape))
            if annex_sections:
                annex_sections[-1].items.append(item)
            else:
                main_items.append(item)

    blocks = reader.blocks(_body_region(main_items, reader))
    annexes = [_annex(section, reader) for section in annex_sections]
    if not blocks and not any(a.blocks for a in annexes):
        raise ValueError("the document has no body text")
    return blocks, annexes


def _body_region(items: list, reader: _Reader) -> list:
    """The items between the header (title, Kính gửi) and the closing table."""
    marks = [reader.table_mark(i) if i.tag == _TBL else "" for i in items]
    start = 0
    if layout.HEADER_TABLE_MARK in marks:
        start = marks.index(layout.HEADER_TABLE_MARK) + 1
    end = len(items)
    if layout.CLOSING_TABLE_MARK in marks[start:]:
        end = start + marks[start:].index(layout.CLOSING_TABLE_MARK)
    region = items[start:end]
    # Header and closing tables are never body tables, wherever they are.
    return [
        item
        for item, mark in zip(region, marks[start:end], strict=True)
        if mark not in (layout.HEADER_TABLE_MARK, layout.CLOSING_TABLE_MARK)
    ]


def _annex(section: _Section, reader: _Reader) -> Annex:
    title = subtitle = note = ""
    rest = []
    for item in section.items:
        style = reader.style(item) if item.tag == _P else ""
        if style == _ANNEX_TITLE and not title:
            title = _text(item).strip()
        elif style == _ANNEX_SUBTITLE and not subtitle:
            subtitle = _text(item).strip()
        elif style == _ANNEX_NOTE and not note:
            note = _text(item).strip()
        else:
            rest.append(item)
    return Annex(
        title=title,
        subtitle=subtitle,
        note=note,
        blocks=tuple(reader.blocks(rest)),
        landscape=section.landscape,
    )
