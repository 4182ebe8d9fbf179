"""Issue 7 in a real browser: the core loop with another province's team.

The secretariat assigns a task to a Hanoi department with Bắc Ninh's
coordination team co-operating; the department's focal point and the Bắc
Ninh user are each notified; the Bắc Ninh user reports the team's part and
sees nothing else of Hanoi's; the focal point reports the work done; the
secretariat is told it waits for confirmation and confirms; the leader's
home shows the buckets and rates, checked against an independent count.
"""

import datetime
import re

import pytest
from django.db.models import Q
from django.utils import translation
from playwright.sync_api import expect

from dieuphoi.accounts.models import User
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Body
from dieuphoi.tasks import buckets, rates
from dieuphoi.tasks.models import Task

from .helpers import choose, open_section

pytestmark = pytest.mark.browser

LEAD = "Sở Xây dựng"
TITLE = "Phối hợp hoàn thiện phương án kết nối đường Vành đai 4 qua địa phận Bắc Ninh"


def _d(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _vi_percent(value) -> str:
    """98.62 -> "98,62%" as the Vietnamese page writes it."""
    return f"{value:.2f}".replace(".", ",") + "%"


def _notification_row(page, code: str):
    page.goto("/notifications/")
    return page.locator("#notification-list li[id^=notification-row-]").filter(
        has_text=code
    )


def _reference_counts(body: Body, on: datetime.date) -> dict[str, int]:
    """The four buckets counted in Python from the rows (buckets.bucket_of),
    independently of the SQL the pages use."""
    counts = dict.fromkeys(buckets.BUCKETS, 0)
    for task in Task.objects.filter(body=body, assigned_on__lte=on):
        name = buckets.bucket_of(task, on)
        if name is not None:
            counts[name] += 1
    return counts


def test_core_loop_with_another_provinces_team(seeded, page, new_page, log_in, shot):
    today = local_today()
    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    bac_ninh_team = Body.objects.get(memberships__person__username="bacninh")
    bacninh = User.objects.get(username="bacninh")

    # The secretariat assigns the task, asking Bắc Ninh's team to co-operate.
    log_in("thuky")
    page.goto("/tasks/new/")
    page.fill("#id_title", TITLE)
    choose(page, "id_lead_agency", LEAD)
    choose(page, "id_parts-0-agency", bac_ninh_team.name)
    page.fill("#id_parts-0-description", "Giải phóng mặt bằng đoạn qua Bắc Ninh")
    page.locator("input[name=deadline_kind][value=date]").check()
    page.fill("#id_deadline", _d(today + datetime.timedelta(days=45)))
    page.locator("#task-form form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/tasks/\d+/$"))
    task_url = page.url
    code = page.locator("#task-code").inner_text()
    task = Task.objects.get(code=code, body=hanoi)
    part = task.parts.get()
    assert part.body_id == bac_ninh_team.pk

    # The lead agency's focal point and the Bắc Ninh user are each told.
    focal = new_page()
    log_in("daumoi.sxd", on=focal)
    expect(_notification_row(focal, code)).to_have_count(1)
    external = new_page()
    log_in("bacninh", on=external)
    expect(_notification_row(external, code)).to_have_count(1)

    # The Bắc Ninh user reports the team's part...
    external.goto(task_url)
    form = external.locator("#task-progress-form form")
    expect(form).to_be_visible()
    form.locator("input[name=percent]").fill("50")
    form.locator("textarea[name=text]").fill(
        "Tỉnh Bắc Ninh đã hoàn thành kiểm đếm 60% diện tích."
    )
    form.locator("button[type=submit]").click()
    update = external.locator("#task-updates li[id^=task-update-]").first
    expect(update).to_contain_text("50%")
    part.refresh_from_db()
    assert part.progress == 50
    task.refresh_from_db()
    assert task.state == Task.State.NEW, "a part's report does not move the task"

    # ...and sees nothing else of Hanoi's: the list holds only the tasks
    # where the team or the user's agency is a party.
    party = Q(parts__body=bac_ninh_team) | Q(parts__agency=bacninh.agency)
    expected = set(Task.objects.filter(party).values_list("pk", flat=True))
    external.goto("/tasks/")
    shown = external.locator("tr[id^=task-row-]").evaluate_all(
        "els => els.map(e => Number(e.id.replace('task-row-', '')))"
    )
    assert task.pk in shown
    assert set(shown) <= expected, set(shown) - expected
    other = Task.objects.filter(body=hanoi).exclude(party).order_by("pk").first()
    assert other is not None
    response = external.request.get(f"/tasks/{other.pk}/")
    assert response.status == 404

    # The focal point reports the work done.
    focal.goto(task_url)
    done_form = open_section(focal, "task-action-report_done").locator("form")
    done_form.locator("textarea[name=reason]").fill("Đã hoàn thành phương án.")
    done_form.locator("button[type=submit]").click()
    with translation.override("vi"):
        reported = str(Task.State.REPORTED_DONE.label)
        completed = str(Task.State.COMPLETED.label)
    expect(focal.locator("#task-state")).to_have_text(reported)

    # The secretariat is told it waits for confirmation, and confirms.
    row = _notification_row(page, code)
    expect(row.filter(has_text="xác nhận")).to_have_count(1)
    page.goto(task_url)
    page.locator(
        "#task-actions form:has(input[name=action][value=confirm]) button"
    ).click()
    expect(page.locator("#task-state")).to_have_text(completed)

    # The leader's home shows the buckets and the rates, as counted apart.
    leader = new_page()
    log_in("truongto", on=leader)
    leader.goto("/")
    counts = _reference_counts(hanoi, today)
    for name, count in counts.items():
        tile = leader.locator(f"#leadership-bucket-{name} .leadership-count")
        expect(tile).to_have_text(f"{count:,}".replace(",", "."))
    completion = rates.rates_from_counts(counts)[0]
    assert completion.key == "completion"
    expect(leader.locator("#leadership-rates")).to_contain_text(
        _vi_percent(completion.value)
    )
    shot(leader, "leader-home")
