"""Key projects in the browser, on the demo data: the secretariat creates a
project (lead agency and location picked with the keyboard), adds two
milestones in the page (HTMX), sees them on the timeline (the chart drawn by
frappe-gantt and the table beside it), and marks one done in its row; the
Bắc Ninh team's user reads the project (it lies in Bắc Ninh) without a form."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.keyprojects.models import KeyProject, Milestone

from .helpers import choose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Đường Vành đai 4 - Vùng Thủ đô (kiểm thử)"


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _add_milestone(page, name: str, planned: datetime.date):
    form = page.locator("#milestone-add-form")
    form.locator("#id_name").fill(name)
    form.locator("#id_planned_on").fill(_d(planned))
    form.locator("#id_planned_on").press("Tab")
    choose(page, "id_responsible_agency", "Sở Xây dựng", typed="Xây dựng")
    form.locator("#milestone-add").click()
    expect(page.locator("#milestones")).to_contain_text(name)
    expect(page.locator("#milestone-added")).to_be_visible()


def test_secretariat_creates_a_project_adds_milestones_and_marks_one_done(
    seeded, page, new_page, log_in, shot
):
    today = local_today()
    log_in("thuky")
    page.goto("/key-projects/")
    page.locator("#keyproject-create-link").click()
    page.fill("#id_code", "DA-VD4-KT")
    page.fill("#id_name", NAME)
    page.fill("#id_investor", "Ban Quản lý dự án đầu tư xây dựng công trình giao thông")
    page.fill("#id_decided_on", _d(today - datetime.timedelta(days=60)))
    page.locator("#id_decided_on").press("Tab")
    choose(page, "id_lead_agency", "Sở Xây dựng", typed="Xây dựng")
    choose(page, "id_locations", "Tỉnh Bắc Ninh", typed="Bắc Ninh")
    page.fill("#id_capital_central", "56.000.000.000")
    page.fill("#id_capital_city", "29.000.000.000")
    page.fill("#id_total_investment", "85.000.000.000")
    page.fill("#id_starts_on", _d(today - datetime.timedelta(days=60)))
    page.locator("#id_starts_on").press("Tab")
    page.locator("#keyproject-save").click()
    expect(page.locator("h1")).to_have_text(NAME)
    expect(page.locator("#total-investment")).to_have_text("85.000.000.000")
    project = KeyProject.objects.get(code="DA-VD4-KT")

    # Two milestones, added in the page: one already late, one ahead.
    late_on = today - datetime.timedelta(days=10)
    ahead_on = today + datetime.timedelta(days=45)
    _add_milestone(page, "Bàn giao mặt bằng đợt 1", late_on)
    _add_milestone(page, "Khởi công xây dựng", ahead_on)
    assert Milestone.objects.filter(project=project).count() == 2
    late = Milestone.objects.get(project=project, planned_on=late_on)
    ahead = Milestone.objects.get(project=project, planned_on=ahead_on)
    expect(page.locator(f"#milestone-row-{late.pk} .kp-status-late")).to_be_visible()
    expect(page.locator("#count-late")).to_be_visible()
    shot(page, "keyproject-detail")

    # The timeline: both milestones, on the chart and in the table.
    page.goto("/key-projects/")
    expect(page.locator("#summary-late")).to_be_visible()
    page.locator("#keyproject-timeline-link").click()
    # (The demo data has a key project of its own: count this one's.)
    bars = page.locator("#timeline-chart .bar-wrapper").filter(
        has=page.locator(".bar-label", has_text="DA-VD4-KT ·")
    )
    expect(bars).to_have_count(2)
    expect(page.locator("#timeline-chart")).to_have_attribute("role", "img")
    table = page.locator("#timeline-table tbody")
    expect(table.locator(f"#timeline-row-{late.pk}")).to_contain_text(
        "Bàn giao mặt bằng đợt 1"
    )
    expect(table.locator(f"#timeline-row-{ahead.pk}")).to_contain_text(
        "Khởi công xây dựng"
    )
    expect(page.locator(f"#timeline-row-{late.pk} .kp-status-late")).to_be_visible()
    # The table is reachable with the keyboard.
    page.locator(".kp-timeline-table").focus()
    expect(page.locator(".kp-timeline-table")).to_be_focused()
    # Another time scale redraws the chart.
    page.locator("[data-view-mode=Week]").click()
    expect(page.locator("[data-view-mode=Week]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(bars).to_have_count(2)
    shot(page, "keyproject-timeline")

    # Mark the late one done in its row (HTMX): done late, the counts follow.
    page.goto(f"/key-projects/{project.pk}/")
    row = page.locator(f"#milestone-row-{late.pk}")
    row.locator("input[name=actual_on]").fill(_d(today))
    row.locator(f"#milestone-done-{late.pk}").click()
    expect(
        page.locator(f"#milestone-row-{late.pk} .kp-status-done_late")
    ).to_be_visible()
    expect(page.locator(f"#milestone-done-{late.pk}")).to_have_count(0)
    expect(page.locator("#count-late")).to_have_count(0)
    expect(page.locator(f"#milestone-done-{ahead.pk}")).to_be_visible()
    late.refresh_from_db()
    assert late.actual_on == today

    # The Bắc Ninh team's user reads it (it lies in Bắc Ninh), read only.
    outside = new_page()
    log_in("bacninh", on=outside)
    outside.goto(f"/key-projects/{project.pk}/")
    expect(outside.locator("h1")).to_have_text(NAME)
    expect(outside.locator("#milestone-add-form")).to_have_count(0)
    expect(outside.locator("#keyproject-edit-link")).to_have_count(0)
    outside.goto("/key-projects/timeline/")
    expect(outside.locator(f"#timeline-row-{late.pk}")).to_be_visible()
    expect(outside.locator(f"#timeline-row-{ahead.pk}")).to_contain_text(
        "Khởi công xây dựng"
    )
    assert not re.search(r"milestone-done-", outside.content())
