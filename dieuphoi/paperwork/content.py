"""What an official document says, independent of the file format.

A capability (urging letters, proposals, meetings, reports) builds a
``PaperContent`` from its own data; ``render_docx`` and ``render_pdf`` lay the
same content out in the Decree 30/2020/NĐ-CP form, so the two files never
disagree. The content is also what the app stores (``to_json``/``from_json``)
and what the block editor edits, so a draft survives a round trip through the
database, the browser and Word.

The wording is Vietnamese data, not interface text: an official document of a
Vietnamese state body is issued in Vietnamese whatever the screen language.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ADDRESSEE_HEADING = "Kính gửi:"
RECIPIENTS_HEADING = "Nơi nhận:"
AS_ADDRESSED = "Như trên"
# A draft carries this mark in a box at the top left, as drafts circulated
# for comments do; the issued document has none.
DRAFT_MARK = "DỰ THẢO"

Layout = Literal["letter", "titled"]
Align = Literal["justify", "left", "center", "right"]


def dmy(day: datetime.date) -> str:
    """``05/03/2026``: the date format of tables (dd/mm/yyyy)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def document_number(number: int) -> str:
    """``05``: numbers below 10 take a leading zero (Decree 30/2020, App. I)."""
    return f"{number:02d}"


def place_date_line(place: str, day: datetime.date | None, *, year: int = 0) -> str:
    """``Hà Nội, ngày 05 tháng 3 năm 2026``.

    Decree 30/2020: a zero before days 1-9 and before months 1 and 2 only.
    Before issue (``day`` is None) day and month are left blank for the
    clerk, as on a paper draft: ``Hà Nội, ngày      tháng      năm 2026``.
    """
    if day is None:
        blank = "\u00a0" * 6
        return f"{place}, ngày {blank} tháng {blank} năm {year}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def recipient_lines(items: Iterable[str]) -> list[str]:
    """``["- Như trên;", ..., "- Lưu: VT, TĐP."]``: a dash each, ``;`` then ``.``."""
    cleaned = [item.strip().lstrip("-").strip().rstrip(";.").strip() for item in items]
    cleaned = [item for item in cleaned if item]
    return [
        f"- {item}{'.' if i == len(cleaned) - 1 else ';'}"
        for i, item in enumerate(cleaned)
    ]


# --- the body: a list of blocks -------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """Body text: justified, first line indented (Decree 30 App. I)."""

    text: str
    bold: bool = False
    italic: bool = False
    align: Align = "justify"
    indent: bool = True
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class Heading:
    """A numbered heading: level 1 ``I.``, level 2 ``1.``, level 3 ``a)``.

    The number is not stored: the renderers count headings in order
    (``numbered_blocks``), so inserting one renumbers the rest.
    """

    text: str
    level: int = 1
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    # A group heading row: its single cell spans every column (bold).
    group: bool = False


@dataclass(frozen=True)
class Table:
    """A table; its header row repeats on every page.

    ``widths`` are relative (they are scaled to the text width of the page
    the table sits on, portrait or landscape). ``center`` lists the columns
    whose cells are centred (numbers, dates).
    """

    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    widths: tuple[float, ...] = ()
    center: tuple[int, ...] = ()
    font_size: float = 0  # 0: the layout's table size
    caption: str = ""
    kind: Literal["table"] = "table"


Block = Paragraph | Heading | Table


@dataclass(frozen=True)
class Annex:
    """A ``Phụ lục`` after the signature: its own page, landscape when wide.

    ``title`` e.g. ``Phụ lục I``; ``subtitle`` the bold caps line under it;
    ``note`` the italic line ``(Kèm theo Báo cáo số .../BC-TĐP ngày ...)``.
    """

    title: str
    subtitle: str = ""
    note: str = ""
    blocks: tuple[Block, ...] = ()
    landscape: bool = False


@dataclass(frozen=True)
class Signature:
    authority: str = ""  # "TM. TỔ ĐIỀU PHỐI" / "KT. TỔ TRƯỞNG" / ""
    title: str = ""  # "TỔ TRƯỞNG" / "PHÓ TỔ TRƯỞNG"
    name: str = ""


@dataclass
class PaperContent:
    """Every line of one document, in reading order.

    ``layout`` "letter" (Công văn): ``V/v <subject>`` under the number, no
    title. "titled" (Tờ trình, Báo cáo, Thông báo, Giấy mời, Kế hoạch, Quyết
    định): the kind's title centred in bold capitals with the subject under
    it, no V/v line. ``addressees`` non-empty prints "Kính gửi:".
    """

    layout: Layout
    governing_body: str  # "UBND THÀNH PHỐ HÀ NỘI" (may be empty)
    issuer_lines: list[str]  # ["TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ"]
    reference: str  # "Số: 05/TĐP-KTĐN" or, before issue, "Số:      /TĐP-KTĐN"
    place_date: str
    title: str = ""  # "BÁO CÁO" (titled layout)
    subject: str = ""  # trích yếu
    addressees: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # already dashed
    signature: Signature = field(default_factory=Signature)
    annexes: list[Annex] = field(default_factory=list)
    draft: bool = False
    national_title: str = NATIONAL_TITLE
    motto: str = MOTTO
    meta: dict = field(default_factory=dict)


