"""The Báo cáo's content from compiled figures, laid out by the documents
engine and read back as an official would: the DOCX with python-docx, the
PDF with a text extractor (pypdf)."""

from __future__ import annotations

import datetime
import io
import unicodedata

import docx
import pypdf
import pytest

from dieuphoi.paperwork import content as c
from dieuphoi.paperwork.models import PaperKind
from dieuphoi.paperwork.services import paper_create, version_render
from dieuphoi.reports import document, figures
from dieuphoi.reports.models import Contribution, ContributionRequest, Report
from dieuphoi.tasks.rates import percent

from .conftest import COMPILED, at, june

pytestmark = pytest.mark.django_db


def make_report(body, fig, period, **kw) -> Report:
    return Report.objects.create(
        body=body,
        period_type=period.type,
        year=period.year,
        number=period.number,
        start=period.start,
        end=period.end,
        deadline=period.deadline,
        title="Báo cáo kết quả hoạt động tháng 6 năm 2026",
        figures=fig,
        **kw,
    )


@pytest.fixture
def compiled(report_world, member_agency, standing_agency, member):
    period = june()
    with at(COMPILED):
        fig = figures.compile_figures(report_world["body"], period)
    report = make_report(
        report_world["body"],
        fig,
        period,
        difficulties="Một số sở chậm cập nhật tiến độ.",
        recommendations="Đề nghị UBND Thành phố chỉ đạo các sở báo cáo đúng hạn.",
    )
    request = ContributionRequest.objects.create(
        report=report,
        headings=[
            {"key": "ket-qua", "title": "Kết quả thực hiện", "required": True},
            {"key": "kien-nghi", "title": "Kiến nghị", "required": False},
        ],
        deadline=datetime.date(2026, 6, 12),
    )
    Contribution.objects.create(
        request=request,
        agency=member_agency,
        name="Sở Xây dựng",
        state=Contribution.State.SUBMITTED,
        sections={
            "ket-qua": "Hoàn thành rà soát quy hoạch hạ tầng vùng.\n"
            "Hạng mục\tKết quả\nĐường vành đai\t80%",
            "kien-nghi": "",
        },
        submitted_on=datetime.date(2026, 6, 10),
    )
    Contribution.objects.create(
        request=request,
        agency=standing_agency,
        name="Sở Tài chính",
        state=Contribution.State.DRAFT,
        sections={"ket-qua": "Bản nháp chưa gửi"},
    )
    return report


def texts(blocks) -> list[str]:
    out = []
    for block in blocks:
        if isinstance(block, c.Table):
            out.append(" | ".join(block.columns))
            out.extend(" | ".join(row.cells) for row in block.rows)
        else:
            out.append(block.text)
    return out


def vi_percent(n: int, d: int) -> str:
    return f"{percent(n, d)}".replace(".", ",") + "%"


