"""Sample documents of each kind, for the render and import tests and the bench."""

from __future__ import annotations

import datetime

from dieuphoi.paperwork.content import (
    Annex,
    Heading,
    PaperContent,
    Paragraph,
    Signature,
    Table,
    TableRow,
    place_date_line,
    recipient_lines,
)

ON = datetime.date(2026, 3, 5)
ISSUER = ["TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ", "CỦA THÀNH PHỐ HÀ NỘI"]
COLUMNS = ("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tiến độ")

# kind -> (layout, title, symbol, subject, addressees)
KINDS = {
    "cong-van": (
        "letter",
        "",
        "TĐP-KTĐN",
        "đôn đốc thực hiện nhiệm vụ liên kết vùng",
        ["Sở Xây dựng", "Sở Tài chính", "Sở Nông nghiệp và Môi trường"],
    ),
    "to-trinh": (
        "titled",
        "TỜ TRÌNH",
        "TTr-TĐP",
        "Về việc ban hành Kế hoạch phối hợp phát triển Vùng Thủ đô năm 2026",
        ["Ủy ban nhân dân Thành phố"],
    ),
    "giay-moi": (
        "titled",
        "GIẤY MỜI",
        "GM-TĐP",
        "Dự họp Tổ điều phối Vùng Thủ đô quý I năm 2026",
        [],
    ),
    "thong-bao": (
        "titled",
        "THÔNG BÁO",
        "TB-TĐP",
        "Kết luận của Tổ trưởng tại cuộc họp ngày 02/3/2026",
        [],
    ),
    "bao-cao": (
        "titled",
        "BÁO CÁO",
        "BC-TĐP",
        "Kết quả thực hiện nhiệm vụ điều phối Vùng Thủ đô quý I năm 2026",
        [],
    ),
    "ke-hoach": (
        "titled",
        "KẾ HOẠCH",
        "KH-TĐP",
        "Triển khai nhiệm vụ liên kết vùng năm 2026",
        [],
    ),
    "quyet-dinh": (
        "titled",
        "QUYẾT ĐỊNH",
        "QĐ-TĐP",
        "Về việc thành lập Tổ giúp việc của Tổ điều phối",
        [],
    ),
}


def task_rows(n: int, *, group_every: int = 0) -> tuple[TableRow, ...]:
    rows: list[TableRow] = []
    for i in range(n):
        if group_every and i % group_every == 0:
            rows.append(
                TableRow(
                    cells=(f"Nhóm {i // group_every + 1}: Sở Xây dựng",), group=True
                )
            )
        rows.append(
            TableRow(
                cells=(
                    str(i + 1),
                    f"Nghiên cứu cơ chế phối hợp đầu tư hạ tầng giao thông kết nối vùng, hạng mục {i + 1}",
                    "Sở Xây dựng",
                    "31/03/2026",
                    f"{i % 100}% - đang hoàn thiện hồ sơ",
                )
            )
        )
    return tuple(rows)


def sample_table(n: int = 4, *, group_every: int = 0, caption: str = "") -> Table:
    return Table(
        columns=COLUMNS,
        rows=task_rows(n, group_every=group_every),
        widths=(1, 6, 3, 2, 3),
        center=(0, 3),
        caption=caption,
    )


def sample_blocks(*, table_rows: int = 4) -> list:
    return [
        Paragraph(
            "Thực hiện Quyết định số 4854/QĐ-UBND ngày 02/12/2022 của Ủy ban nhân dân "
            "Thành phố, Tổ điều phối báo cáo kết quả như sau:"
        ),
        Heading("KẾT QUẢ THỰC HIỆN", level=1),
        Heading("Công tác chỉ đạo, điều hành", level=2),
        Paragraph(
            "Các sở, ngành đã chủ động triển khai nhiệm vụ được giao; tiến độ ở một số "
            "lĩnh vực còn chậm so với yêu cầu của Hội đồng điều phối vùng."
        ),
        Heading("Về quy hoạch và hạ tầng", level=3),
        Paragraph("Danh mục nhiệm vụ chậm tiến độ:", indent=False, italic=True),
        sample_table(
            table_rows, group_every=3, caption="Bảng 1. Nhiệm vụ chậm tiến độ"
        ),
        Heading("NHIỆM VỤ THỜI GIAN TỚI", level=1),
        Paragraph("Đề nghị các sở, ngành khẩn trương hoàn thành nhiệm vụ.", bold=True),
        Paragraph("Trân trọng./.", align="left", indent=False),
    ]


def sample_content(
    kind: str = "bao-cao",
    *,
    draft: bool = False,
    annexes: list[Annex] | None = None,
    table_rows: int = 4,
) -> PaperContent:
    layout, title, symbol, subject, addressees = KINDS[kind]
    return PaperContent(
        layout=layout,
        governing_body="UBND THÀNH PHỐ HÀ NỘI",
        issuer_lines=list(ISSUER),
        reference=f"Số: 12/{symbol}",
        place_date=place_date_line("Hà Nội", ON),
        title=title,
        subject=subject,
        addressees=list(addressees),
        blocks=sample_blocks(table_rows=table_rows),
        recipients=recipient_lines(
            ["Như trên", "UBND Thành phố (để báo cáo)", "Lưu: VT, TĐP"]
        ),
        signature=Signature(
            authority="KT. TỔ TRƯỞNG", title="PHÓ TỔ TRƯỞNG", name="Nguyễn Văn Hùng"
        ),
        annexes=annexes or [],
        draft=draft,
    )


