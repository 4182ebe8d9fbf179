"""Issue 2 in a real browser: the secretariat's tour of the registry and the
documents register, and a member of another province's team refused the
Hanoi team's internal pages."""

import re

import pytest
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Document
from dieuphoi.org.models import Body

from .helpers import choose, column, expect_no_console_errors, row_with, tiny_pdf

pytestmark = pytest.mark.browser

HANOI_TEAM = "Tổ điều phối Vùng Thủ đô của TP. Hà Nội"
UNITS_2022 = [
    "TP. Hà Nội",
    "Tỉnh Bắc Giang",
    "Tỉnh Bắc Ninh",
    "Tỉnh Hà Nam",
    "Tỉnh Hòa Bình",
    "Tỉnh Hưng Yên",
    "Tỉnh Hải Dương",
    "Tỉnh Phú Thọ",
    "Tỉnh Thái Nguyên",
    "Tỉnh Vĩnh Phúc",
]
UNITS_2025 = [
    "TP. Hà Nội",
    "TP. Hải Phòng",
    "Tỉnh Bắc Ninh",
    "Tỉnh Hưng Yên",
    "Tỉnh Ninh Bình",
    "Tỉnh Phú Thọ",
    "Tỉnh Thái Nguyên",
]


def _show_region_on(page, date_text: str) -> None:
    form = page.locator("form.as-of-form")
    form.locator("input[name=on]").fill(date_text)
    form.locator("button[type=submit]").click()
    expect(page.locator(".as-of-date")).to_contain_text(date_text)


