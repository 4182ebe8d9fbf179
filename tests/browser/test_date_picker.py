"""The date picker on the task form in a real browser: a Vietnamese calendar
that writes dd/mm/yyyy, the warning under a deadline on a day off, and a form
that keeps working when the days-off endpoint is missing."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from dieuphoi.core.models import local_today

pytestmark = pytest.mark.browser


def next_weekday(start: datetime.date, weekday: int) -> datetime.date:
    """The first date after ``start`` that falls on ``weekday`` (Monday = 0),
    at least two weeks ahead so it is not a holiday by accident of the seed."""
    day = start + datetime.timedelta(days=14)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def test_the_calendar_is_vietnamese_and_writes_dd_mm_yyyy(seeded, page, log_in, shot):
    log_in("thuky")
    page.goto("/tasks/new/")
    deadline = page.locator("#id_deadline")
    deadline.click()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    # Vietnamese day names, the week starting on Monday.
    expect(calendar.locator(".flatpickr-weekday").first).to_have_text(re.compile("T2"))
    shot(page, "date-picker-open")
    today = local_today()
    calendar.locator(".flatpickr-day.today").click()
    expect(deadline).to_have_value(dmy(today))
    expect(calendar).to_be_hidden()


def test_a_deadline_on_a_day_off_gets_a_warning(seeded, page, log_in, shot):
    log_in("thuky")
    page.goto("/tasks/new/")
    deadline = page.locator("#id_deadline")
    sunday = next_weekday(local_today(), 6)
    deadline.fill(dmy(sunday))
    deadline.press("Tab")
    warning = page.locator("#id_deadline-day-off")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(dmy(sunday))
    shot(page, "date-picker-day-off")
    wednesday = next_weekday(local_today(), 2)
    deadline.fill(dmy(wednesday))
    deadline.press("Tab")
    expect(warning).to_be_hidden()
    # The assigned date is not a deadline: no warning, whatever the day.
    assigned = page.locator("#id_assigned_on")
    assigned.fill(dmy(sunday))
    assigned.press("Tab")
    expect(page.locator("#id_assigned_on-day-off")).to_have_count(0)


def test_without_the_days_off_endpoint_the_field_still_works(seeded, page, log_in):
    page.route(
        re.compile(r".*/days-off\.json.*"),
        lambda route: route.fulfill(status=404, body="not here"),
    )
    log_in("thuky")
    page.goto("/tasks/new/")
    deadline = page.locator("#id_deadline")
    sunday = next_weekday(local_today(), 6)
    deadline.fill(dmy(sunday))
    deadline.press("Tab")
    expect(deadline).to_have_value(dmy(sunday))
    page.wait_for_timeout(300)
    expect(page.locator("#id_deadline-day-off")).to_have_count(0)
    # The calendar still opens.
    deadline.click()
    expect(page.locator(".flatpickr-calendar.open")).to_be_visible()
    # The 404 is the only complaint: no script error.
    page.console_errors[:] = [
        e for e in page.console_errors if "404" not in e and "Not Found" not in e
    ]
    assert not page.console_errors


def test_a_mistyped_date_is_kept_for_the_server_to_explain(seeded, page, log_in):
    log_in("thuky")
    page.goto("/tasks/new/")
    deadline = page.locator("#id_deadline")
    deadline.fill("31/02/2026")
    deadline.press("Tab")
    expect(deadline).to_have_value("31/02/2026")  # not emptied by the picker
    page.locator("#task-form button[type=submit]").first.click()
    expect(page.locator("#id_deadline_error")).to_be_visible()
    expect(page.locator("#id_deadline")).to_have_value("31/02/2026")