def sample_annex(*, landscape: bool = True, rows: int = 6) -> Annex:
    return Annex(
        title="Phụ lục I",
        subtitle="DANH MỤC NHIỆM VỤ LIÊN KẾT VÙNG",
        note="(Kèm theo Báo cáo số 12/BC-TĐP ngày 05/3/2026 của Tổ điều phối)",
        blocks=(
            Paragraph("Số liệu tính đến ngày 28/02/2026.", indent=False),
            sample_table(rows),
        ),
        landscape=landscape,
    )


def big_report(
    *, headings: int = 25, paragraphs: int = 80, tables: int = 5, rows: int = 200
) -> PaperContent:
    """The ~40-page Báo cáo of the bench: eight-column tables of ``rows`` rows."""
    columns = (
        "STT",
        "Mã",
        "Nhiệm vụ",
        "Văn bản giao",
        "Chủ trì",
        "Thời hạn",
        "Quá hạn (ngày)",
        "Tiến độ",
    )
    blocks: list = []
    levels = [1, 2, 2, 3, 3]
    per_heading = max(1, paragraphs // headings)
    table_after = max(1, headings // tables)
    made_tables = 0
    for h in range(headings):
        blocks.append(
            Heading(
                f"Nội dung điều phối số {h + 1} về liên kết vùng", level=levels[h % 5]
            )
        )
        for k in range(per_heading):
            blocks.append(
                Paragraph(
                    f"Đoạn {h + 1}.{k + 1}: Các sở, ngành, quận, huyện đã tích cực phối hợp "
                    "với các tỉnh trong Vùng Thủ đô triển khai các nhiệm vụ được giao tại "
                    "Quy hoạch Vùng Thủ đô thời kỳ 2021-2030, tầm nhìn đến năm 2050; tuy "
                    "nhiên tiến độ một số dự án hạ tầng kết nối còn chậm, cần tháo gỡ."
                )
            )
        if (h + 1) % table_after == 0 and made_tables < tables:
            made_tables += 1
            blocks.append(
                Table(
                    columns=columns,
                    rows=tuple(
                        TableRow(
                            cells=(
                                str(i + 1),
                                f"NV-2026-{i + 1:04d}",
                                f"Hạ tầng kết nối, mục {i + 1}",
                                "986/QĐ-TTg",
                                "Sở Xây dựng",
                                "31/03/2026",
                                str(5 + i % 90),
                                (
                                    f"{i % 100}% - lấy ý kiến sở, ngành"
                                    if i % 4 == 0
                                    else f"{i % 100}%"
                                ),
                            )
                        )
                        for i in range(rows)
                    ),
                    widths=(10, 25.5, 38, 22, 22, 19.5, 12, 16),  # mm
                    font_size=10.5,
                    center=(0, 1, 5, 6),
                    caption=f"Bảng {made_tables}. Danh mục nhiệm vụ",
                )
            )
    content = sample_content("bao-cao")
    content.blocks = blocks
    return content


# --- reading the files back ---------------------------------------------------------


def norm(text: str) -> str:
    """NFC, NBSP as space, whitespace collapsed: how lines are compared."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", text).replace("\u00a0", " ").split())


def docx_lines(data: bytes) -> list[tuple[str, str]]:
    """(style name, text) of every non-empty paragraph of the main story, in
    reading order: table cells row by row, cell by cell."""
    import io

    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(data))
    names = {s.style_id: s.name for s in document.styles}
    out: list[tuple[str, str]] = []

    def paragraph(p) -> None:
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        name = names.get(style.get(qn("w:val")), "") if style is not None else "Normal"
        text = "".join(
            "\n" if el.tag == qn("w:br") else (el.text or "")
            for el in p.iter(qn("w:t"), qn("w:br"))
        )
        if text.strip():
            out.append((name, text))

    for child in document.element.body:
        if child.tag == qn("w:p"):
            paragraph(child)
        elif child.tag == qn("w:tbl"):
            for tr in child.findall(qn("w:tr")):
                for tc in tr.findall(qn("w:tc")):
                    for p in tc.findall(qn("w:p")):
                        paragraph(p)
    return out


def pdf_pages(data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def in_order(needles: list[str], haystack: str) -> list[str]:
    """The needles not found in ``haystack`` in this order (empty: all found)."""
    missing, position = [], 0
    for needle in needles:
        found = haystack.find(needle, position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(needle)
    return missing


def key(text: str, words: int = 6) -> str:
    """The first words of a line: long lines wrap differently in the two files."""
    return " ".join(norm(text).split()[:words])
