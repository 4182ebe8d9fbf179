"""Form feedback in a real browser (static/js/forms.js): the submit button is
disabled with a spinner while the request runs, a field's error goes when the
field is edited, and an over-long title is counted, not cut."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_button_is_busy_while_the_request_runs(seeded, page, log_in):
    log_in("thuky")
    page.goto("/tasks/new/")

    held = []  # the request waits here until the test lets it go
    page.route(re.compile(r".*/tasks/new/$"), lambda route: held.append(route))
    button = page.locator("#task-form button[type=submit]").first
    button.click()
    expect(button).to_be_disabled()
    expect(button.locator(".busy-spinner")).to_have_count(1)
    expect(page.locator("#task-form form")).to_have_attribute("aria-busy", "true")
    assert len(held) == 1
    held[0].continue_()
    # The answer (the form with its errors) comes back with a usable button.
    expect(page.locator("#task-form .invalid-feedback").first).to_be_visible()
    expect(page.locator("#task-form button[type=submit]").first).to_be_enabled()


def test_an_error_goes_once_the_field_is_edited(seeded, page, log_in):
    log_in("thuky")
    page.goto("/tasks/new/")
    page.locator("#task-form button[type=submit]").first.click()
    error = page.locator("#id_title_error")
    expect(error).to_be_visible()
    page.locator("#id_title").fill("Rà soát danh mục dự án")
    expect(error).to_be_hidden()
    expect(page.locator("#id_title")).not_to_have_class(re.compile(r"\bis-invalid\b"))


def test_an_over_long_title_is_counted_not_cut(seeded, page, log_in):
    log_in("thuky")
    page.goto("/tasks/new/")
    title = page.locator("#id_title")
    title.fill("x" * 505)
    expect(title).to_have_value("x" * 505)  # nothing cut by the browser
    count = page.locator("#id_title_count")
    expect(count).to_have_text("505 / 500")
    expect(count).to_have_class(re.compile(r"\btext-danger\b"))
    page.locator("#task-form button[type=submit]").first.click()
    expect(page.locator("#id_title_error")).to_contain_text("505")
    expect(page.locator("#id_title")).to_have_value("x" * 505)


def test_an_upload_shows_its_progress(seeded, page, log_in, tmp_path):
    from dieuphoi.tasks.models import Task

    from .helpers import tiny_pdf

    task = Task.objects.order_by("pk").first()
    log_in("thuky")
    page.goto(f"/tasks/{task.pk}/")
    form = page.locator("form.attachment-upload").first
    pdf = tmp_path / "bien-ban.pdf"
    pdf.write_bytes(tiny_pdf())
    form.locator("input[type=file]").set_input_files(str(pdf))
    held = []
    page.route(re.compile(r".*/attachments/$"), lambda route: held.append(route))
    form.locator("button[type=submit]").click()
    bar = form.locator("progress.upload-progress")
    expect(bar).to_be_visible()
    expect(form.locator("button[type=submit]")).to_be_disabled()
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#attachments")).to_contain_text("bien-ban.pdf")
