"""Issue 3 in a real browser: a task from assignment to confirmed completion
(counted "completed on time" on the summary), and two people editing the
same task (the second gets the conflict message, the first's value is kept).
"""

import datetime
import re

import pytest
from django.utils.translation import gettext_lazy
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task

from .helpers import choose, open_section, tiny_pdf, vi

pytestmark = pytest.mark.browser

LEAD = "Sở Xây dựng"
COOPERATING = "Sở Nông nghiệp và Môi trường"
SECRETARIAT_NAME = "Phạm Thị Hồng"  # thuky
FOCAL_POINT_NAME = "Đỗ Quang Huy"  # daumoi.sxd


def _summary_count(page, bucket: str) -> int:
    page.goto("/tasks/summary/")
    cell = page.locator(f"#summary-totals .bucket-{bucket} .task-count-number")
    expect(cell).to_have_count(1)
    return int(cell.inner_text().strip())


def _agency_count(page, agency: Agency, bucket: str) -> int:
    """The bucket's cell in the lead agency's row of the summary table."""
    headers = page.locator("#summary-totals .task-count").evaluate_all(
        "els => els.map(e => Array.from(e.classList).find(c => c.startsWith('bucket-')))"
    )
    row = page.locator(f"#summary-row-agency-{agency.pk}")
    if row.count() == 0:
        return 0
    index = headers.index(f"bucket-{bucket}")
    return int(row.locator("td").nth(index).inner_text().strip())


