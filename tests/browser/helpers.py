"""Small steps shared by the journeys: choosing in a Tom Select, reading
cells, a tiny valid PDF, a label as the Vietnamese page shows it."""

import re

from django.utils import translation
from playwright.sync_api import Page, expect


def vi(text) -> str:
    """``text``, a lazy string (``gettext_lazy``, a choice's label), as the
    server renders it in Vietnamese: evaluated here, inside the override."""
    with translation.override("vi"):
        return str(text)


def choose(page: Page, select_id: str, label: str, *, typed: str | None = None):
    """Pick ``label`` in the Tom Select that replaced ``<select id=...>`` with
    the keyboard, as a keyboard user does: focus it, type part of the name,
    arrow down to the option, Enter, Tab away.

    (Clicking options races with Tom Select: it selects on mousedown and the
    click that follows can land on, and reopen, the control underneath.)
    """
    select = page.locator(f"#{select_id}")
    expect(select).to_have_class(re.compile(r"\btomselected\b"))
    control = page.locator(f"#{select_id}-ts-control")
    # The pointer, wherever the last click left it, would make the option
    # under it the active one.
    page.mouse.move(0, 0)
    control.focus()
    expect(control).to_be_focused()
    page.keyboard.insert_text(typed or label)
    dropdown = page.locator(f"#{select_id}-ts-dropdown")
    wanted = dropdown.locator("[role=option]").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
    )
    expect(wanted).to_have_count(1)
    # Tom Select filters after a pause (refreshThrottle): the options of the
    # filtered list carry the highlighted search words.
    expect(wanted.locator(".highlight").first).to_be_attached()
    value = wanted.get_attribute("data-value")
    options = dropdown.locator("[role=option]")
    active = dropdown.locator("[role=option].active")
    expect(active).to_have_count(1)
    for _ in range(60):
        current = active.get_attribute("data-value")
        if current == value:
            break
        values = options.evaluate_all("els => els.map(e => e.dataset.value)")
        step = values.index(value) - values.index(current)
        control.press("ArrowDown" if step > 0 else "ArrowUp")
        expect(active).not_to_have_attribute("data-value", current)
    else:
        raise AssertionError(f"option {label!r} of #{select_id} not reachable")
    control.press("Enter")
    if select.evaluate("el => el.multiple"):
        assert value in select.evaluate(
            "el => Array.from(el.selectedOptions).map(o => o.value)"
        )
    else:
        expect(select).to_have_value(value)
    control.press("Tab")
    expect(dropdown).to_be_hidden()


def column(page: Page, table: str, index: int = 0) -> list[str]:
    """Texts of one column of a table's body rows."""
    return [
        t.strip()
        for t in page.locator(f"{table} tbody tr").evaluate_all(
            f"rows => rows.map(r => r.cells[{index}] ? r.cells[{index}].innerText : '')"
        )
    ]


def row_with(page: Page, table: str, first_cell: str):
    """The body row of ``table`` whose first cell is exactly ``first_cell``."""
    return page.locator(f"{table} tbody tr").filter(
        has=page.locator(
            "td:first-child, th:first-child",
            has_text=re.compile(rf"^\s*{re.escape(first_cell)}\s*$"),
        )
    )


def tiny_pdf(text: str = "dieuphoi") -> bytes:
    """A minimal, valid one-page PDF (correct xref offsets)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the content stream, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects[3] = (
        b"<< /Length "
        + str(len(stream)).encode()
        + b" >>\nstream\n"
        + stream
        + b"\nendstream"
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def expect_no_console_errors(page: Page) -> None:
    expect(page.locator("body")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def open_section(page: Page, target_id: str):
    """Click the button that opens the collapsed ``#target_id`` and wait until
    it has finished opening (Bootstrap adds ``show`` after the transition; a
    click during it may land beside the button it aimed at). Returns it."""
    page.locator(f"button[aria-controls={target_id}]").click()
    section = page.locator(f"#{target_id}")
    expect(section).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    return section
