"""The messages of the Jinja2 templates (``*.jinja``, ``dieuphoi.core.jinja``)
for the catalogue: ``makemessages`` (``core.management.commands``) reads
them through ``python_source``, and a test checks each is translated."""

from __future__ import annotations

import io
from collections.abc import Iterator

from jinja2.ext import babel_extract

KEYWORDS = ("gettext", "ngettext", "pgettext", "npgettext")
OPTIONS = {"extensions": "jinja2.ext.i18n"}


def messages(source: str) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """``(line, function, strings)`` for each constant translation call."""
    found = babel_extract(io.BytesIO(source.encode("utf-8")), KEYWORDS, [], OPTIONS)
    for lineno, function, strings, _comments in found:
        strings = strings if isinstance(strings, tuple) else (strings,)
        # Only the constant arguments (the count of ngettext is not one).
        yield lineno, function, tuple(s for s in strings if isinstance(s, str))


def python_source(source: str) -> str:
    """The calls as Python, each on its template line, for ``xgettext``."""
    lines = [""] * (source.count("\n") + 1)
    for lineno, function, strings in messages(source):
        args = ", ".join(repr(s) for s in strings)
        extra = ", 0" if function in ("ngettext", "npgettext") else ""
        call = f"{function}({args}{extra})"
        lines[lineno - 1] = (
            f"{lines[lineno - 1]}; {call}" if lines[lineno - 1] else call
        )
    return "\n".join(lines) + "\n"
