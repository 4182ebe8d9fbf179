"""Issue 4 in a real browser: the focal point of Sở Xây dựng asks for a later
deadline on an overdue task (with a supporting file), the leader approves it
from the home page, and the task shows the new and the original deadline and
counts as in progress within the deadline.
"""

import datetime

import pytest
from playwright.sync_api import expect

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Body
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import DeadlineChange, ExtensionRequest, Task

from .helpers import open_section, tiny_pdf, vi

pytestmark = pytest.mark.browser

FOCAL_POINT_NAME = "Đỗ Quang Huy"  # daumoi.sxd


def _d(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def test_leader_approves_an_extension_from_the_home_page(
    seeded, page, new_page, log_in, shot
):
    today = local_today()
    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    task = (
        Task.objects.filter(
            body=hanoi,
            lead_agency__code="SXD",
            state__in=[Task.State.NEW, Task.State.IN_PROGRESS],
            deadline__lt=today,
        )
        .order_by("deadline", "pk")
        .first()
    )
    assert task is not None, "the demo data has an overdue task led by SXD"
    old_deadline = task.deadline
    original = task.original_deadline
    new_deadline = today + datetime.timedelta(days=45)
    task_url = f"/tasks/{task.pk}/"

    # The focal point asks for a new deadline, with a supporting letter.
    focal = log_in("daumoi.sxd")
    focal.goto(task_url)
    expect(focal.locator("#task-bucket")).to_have_text(
        vi(buckets.BUCKET_LABELS[buckets.OVERDUE])
    )
    form = open_section(focal, "task-extension-form").locator("form")
    form.locator("input[name=requested_deadline]").fill(_d(new_deadline))
    form.locator("textarea[name=reason]").fill(
        "Chờ Bộ Xây dựng thống nhất hướng tuyến; cần thêm thời gian hoàn thiện hồ sơ."
    )
    pdf = tiny_pdf("Cong van de nghi gia han")
    form.locator("input[name=file]").set_input_files(
        {"name": "de-nghi-gia-han.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    form.locator("button[type=submit]").click()
    pending = focal.locator("#extension-pending")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text(_d(new_deadline))
    expect(pending.get_by_role("link", name="de-nghi-gia-han.pdf")).to_be_visible()
    expect(focal.locator("#task-state")).to_have_text(
        vi(Task.State.EXTENSION_REQUESTED.label)
    )
    # The lead cannot decide on its own request.
    expect(pending.locator("input[name=decision]")).to_have_count(0)
    extension = ExtensionRequest.objects.get(task=task)
    assert extension.state == ExtensionRequest.State.PENDING
    shot(focal, "extension-requested")

    # The leader finds it on the home page and approves it there.
    leader = new_page()
    log_in("truongto", on=leader)
    leader.goto("/")
    inbox = leader.locator("#extension-inbox")
    expect(inbox).to_be_visible()
    row = inbox.locator(f"#extension-inbox-row-{extension.pk}")
    expect(row).to_contain_text(task.code)
    expect(row).to_contain_text(_d(new_deadline))
    expect(row).to_contain_text(FOCAL_POINT_NAME)
    shot(leader, "extension-inbox")
    row.locator(f"#extension-{extension.pk}-approve-submit").click()
    expect(leader.locator(f"#extension-inbox-row-{extension.pk}")).to_have_count(0)
    expect(leader.locator(".toast")).to_be_visible()

    extension.refresh_from_db()
    assert extension.state == ExtensionRequest.State.APPROVED
    task.refresh_from_db()
    assert task.deadline == new_deadline
    assert task.original_deadline == original
    assert task.extension_count >= 1
    assert DeadlineChange.objects.filter(
        task=task, old_deadline=old_deadline, new_deadline=new_deadline
    ).exists()

    # The task shows the new deadline, the original one and the history.
    leader.goto(task_url)
    expect(leader.locator("#task-deadline time")).to_have_text(_d(new_deadline))
    expect(leader.locator("#task-deadline-original")).to_contain_text(_d(original))
    expect(leader.locator("#task-bucket")).to_have_text(
        vi(buckets.BUCKET_LABELS[buckets.IN_PROGRESS_WITHIN_DEADLINE])
    )
    history = leader.locator(f"#extension-request-{extension.pk}")
    expect(history).to_contain_text(_d(new_deadline))
    expect(history).to_contain_text(vi(ExtensionRequest.State.APPROVED.label))
    expect(leader.locator(".timeline")).to_contain_text(FOCAL_POINT_NAME)
    shot(leader, "extension-approved")

    # The focal point sees it too, and may ask again later.
    focal.goto(task_url)
    expect(focal.locator("#task-deadline time")).to_have_text(_d(new_deadline))
    expect(focal.locator("#extension-pending")).to_have_count(0)
    expect(focal.locator("button[aria-controls=task-extension-form]")).to_be_visible()
