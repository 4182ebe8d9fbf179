"""What a paper's input is cleaned to before it is stored (the texts, the
body's blocks, the annexes, the subject): ``ValidationError`` keyed by
field on bad input.

``clean_text`` is the rule every app's texts follow (re-exported by
``services``, where the other apps import it from).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from . import content as c
from .models import Paper

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BLOCKS_MAX = 2000
TEXT_MAX = 20_000
CELLS_MAX = 200_000


def clean_text(value: Any, *, multiline: bool = False, limit: int = TEXT_MAX) -> str:
    """NFC, no control characters (no NUL), one line unless ``multiline``."""
    text = unicodedata.normalize("NFC", str(value or ""))
    # Lone surrogates cannot be stored or encoded: drop them.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()[: limit + 1]


def clean_blocks(blocks: Any, field: str = "blocks") -> list[dict]:
    """The body as stored JSON, validated and cleaned; ValidationError on bad."""
    if isinstance(blocks, (list, tuple)) and all(
        isinstance(b, (c.Paragraph, c.Heading, c.Table)) for b in blocks
    ):
        blocks = c.blocks_to_json(blocks)
    try:
        parsed = c.blocks_from_json(blocks)
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(
            {field: [gettext("The body of the document is not valid.")]}
        ) from None
    if len(parsed) > BLOCKS_MAX:
        raise ValidationError(
            {
                field: [
                    gettext("A document has at most %(n)d parts.") % {"n": BLOCKS_MAX}
                ]
            }
        )
    cells = 0
    cleaned: list[c.Block] = []
    for block in parsed:
        if isinstance(block, c.Table):
            rows = []
            for row in block.rows:
                cells += len(row.cells)
                rows.append(
                    c.TableRow(
                        cells=tuple(clean_text(x, multiline=True) for x in row.cells),
                        group=row.group,
                    )
                )
            cleaned.append(
                c.Table(
                    columns=tuple(clean_text(x) for x in block.columns),
                    rows=tuple(rows),
                    widths=block.widths,
                    center=block.center,
                    font_size=block.font_size,
                    caption=clean_text(block.caption),
                )
            )
        elif isinstance(block, c.Heading):
            text = clean_text(block.text)
            if text:
                cleaned.append(c.Heading(text=text, level=block.level))
        else:
            text = clean_text(block.text, multiline=True)
            if len(text) > TEXT_MAX:
                raise ValidationError(
                    {
                        field: [
                            gettext("A paragraph is too long (over 20,000 characters).")
                        ]
                    }
                )
            if text:
                cleaned.append(
                    c.Paragraph(
                        text=text,
                        bold=block.bold,
                        italic=block.italic,
                        align=block.align,
                        indent=block.indent,
                    )
                )
    if cells > CELLS_MAX:
        raise ValidationError({field: [gettext("The tables are too large.")]})
    return c.blocks_to_json(cleaned)


def clean_annexes(annexes: Any) -> list[dict]:
    if isinstance(annexes, (list, tuple)) and all(
        isinstance(a, c.Annex) for a in annexes
    ):
        annexes = c.annexes_to_json(annexes)
    try:
        parsed = c.annexes_from_json(annexes or [])
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(
            {"annexes": [gettext("The annexes are not valid.")]}
        ) from None
    return [
        {
            "title": clean_text(a.title),
            "subtitle": clean_text(a.subtitle),
            "note": clean_text(a.note),
            "landscape": a.landscape,
            "blocks": clean_blocks(c.blocks_to_json(a.blocks), "annexes"),
        }
        for a in parsed
    ]


def clean_subject(subject: Any) -> str:
    text = clean_text(subject)
    if not text:
        raise ValidationError({"subject": [gettext("Write the subject (trích yếu).")]})
    if len(text) > Paper._meta.get_field("subject").max_length:
        raise ValidationError(
            {
                "subject": [
                    gettext("The subject is longer than %(n)d characters.")
                    % {"n": Paper._meta.get_field("subject").max_length}
                ]
            }
        )
    return text
