"""A contribution's sections: plain text that becomes the documents
engine's blocks (``paperwork.content``), and the headings a request asks for.

- ``text_to_blocks(text) -> list[Block]``: one ``Paragraph`` per non-empty
  line; a run of two or more lines that each contain a TAB (a range pasted
  from Excel or a table from Word) or start with ``|`` (a typed table) is a
  ``Table`` whose first line is the header. Cells are trimmed; a typed
  table's ``|---|---|`` separator line is dropped; short rows are padded.
- ``clean_headings(raw) -> list[dict]``: a request's headings
  (``{"key", "title", "required", "hint"}``) checked and normalised, keys
  made up (``s1``, ``s2``…) where missing.
- ``clean_sections(headings, data) -> dict``: ``{heading key: text}``
  checked against the headings (an unknown key is refused on that key),
  each text cleaned by the paperwork rules (``paperwork.services.clean_text``:
  NFC, no control characters) and within the limits below.
- ``missing_required(headings, sections) -> list[str]``: the required
  headings left empty.

The text is what is stored (``Contribution.sections``) and edited; the
blocks are made from it when a document or a preview needs them, so the
same text always gives the same blocks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from dieuphoi.paperwork import content as c
from dieuphoi.paperwork.services import TEXT_MAX, clean_text

# One section's text (a few pages, tables included).
SECTION_MAX = 100_000
# A line of text, a cell (the paperwork limit of a paragraph).
LINE_MAX = TEXT_MAX
HEADINGS_MAX = 30
HEADING_TITLE_MAX = 300
HEADING_HINT_MAX = 1000
TABLE_COLUMNS_MAX = 30
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")
# The paperwork's control characters (TAB and line feed are kept).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_section_text(value: Any) -> str:
    """A section's text as stored: the paperwork's cleaning (NFC, no control
    characters, ``\n`` line ends) without trimming the first line, whose
    leading TAB is an empty top-left cell of a pasted range."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip("\n").rstrip()


def _table_kind(line: str) -> str:
    """``"pipe"``, ``"tab"`` or ``""`` (not a table line)."""
    if line.lstrip().startswith("|"):
        return "pipe"
    return "tab" if "\t" in line else ""


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if _table_kind(line) == "pipe":
        stripped = stripped[1:]
        if stripped.endswith("|"):
            stripped = stripped[:-1]
        parts = stripped.split("|")
    else:
        parts = line.split("\t")
    return [clean_text(part, limit=LINE_MAX)[:LINE_MAX] for part in parts]


