"""Cells of XLSX exports (openpyxl, write-only mode), text always as text.

A title or a progress report is data typed by people: one starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be a live
formula (formula or "CSV" injection) when leadership opens the file, and
openpyxl itself stores any string starting with ``=`` as a formula and
``#N/A`` as an error. Every export writes its text through ``cell`` or
``row``: the text is kept exactly and stored as a string; one that starts
with a formula trigger also gets Excel's quote prefix (the hidden
apostrophe), so editing the cell does not turn it into a formula either.
Characters XML cannot hold (control characters, lone surrogates) are
dropped or replaced instead of failing the whole export.
"""

from __future__ import annotations

import datetime

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD/MM/YYYY"


def clean_text(value: str) -> str:
    """``value`` without the characters an XLSX file cannot hold."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    # A lone surrogate cannot be encoded: "?" instead of a failed export.
    return value.encode("utf-8", "replace").decode("utf-8")


def text_cell(ws, value: str) -> WriteOnlyCell:
    """A string cell holding ``value`` literally, never a formula."""
    value = clean_text(value)
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl makes "=..." a formula and "#N/A" an error
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def cell(ws, value):
    """``value`` ready for ``ws.append``: text as ``text_cell``, dates with
    the dd/mm/yyyy format, cells and numbers as they are."""
    if isinstance(value, Cell):
        return value
    if isinstance(value, str):
        return text_cell(ws, value)
    if isinstance(value, datetime.date):
        out = WriteOnlyCell(ws, value=value)
        out.number_format = DATE_FORMAT
        return out
    return value


def row(ws, values) -> list:
    """``values`` as cells for ``ws.append``."""
    return [cell(ws, value) for value in values]