def test_secretariat_tours_registry_and_registers_a_document(
    seeded, page, log_in, shot
):
    log_in("thuky")

    # The region on 11/12/2022: Hà Nội and 9 provinces.
    page.goto("/registry/region/")
    _show_region_on(page, "11/12/2022")
    assert "on=11%2F12%2F2022" in page.url or "on=11/12/2022" in page.url
    units = page.locator("#region-units tbody tr")
    expect(units).to_have_count(10)
    assert sorted(column(page, "#region-units")) == sorted(UNITS_2022)
    vinh_phuc = row_with(page, "#region-units", "Tỉnh Vĩnh Phúc")
    expect(vinh_phuc).to_contain_text("30/06/2025")
    expect(vinh_phuc).to_contain_text("Tỉnh Phú Thọ (01/07/2025)")

    # Today: 7 units after the 2025 merger.
    today = local_today().strftime("%d/%m/%Y")
    page.locator("form.as-of-form a.btn-link").click()
    expect(page.locator(".as-of-date")).to_contain_text(today)
    expect(units).to_have_count(7)
    assert sorted(column(page, "#region-units")) == sorted(UNITS_2025)
    assert "Tỉnh Vĩnh Phúc" not in column(page, "#region-units")
    assert "Tỉnh Hòa Bình" not in column(page, "#region-units")

    # The merger: Phú Thọ from 01/07/2025 is formed from three provinces.
    phu_tho = row_with(page, "#merger-history", "Tỉnh Phú Thọ")
    expect(phu_tho).to_have_count(1)
    cells = phu_tho.locator("td")
    expect(cells.nth(1)).to_have_text("01/07/2025")
    predecessors = [p.strip() for p in cells.nth(2).inner_text().split(",")]
    assert sorted(predecessors) == ["Tỉnh Hòa Bình", "Tỉnh Phú Thọ", "Tỉnh Vĩnh Phúc"]
    expect(cells.nth(4)).to_contain_text("202/2025/QH15")
    shot(page, "region")

    # The Hanoi team: its leader first, then its members.
    page.goto("/registry/bodies/")
    page.get_by_role("link", name=HANOI_TEAM, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HANOI_TEAM)
    expect(page.locator("#standing-agency")).to_have_text("Sở Tài chính")
    members = page.locator("#members tbody tr")
    expect(members.first).to_contain_text("Trần Minh Đức")
    names = column(page, "#members")
    for name in ("Trần Minh Đức", "Phạm Thị Hồng", "Đỗ Quang Huy", "Hoàng Thị Lan"):
        assert any(n.startswith(name) for n in names), (name, names)
    assert not any(n.startswith("Nguyễn Thị Mai") for n in names)  # Bắc Ninh
    member_agencies = page.locator("#member-agencies")
    expect(member_agencies).to_contain_text("Sở Xây dựng")
    expect(member_agencies).to_contain_text("Sở Nông nghiệp và Môi trường")
    # The former leader is in the role history, with the dates of his term.
    expect(page.locator("#role-history")).to_contain_text("Nguyễn Văn An")
    shot(page, "body-detail")

    # Register a document and attach a PDF to it.
    page.goto("/documents/")
    page.locator("main .page-header a.btn-primary").click()
    page.wait_for_url("**/documents/new/")
    choose(page, "id_doc_type", "Công văn")
    page.fill("#id_number", "123")
    page.fill("#id_symbol", "TĐP-VP")
    page.fill("#id_issued_on", "05/03/2025")
    choose(page, "id_issuer", "Sở Tài chính", typed="Sở Tài chính")
    page.fill("#id_signer", "Phạm Thị Hồng")
    summary = "V/v đôn đốc giải phóng mặt bằng dự án Vành đai 4 - Vùng Thủ đô"
    page.fill("#id_summary", summary)
    page.locator("#document-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    expect(page.locator("#document-reference")).to_have_text("123/TĐP-VP")
    expect(page.locator(".document-summary")).to_have_text(summary)
    expect(page.locator("time[datetime='2025-03-05']")).to_have_text("05/03/2025")
    expect(page.locator("#attachments .attachment-name")).to_have_count(0)

    pdf = tiny_pdf("Cong van 123")
    upload = page.locator("form.attachment-upload")
    upload.locator("input[type=file]").set_input_files(
        {
            "name": "cong-van-123.pdf",
            "mimeType": "application/pdf",
            "buffer": pdf,
        }
    )
    upload.locator("button[type=submit]").click()
    listed = page.locator("#attachments .attachment-name")
    expect(listed).to_have_count(1)
    expect(listed).to_have_text("cong-van-123.pdf")
    expect(page.locator("#attachments li[id^=attachment-row-]")).to_contain_text(
        "Phạm Thị Hồng"
    )

    # The download goes through the permission check and returns the bytes.
    href = listed.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.body() == pdf

    # The timeline shows both events, newest first, by the secretariat.
    page.reload()
    events = page.locator(".timeline-item")
    expect(events).to_have_count(2)
    expect(events.first).to_contain_text("cong-van-123.pdf")
    for i in range(2):
        expect(events.nth(i).locator(".timeline-actor")).to_have_text("Phạm Thị Hồng")
    shot(page, "document-detail")

    # The new document is in the register list, found by its symbol.
    page.goto("/documents/?q=123%2FT%C4%90P-VP")
    expect(page.locator("#document-rows tr")).to_have_count(1)
    expect(page.locator("#document-rows")).to_contain_text("05/03/2025")

    # Log out: the pages ask for a login again.
    page.locator("#user-menu-button").click()
    page.locator("form[action$='/accounts/logout/'] button").click()
    page.wait_for_url("**/accounts/login/**")
    page.goto("/registry/region/")
    assert "/accounts/login/" in page.url
    expect(page.locator("input[name=password]")).to_be_visible()
    expect_no_console_errors(page)


def test_member_of_another_team_is_refused_the_hanoi_team(seeded, page, log_in):
    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    hanoi_docs = list(Document.objects.filter(body=hanoi))
    assert hanoi_docs, "the demo data registers the Hanoi team's founding decision"
    log_in("bacninh")

    # The bodies list shows the user's own team, not Hanoi's.
    page.goto("/registry/bodies/")
    expect(page.locator("main")).to_contain_text("Bắc Ninh")
    expect(page.get_by_role("link", name=HANOI_TEAM, exact=True)).to_have_count(0)

    # The Hanoi team's page answers "not found".
    response = page.goto(f"/registry/bodies/{hanoi.pk}/")
    assert response.status == 404
    expect(page.locator(".error-code")).to_have_text("404")
    expect(page.locator("main")).not_to_contain_text("Trần Minh Đức")

    # The documents register lists none of the Hanoi team's documents.
    response = page.goto("/documents/")
    assert response.status == 200
    listed = page.locator("#document-rows").inner_text()
    for document in hanoi_docs:
        assert document.reference not in listed
        assert page.locator(f"#document-row-{document.pk}").count() == 0
    response = page.goto("/documents/?q=4854")
    expect(page.locator("#document-rows a")).to_have_count(0)

    # Nor does a direct link open one.
    for document in hanoi_docs:
        response = page.goto(f"/documents/{document.pk}/")
        assert response.status == 404
        expect(page.locator(".error-code")).to_have_text("404")
        expect(page.locator("main")).not_to_contain_text(document.summary[:40])
    # A plain member registers no documents at all.
    response = page.goto("/documents/new/")
    assert response.status == 403