def _is_separator(cells: list[str]) -> bool:
    """``|---|:--:|``: the line under a typed table's header."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(_SEPARATOR_CELL.match(cell) for cell in filled)


def _table(lines: list[str]) -> c.Table:
    rows = [cells for cells in map(_cells, lines) if not _is_separator(cells)]
    # Trailing empty cells (a tab at the end of a pasted line) carry nothing.
    width = max(
        [1]
        + [max((i + 1 for i, x in enumerate(cells) if x), default=0) for cells in rows]
    )
    rows = [(cells + [""] * width)[:width] for cells in rows]
    header, body = rows[0], rows[1:]
    return c.Table(
        columns=tuple(header),
        rows=tuple(c.TableRow(cells=tuple(cells)) for cells in body),
    )


def text_to_blocks(text: str) -> list[c.Block]:
    """The blocks of one section's text (see the module's docstring)."""
    lines = clean_section_text(text)[: SECTION_MAX + 1].split("\n")
    blocks: list[c.Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        kind = _table_kind(line)
        if kind:
            j = i
            while j < len(lines) and _table_kind(lines[j]) == kind:
                j += 1
            run = lines[i:j]
            if len(run) >= 2:
                table = _table(run)
                if table.rows or any(table.columns):
                    blocks.append(table)
                i = j
                continue
        paragraph = clean_text(line, limit=LINE_MAX)[:LINE_MAX]
        if paragraph:
            blocks.append(c.Paragraph(text=paragraph))
        i += 1
    return blocks


def has_table(text: str) -> bool:
    return any(isinstance(b, c.Table) for b in text_to_blocks(text))


# --- headings ------------------------------------------------------------------------


def clean_headings(raw: Any, *, field: str = "headings") -> list[dict]:
    """A request's headings as stored: ``[{"key", "title", "required",
    "hint"}]``; ``ValidationError`` on ``field`` when they are not usable."""
    if not isinstance(raw, (list, tuple)):
        raise ValidationError({field: [gettext("The headings are not valid.")]})
    errors: list[str] = []
    out: list[dict] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, 1):
        if isinstance(item, str):
            item = {"title": item}
        if not isinstance(item, Mapping):
            errors.append(gettext("The headings are not valid."))
            break
        title = clean_text(item.get("title"), limit=HEADING_TITLE_MAX)
        if not title:
            errors.append(gettext("Heading %(n)d has no title.") % {"n": position})
            continue
        if len(title) > HEADING_TITLE_MAX:
            errors.append(
                gettext("Heading %(n)d is longer than %(max)d characters.")
                % {"n": position, "max": HEADING_TITLE_MAX}
            )
            continue
        key = clean_text(item.get("key"), limit=40).lower() or f"s{position}"
        if not KEY_RE.match(key):
            errors.append(
                gettext(
                    "The key of heading %(n)d may have only letters a-z, digits, "
                    "- and _."
                )
                % {"n": position}
            )
            continue
        if key in seen:
            key = f"s{position}"
            while key in seen:
                key = f"{key}_"
        seen.add(key)
        out.append(
            {
                "key": key,
                "title": title,
                "required": bool(item.get("required", False)),
                "hint": clean_text(item.get("hint"), multiline=True)[:HEADING_HINT_MAX],
            }
        )
    if not errors and not out:
        errors.append(gettext("Give at least one heading."))
    if len(out) > HEADINGS_MAX:
        errors.append(gettext("At most %(n)d headings.") % {"n": HEADINGS_MAX})
    if errors:
        raise ValidationError({field: errors})
    return out


def blank_headings() -> list[dict]:
    """The headings when no template applies: one free section."""
    return [
        {
            "key": "content",
            "title": gettext("Results in the period"),
            "required": True,
            "hint": "",
        },
        {
            "key": "difficulties",
            "title": gettext("Difficulties and recommendations"),
            "required": False,
            "hint": "",
        },
    ]


# --- sections ------------------------------------------------------------------------


def clean_sections(headings: list[dict], data: Any) -> dict[str, str]:
    """``data`` (``{heading key: text}``) checked against ``headings``:
    the cleaned texts of the keys given. ``ValidationError`` keyed by the
    heading key (``sections`` when ``data`` is not an object)."""
    if not isinstance(data, Mapping):
        raise ValidationError(
            {"sections": [gettext("The sections must be an object of texts.")]}
        )
    known = {h["key"] for h in headings}
    errors: dict[str, list[str]] = {}
    out: dict[str, str] = {}
    for key, value in data.items():
        key = str(key)
        if key not in known:
            errors.setdefault(key[:60] or "sections", []).append(
                gettext("There is no such heading in the request.")
            )
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.setdefault(key, []).append(gettext("Write text."))
            continue
        text = clean_section_text(value)
        if len(text) > SECTION_MAX:
            errors.setdefault(key, []).append(
                gettext("The section is longer than %(n)s characters.")
                % {"n": f"{SECTION_MAX:,}".replace(",", ".")}
            )
            continue
        too_long = any(len(line) > LINE_MAX for line in text.split("\n"))
        if too_long:
            errors.setdefault(key, []).append(
                gettext("A paragraph is too long (over 20,000 characters).")
            )
            continue
        wide = any(
            isinstance(b, c.Table) and len(b.columns) > TABLE_COLUMNS_MAX
            for b in text_to_blocks(text)
        )
        if wide:
            errors.setdefault(key, []).append(
                gettext("A table has more than %(n)d columns.")
                % {"n": TABLE_COLUMNS_MAX}
            )
            continue
        out[key] = text
    if errors:
        raise ValidationError(errors)
    return out


def missing_required(headings: list[dict], sections: Mapping[str, str]) -> list[str]:
    """Keys of the required headings whose text is empty."""
    return [
        h["key"]
        for h in headings
        if h.get("required") and not str(sections.get(h["key"]) or "").strip()
    ]