def _d(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def test_task_from_assignment_to_completed_on_time(
    seeded, page, new_page, log_in, shot
):
    today = local_today()
    deadline = today + datetime.timedelta(days=30)
    lead = Agency.objects.as_of(today).get(name=LEAD)

    log_in("thuky")
    on_time_before = _summary_count(page, "completed_on_time")
    lead_on_time_before = _agency_count(page, lead, "completed_on_time")
    completed_late_before = _summary_count(page, "completed_late")

    # The secretariat assigns the task.
    page.goto("/tasks/new/")
    title = "Rà soát hồ sơ giải phóng mặt bằng đoạn Vành đai 4 qua huyện Mê Linh"
    page.fill("#id_title", title)
    page.fill("#id_description", "Báo cáo kết quả rà soát, đề xuất tháo gỡ vướng mắc.")
    choose(page, "id_lead_agency", LEAD)
    choose(page, "id_parts-0-agency", COOPERATING)
    page.fill("#id_parts-0-description", "Thẩm định phương án tái định cư")
    expect(page.locator("#id_assigned_on")).to_have_value(_d(today))
    page.locator("input[name=deadline_kind][value=date]").check()
    page.fill("#id_deadline", _d(deadline))
    page.locator("#task-form form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/tasks/\d+/$"))
    task_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    code = page.locator("#task-code").inner_text()
    assert re.fullmatch(rf"NV-{today.year}-\d{{4}}", code), code
    expect(page.locator("#task-lead-agency")).to_have_text(LEAD)
    parts = page.locator("#task-parts tbody tr")
    expect(parts).to_have_count(1)
    expect(parts.first).to_contain_text(COOPERATING)
    expect(parts.first).to_contain_text("Thẩm định phương án tái định cư")
    expect(page.locator("#task-deadline time")).to_have_text(_d(deadline))
    expect(page.locator(".timeline-item")).to_have_count(1)

    # The lead agency's focal point reports 60% with a file...
    focal = new_page()
    # What the page sent and how it was answered: shown if a step fails.
    trace = _trace(focal)
    log_in("daumoi.sxd", on=focal)
    focal.goto(task_url)
    form = focal.locator("#task-progress-form form")
    expect(form).to_be_visible()
    form.locator("input[name=percent]").fill("60")
    form.locator("textarea[name=text]").fill(
        "Đã rà soát 12/20 hồ sơ, còn 8 hồ sơ chờ xác minh nguồn gốc đất."
    )
    pdf = tiny_pdf("Bao cao tien do 60")
    form.locator("input[name=files]").set_input_files(
        {"name": "bao-cao-60.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    _submit(focal, form.locator("button[type=submit]"), "/progress/", trace)
    expect(focal.locator("progress.task-progress")).to_have_attribute("value", "60")
    updates = focal.locator("#task-updates li[id^=task-update-]")
    expect(updates).to_have_count(1)
    expect(updates.first).to_contain_text("60%")
    expect(updates.first).to_contain_text(FOCAL_POINT_NAME)
    expect(updates.first).to_contain_text(_d(today))
    file_link = updates.first.get_by_role("link", name="bao-cao-60.pdf")
    expect(file_link).to_be_visible()
    response = focal.request.get(file_link.get_attribute("href"))
    assert response.status == 200
    assert response.body() == pdf

    # ...then reports the work done, once no request of the page is in flight
    # and the form has finished opening (a click during the collapse's
    # transition may land beside the button).
    _settled(focal)
    done_form = open_section(focal, "task-action-report_done").locator("form")
    done_form.locator("textarea[name=reason]").fill(
        "Đã hoàn thành rà soát 20/20 hồ sơ."
    )
    _submit(focal, done_form.locator("button[type=submit]"), "/transition/", trace)
    _expect_state(focal, Task.State.REPORTED_DONE, trace)
    expect(focal.locator("#task-progress-form")).to_have_count(0)
    assert Task.objects.get(code=code).state == Task.State.REPORTED_DONE
    # The focal point may not confirm his own report.
    assert "confirm" not in _action_names(focal)

    # The secretariat confirms the completion.
    page.goto(task_url)
    assert "confirm" in _action_names(page)
    page.locator(
        "#task-actions form:has(input[name=action][value=confirm]) button"
    ).click()
    _expect_state(page, Task.State.COMPLETED)
    expect(page.locator("#task-bucket")).to_have_text(
        vi(buckets.BUCKET_LABELS[buckets.COMPLETED_ON_TIME])
    )
    task = Task.objects.get(code=code)
    assert task.state == Task.State.COMPLETED
    assert task.completed_on == today
    expect(page.locator("#task-status")).to_contain_text(_d(today))
    shot(page, "task-detail")
    # Timeline: assigned, progress, reported done, confirmed.
    page.reload()
    events = page.locator(".timeline-item")
    assert events.count() >= 4, events.all_inner_texts()
    expect(events.first.locator(".timeline-actor")).to_have_text(SECRETARIAT_NAME)
    expect(page.locator(".timeline")).to_contain_text(FOCAL_POINT_NAME)

    # The summary counts it as completed on time, for the lead agency too.
    assert _summary_count(page, "completed_on_time") == on_time_before + 1
    assert _agency_count(page, lead, "completed_on_time") == lead_on_time_before + 1
    assert _summary_count(page, "completed_late") == completed_late_before
    shot(page, "task-summary")


def _trace(page) -> list[str]:
    """Every request ``page`` sends, its answer if it is an error, and its
    failure if it gets none: the story a failed step prints."""
    trace: list[str] = []
    page.on("request", lambda r: trace.append(f"sent {r.method} {r.url}"))
    page.on(
        "response",
        lambda r: (
            trace.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 400
            else None
        ),
    )
    page.on(
        "requestfailed",
        lambda r: trace.append(f"failed ({r.failure}) {r.method} {r.url}"),
    )
    return trace


def _settled(page) -> None:
    """No htmx request of ``page`` is in flight (htmx marks its element)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _submit(page, button, path: str, trace: list[str]) -> None:
    """Click ``button`` and wait for the answer to the POST to ``path``; if
    none comes, fail saying what the page sent."""
    try:
        with page.expect_response(
            lambda r: r.request.method == "POST" and path in r.url, timeout=30_000
        ):
            button.click()
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"no answer to a POST to {path} within 30 s; the page's requests: {trace}"
        ) from None


def _expect_state(page, state, trace=()) -> None:
    """The stage shown is ``state``; else fail with what the page says (and
    its requests, when they are traced)."""
    try:
        expect(page.locator("#task-state")).to_have_text(vi(state.label))
    except AssertionError as exc:
        detail = page.locator("#task-detail").inner_text()
        raise AssertionError(
            f"{exc}\n--- requests: {list(trace)}\n--- the task page shows:\n{detail}"
        ) from None


def _action_names(page) -> list[str]:
    return page.locator("#task-actions input[name=action]").evaluate_all(
        "els => els.map(e => e.value)"
    )


def test_second_editor_gets_the_conflict_and_the_first_value_is_kept(
    seeded, page, new_page, log_in
):
    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    task = (
        Task.objects.filter(body=hanoi, state__in=Task.OPEN_STATES)
        .order_by("pk")
        .first()
    )
    assert task is not None, "the demo data has open tasks of the Hanoi team"
    edit_url = f"/tasks/{task.pk}/edit/"

    secretariat = log_in("thuky")
    leader = new_page()
    log_in("truongto", on=leader)

    # Both open the edit form on the same version.
    secretariat.goto(edit_url)
    leader.goto(edit_url)
    for p in (secretariat, leader):
        expect(p.locator("#id_title")).to_have_value(task.title)

    first_title = f"{task.title} (bổ sung phạm vi)"
    second_title = f"{task.title} (điều chỉnh của Tổ trưởng)"

    # The secretariat saves first.
    secretariat.fill("#id_title", first_title)
    secretariat.locator("#task-form form button[type=submit]").click()
    secretariat.wait_for_url(re.compile(rf"/tasks/{task.pk}/$"))
    expect(secretariat.get_by_role("heading", level=1)).to_have_text(first_title)

    # The leader saves what he read before: the conflict message, nothing saved.
    leader.fill("#id_title", second_title)
    leader.locator("#task-form form button[type=submit]").click()
    conflict = leader.locator("#task-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text(SECRETARIAT_NAME)
    expect(conflict.locator(".conflict-theirs").first).to_have_text(first_title)
    expect(conflict.locator(".conflict-yours").first).to_have_text(second_title)
    assert leader.url.endswith(edit_url)

    # The first person's value is kept.
    task.refresh_from_db()
    assert task.title == first_title
    leader.goto(f"/tasks/{task.pk}/")
    expect(leader.get_by_role("heading", level=1)).to_have_text(first_title)


def test_more_filters_load_when_opened_and_filter_the_list(seeded, page, log_in, shot):
    """The advanced filters' fields are not in the page until the section
    opens (``part=filters``); then they work as the others: Tom Select on the
    agency picker, the filter applied, the section kept open with its value."""
    coop = Agency.objects.get(name=COOPERATING)
    expected = set(
        Task.objects.filter(parts__agency=coop, body__key="to-dieu-phoi-ha-noi")
        .values_list("code", flat=True)
        .distinct()
    )
    assert expected, "the demo data has tasks with this co-operating agency"
    page = log_in("thuky")
    page.goto("/tasks/")
    expect(page.locator("#id_cooperating_agency")).to_have_count(0)
    page.get_by_role("button", name=vi(gettext_lazy("More filters"))).click()
    expect(page.locator("#id_cooperating_agency")).to_have_class(
        re.compile(r"\btomselected\b")
    )
    expect(page.locator("#task-more-filters-loading")).to_have_count(0)
    choose(page, "id_cooperating_agency", COOPERATING, typed="Nông nghiệp")
    page.locator(".task-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"cooperating_agency={coop.pk}"))
    codes = page.locator("#task-rows tr[id^=task-row-] td:first-child a")
    expect(codes.first).to_be_visible()
    shown = set(codes.all_inner_texts())
    assert shown and shown <= expected
    # Reloaded, the section is open in the page with its value selected.
    page.reload()
    expect(page.locator("#task-more-filters")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#id_cooperating_agency")).to_have_value(str(coop.pk))
    shot(page, "task-list-more-filters")