class TestContent:
    def test_the_sentences_carry_the_compiled_numbers(self, compiled):
        blocks, annexes = document.report_content(compiled)
        lines = texts(blocks)
        t = compiled.figures["tasks"]["counts"]["totals"]
        completed = t["completed_on_time"] + t["completed_late"]
        sentence = next(
            line for line in lines if line.startswith("Trong kỳ, Tổ điều phối")
        )
        assert f"đã giao {t['total']} nhiệm vụ" in sentence
        assert f"đã hoàn thành {completed} nhiệm vụ" in sentence
        assert f"{t['completed_on_time']} nhiệm vụ đúng hạn" in sentence
        assert f"(đạt {vi_percent(t['completed_on_time'], completed)}" in sentence
        assert "14/06/2026" in sentence
        assert annexes == []

    def test_the_headings_follow_the_report_outline(self, compiled):
        blocks, _ = document.report_content(compiled)
        headings = [(b.level, b.text) for b in blocks if isinstance(b, c.Heading)]
        level1 = [text for level, text in headings if level == 1]
        assert level1 == [
            "KẾT QUẢ THỰC HIỆN",
            "BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ",
            "KHÓ KHĂN, VƯỚNG MẮC",
            "KIẾN NGHỊ, ĐỀ XUẤT",
        ]
        assert (2, "Sở Xây dựng") in headings
        assert (3, "Kết quả thực hiện") in headings
        # Only submitted contributions, only headings with text.
        assert (2, "Sở Tài chính") not in headings
        assert (3, "Kiến nghị") not in headings

    def test_the_agency_table_and_its_total(self, compiled):
        blocks, _ = document.report_content(compiled)
        tables = [b for b in blocks if isinstance(b, c.Table)]
        agency = next(t for t in tables if "Nhiệm vụ được giao" in t.columns)
        by_agency = compiled.figures["tasks"]["counts"]["by_agency"]
        assert [row.cells[1] for row in agency.rows[:-1]] == [
            r["name"] for r in by_agency
        ]
        total = agency.rows[-1]
        assert total.cells[1] == "Tổng số"
        assert total.cells[2] == str(
            compiled.figures["tasks"]["counts"]["totals"]["total"]
        )
        # The contribution's tab-separated lines are a table too.
        assert any(t.columns == ("Hạng mục", "Kết quả") for t in tables)

    def test_a_long_table_goes_to_a_landscape_annex(self, compiled):
        fig = compiled.figures
        row = dict(fig["tasks"]["overdue"]["rows"][0])
        fig["tasks"]["overdue"]["rows"] = [
            row | {"id": i, "code": f"NV-{i}"} for i in range(40)
        ]
        fig["tasks"]["overdue"]["count"] = 40
        blocks, annexes = document.report_content(compiled)
        assert len(annexes) == 1
        assert annexes[0].title == "Phụ lục I"
        assert annexes[0].landscape is True
        assert len(annexes[0].blocks[0].rows) == 40
        assert "(Chi tiết tại Phụ lục I kèm theo.)" in texts(blocks)

    def test_an_empty_report(self, hanoi_team):
        from dieuphoi.reports import periods

        period = periods.period("monthly", 2024, 3)
        report = make_report(
            hanoi_team, figures.compile_figures(hanoi_team, period), period
        )
        blocks, annexes = document.report_content(report)
        lines = texts(blocks)
        assert any("đã giao 0 nhiệm vụ" in line for line in lines)
        assert "Chưa có cơ quan, đơn vị gửi báo cáo." in lines
        assert annexes == []


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


class TestRendered:
    def test_docx_and_pdf_say_the_numbers(self, compiled, secretariat, leader):
        blocks, annexes = document.report_content(compiled)
        paper = paper_create(
            actor=secretariat,
            body=compiled.body,
            kind=PaperKind.objects.get(key="bao-cao"),
            subject=compiled.title,
            blocks=blocks,
            annexes=annexes,
            signer=leader,
            render=False,
        )
        version = version_render(version_id=paper.current_id)
        with version.docx.open("rb") as handle:
            word = docx.Document(io.BytesIO(handle.read()))
        paragraphs = norm(" ".join(p.text for p in word.paragraphs))
        cells = norm(
            " ".join(
                cell.text
                for table in word.tables
                for row in table.rows
                for cell in row.cells
            )
        )
        with version.pdf.open("rb") as handle:
            reader = pypdf.PdfReader(io.BytesIO(handle.read()))
        pdf = norm(" ".join(page.extract_text() for page in reader.pages))

        t = compiled.figures["tasks"]["counts"]["totals"]
        completed = t["completed_on_time"] + t["completed_late"]
        rate = vi_percent(t["completed_on_time"], completed)
        for text in (paragraphs, pdf):
            assert "BÁO CÁO" in text
            assert f"đã giao {t['total']} nhiệm vụ" in text
            assert rate in text
            assert "I. KẾT QUẢ THỰC HIỆN" in text
            assert "III. KHÓ KHĂN, VƯỚNG MẮC" in text
            assert "Đề nghị UBND Thành phố chỉ đạo các sở báo cáo đúng hạn." in text
        key_row = compiled.figures["tasks"]["key"]["rows"][0]
        assert key_row["code"] in cells
        assert "Sở Xây dựng" in cells
