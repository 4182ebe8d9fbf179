"""Inter-provincial matters in the browser, on the demo data: the Bắc Ninh
team's user opens the Ring Road 4 matter shared with their province, adds a
log entry in the page (HTMX) and sees it, and gets the 404 page for the
Nhuệ-Đáy matter, which does not concern Bắc Ninh. The secretariat's list,
matrix and detail pages are captured."""

import pytest
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.matters.models import LogEntry, Matter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bac_ninh_user_logs_on_the_shared_matter_only(
    seeded, page, new_page, log_in, shot
):
    ring = Matter.objects.get(title__contains="Vành đai 4")
    nhue = Matter.objects.get(title__contains="sông Nhuệ")

    # The secretariat's view: the list with its stale badge, the matrix.
    log_in("thuky")
    page.goto("/matters/")
    expect(page.locator(f"#matter-row-{ring.pk}")).to_be_visible()
    expect(page.locator(".matter-stale").first).to_be_visible()
    shot(page, "matters-list")
    page.goto("/matters/matrix/")
    expect(page.locator("#matter-matrix")).to_be_visible()
    expect(page.locator("#matrix-row-ninh-binh")).to_contain_text("Tỉnh Hà Nam")
    shot(page, "matters-matrix")

    bac_ninh = new_page()
    log_in("bacninh", on=bac_ninh)
    bac_ninh.goto("/matters/")
    expect(bac_ninh.locator(f"#matter-row-{ring.pk}")).to_be_visible()
    expect(bac_ninh.locator(f"#matter-row-{nhue.pk}")).to_have_count(0)
    bac_ninh.locator(f"#matter-row-{ring.pk} a").first.click()
    expect(bac_ninh.locator("#matter-title")).to_have_text(ring.title)

    summary = "Tổ điều phối tỉnh Bắc Ninh đã gửi lịch bàn giao mặt bằng (kiểm thử)."
    form = bac_ninh.locator("#log-form")
    form.locator("#id_kind").select_option("letter_sent")
    form.locator("#id_occurred_on").fill(local_today().strftime("%d/%m/%Y"))
    form.locator("#id_occurred_on").press("Tab")
    form.locator("#id_summary").fill(summary)
    bac_ninh.locator("#log-submit").click()
    expect(bac_ninh.locator("#log-notice")).to_be_visible()
    expect(bac_ninh.locator("#log-rows")).to_contain_text(summary)
    entry = LogEntry.objects.get(summary=summary)
    assert entry.matter_id == ring.pk and entry.author.username == "bacninh"
    shot(bac_ninh, "matters-detail-bacninh")

    response = bac_ninh.goto(f"/matters/{nhue.pk}/")
    assert response.status == 404
    expect(bac_ninh.locator("h1")).to_be_visible()

    # The secretariat sees the new entry on the page with its history.
    page.goto(f"/matters/{ring.pk}/")
    expect(page.locator("#log-rows")).to_contain_text(summary)
    expect(page.locator("#timeline")).to_be_visible()
    shot(page, "matters-detail")