def heading_number(level: int, counters: list[int]) -> str:
    """``I.`` / ``1.`` / ``a)`` from the running counters of each level."""
    n = counters[level - 1]
    if level == 1:
        return f"{_roman(n)}."
    if level == 2:
        return f"{n}."
    return f"{chr(ord('a') + (n - 1) % 26)})"


def numbered_blocks(blocks: Iterable[Block]) -> list[tuple[Block, str]]:
    """Each block with its heading number (empty for other blocks).

    A level-1 heading restarts level 2 and 3; a level-2 heading restarts 3.
    """
    counters = [0, 0, 0]
    out: list[tuple[Block, str]] = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 3)
            counters[level - 1] += 1
            for deeper in range(level, 3):
                counters[deeper] = 0
            out.append((block, heading_number(level, counters)))
        else:
            out.append((block, ""))
    return out


def _roman(n: int) -> str:
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    out = ""
    for value, numeral in numerals:
        while n >= value:
            out += numeral
            n -= value
    return out


# --- storage: plain JSON ----------------------------------------------------


def block_to_json(block: Block) -> dict:
    if isinstance(block, Table):
        return {
            "kind": "table",
            "columns": list(block.columns),
            "rows": [
                {"cells": list(row.cells), **({"group": True} if row.group else {})}
                for row in block.rows
            ],
            "widths": list(block.widths),
            "center": list(block.center),
            "font_size": block.font_size,
            "caption": block.caption,
        }
    if isinstance(block, Heading):
        return {"kind": "heading", "text": block.text, "level": block.level}
    return {
        "kind": "paragraph",
        "text": block.text,
        "bold": block.bold,
        "italic": block.italic,
        "align": block.align,
        "indent": block.indent,
    }


def block_from_json(data: dict) -> Block:
    """Raises ``ValueError`` on anything that is not a block."""
    if not isinstance(data, dict):
        raise ValueError("block must be an object")
    kind = data.get("kind")
    if kind == "table":
        columns = tuple(str(c) for c in data.get("columns") or ())
        if not columns:
            raise ValueError("table without columns")
        rows = []
        for row in data.get("rows") or ():
            cells = tuple(str(c) for c in (row.get("cells") or ()))
            group = bool(row.get("group"))
            if not group:
                cells = (cells + ("",) * len(columns))[: len(columns)]
            rows.append(TableRow(cells=cells, group=group))
        return Table(
            columns=columns,
            rows=tuple(rows),
            widths=tuple(float(w) for w in data.get("widths") or ()),
            center=tuple(int(i) for i in data.get("center") or ()),
            font_size=float(data.get("font_size") or 0),
            caption=str(data.get("caption") or ""),
        )
    if kind == "heading":
        level = int(data.get("level") or 1)
        if level not in (1, 2, 3):
            raise ValueError("heading level must be 1, 2 or 3")
        return Heading(text=str(data.get("text") or ""), level=level)
    if kind == "paragraph":
        align = data.get("align") or "justify"
        if align not in ("justify", "left", "center", "right"):
            raise ValueError("unknown alignment")
        return Paragraph(
            text=str(data.get("text") or ""),
            bold=bool(data.get("bold")),
            italic=bool(data.get("italic")),
            align=align,
            indent=bool(data.get("indent", True)),
        )
    raise ValueError(f"unknown block kind: {kind!r}")


def blocks_to_json(blocks: Iterable[Block]) -> list[dict]:
    return [block_to_json(b) for b in blocks]


def blocks_from_json(data) -> list[Block]:
    if not isinstance(data, list):
        raise ValueError("blocks must be a list")
    return [block_from_json(item) for item in data]


def annexes_to_json(annexes: Iterable[Annex]) -> list[dict]:
    return [
        {
            "title": a.title,
            "subtitle": a.subtitle,
            "note": a.note,
            "landscape": a.landscape,
            "blocks": blocks_to_json(a.blocks),
        }
        for a in annexes
    ]


def annexes_from_json(data) -> list[Annex]:
    if not isinstance(data, list):
        raise ValueError("annexes must be a list")
    return [
        Annex(
            title=str(item.get("title") or ""),
            subtitle=str(item.get("subtitle") or ""),
            note=str(item.get("note") or ""),
            landscape=bool(item.get("landscape")),
            blocks=tuple(blocks_from_json(item.get("blocks") or [])),
        )
        for item in data
    ]
