"""A joint meeting in the browser, on the demo data: the secretariat
(``thuky``) convenes the Bắc Ninh, Hưng Yên and Phú Thọ teams; the Giấy mời
is drafted, submitted, approved by the leader (``truongto``) and issued on
the documents' pages, then the invitation goes out; two teams accept and one
sends a deputy, each logged in as its own user; attendance is taken in the
table, the minutes written and the signed biên bản uploaded; two conclusions
become tasks (a Hanoi agency; a provincial team as a party); the Thông báo
kết luận is drafted, approved and issued on the same pages; the calendar
(month and agenda pages) shows the meeting and the new tasks' deadlines,
each a link."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from dieuphoi.activities.models import Activity, Conclusion, Invitee
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.paperwork.models import Paper
from dieuphoi.tasks.models import Task

from .helpers import choose, tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Hội nghị các Tổ điều phối vùng (kiểm thử)"
TEAMS = {"bac-ninh": "bacninh", "hung-yen": "hungyen", "phu-tho": "phutho.kt"}


def _team(key: str) -> Body:
    return Body.objects.as_of(local_today()).get(key=f"to-dieu-phoi-{key}")


def _team_user(key: str, username: str):
    """The seeded member (``bacninh``, ``hungyen``), or a new one (Phú Thọ)."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return
    user = User.objects.create_user(username=username, password="demo12345",
                                    email=f"{username}@example.org", full_name=f"Thành viên {key}")  # fmt: skip
    Membership.objects.create(
        person=user, body=_team(key), role=Membership.Role.MEMBER,
        valid_from=datetime.date(2025, 7, 1), position="Chuyên viên",
    )  # fmt: skip


@pytest.fixture
def immediate_jobs(settings):
    """Issuing lays the paper out in a background job: run it at once."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


def _act(page, action: str) -> None:
    page.locator(f"#paper-action-{action} form button[type=submit]").click()
    page.wait_for_load_state()


def _issue_on_pages(page, leader, link: str, paper_id: int) -> None:
    """From the activity's page (``link`` = the paper's link there): the
    secretariat submits, the leader approves, the secretariat issues."""
    back = page.url
    page.locator(f"{link} a").click()
    page.wait_for_url(f"**/papers/{paper_id}/")
    _act(page, "submit")
    assert Paper.objects.get(pk=paper_id).state == Paper.State.IN_REVIEW
    leader.goto(f"/papers/{paper_id}/")
    _act(leader, "approve")
    assert Paper.objects.get(pk=paper_id).state == Paper.State.APPROVED
    page.reload()
    _act(page, "issue")
    paper = Paper.objects.get(pk=paper_id)
    assert paper.state == Paper.State.ISSUED, paper.error
    expect(page.locator("#paper-reference")).to_have_text(paper.reference)
    page.goto(back)


def _answer(new_page, log_in, username, response, *, name="", position=""):
    page = new_page()
    log_in(username, on=page)
    page.goto("/activities/")
    page.get_by_role("link", name=TITLE).click()
    form = page.locator("form[id^=respond-form-]")
    form.locator(f"input[name=response][value={response}]").check()
    if name:
        form.locator("input[name=delegate_name]").fill(name)
        form.locator("input[name=delegate_position]").fill(position)
    form.locator("button[type=submit]").click()
    expect(page.locator("[id^=respond-current-]")).to_be_visible()
    return page


def test_the_secretariat_convenes_a_joint_meeting_of_three_teams(
    seeded, immediate_jobs, page, new_page, log_in, shot
):
    for key, username in TEAMS.items():
        if username != "bacninh":
            _team_user(key, username)
    today = local_today()
    log_in("thuky")
    page.goto("/activities/")
    page.locator("#activity-create-link").click()
    page.select_option("#id_kind", "joint_meeting")
    page.fill("#id_title", TITLE)
    # Today, from the first minute: attendance is taken once it has started.
    page.fill("#id_start_date", today.strftime("%d/%m/%Y"))
    page.locator("#id_start_date").press("Tab")
    page.fill("#id_start_time", "00:01")
    page.fill("#id_end_time", "23:59")
    page.fill("#id_place", "Phòng họp tầng 3, trụ sở Sở Tài chính")
    for label, typed in (
        ("TĐP Bắc Ninh", "Bắc Ninh"),
        ("TĐP Hưng Yên", "Hưng Yên"),
        ("TĐP Phú Thọ", "Phú Thọ"),
    ):
        choose(page, "id_invited_bodies", label, typed=typed)
    page.fill(
        "#id_agenda",
        "Báo cáo tình hình phối hợp | Thường trực Tổ\nÝ kiến các Tổ điều phối tỉnh",
    )
    page.locator("#activity-save").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    activity = Activity.objects.get(title=TITLE)
    assert activity.invitees.count() == 3

    leader = new_page()
    log_in("truongto", on=leader)
    page.locator("#invitation-create").click()
    expect(page.locator("#invitation-paper")).to_be_visible()
    _issue_on_pages(
        page,
        leader,
        "#invitation-paper",
        Activity.objects.get(pk=activity.pk).invitation_paper_id,
    )
    page.locator("#invitation-send").click()
    expect(page.locator("#invited-at")).to_be_visible()
    assert Activity.objects.get(pk=activity.pk).state == "invited"

    _answer(new_page, log_in, "bacninh", "attend")
    _answer(new_page, log_in, TEAMS["hung-yen"], "attend")
    _answer(
        new_page,
        log_in,
        "phutho.kt",
        "delegate",
        name="Trần Văn Bình",
        position="Phó Tổ trưởng",
    )
    responses = dict(
        Invitee.objects.filter(activity=activity).values_list("body__key", "response")
    )
    assert sorted(responses.values()) == ["attend", "attend", "delegate"]

    page.reload()
    for invitee in activity.invitees.all():
        page.select_option(f"#att-{invitee.pk}-attended", "yes")
        if not page.locator(f"#att-{invitee.pk}-name").input_value():
            page.fill(f"#att-{invitee.pk}-name", "Nguyễn Văn Đại diện")
    page.locator("#attendance-save").click()
    expect(page.locator("#minutes")).to_be_visible()
    assert Activity.objects.get(pk=activity.pk).state == "held"
    assert Invitee.objects.filter(activity=activity, attended="yes").count() == 3

    page.fill("#id_minutes", "Hội nghị thống nhất các nội dung kết luận (kiểm thử).")
    page.locator("#minutes-save").click()
    form = page.locator("form.attachment-upload")
    form.locator("input[name=file]").set_input_files(
        {
            "name": "bien-ban-hop.pdf",
            "mimeType": "application/pdf",
            "buffer": tiny_pdf("bien ban"),
        }
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("#attachments")).to_contain_text("bien-ban-hop.pdf")

    deadline = (today + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    for text, party in (
        ("Sở Xây dựng tổng hợp các điểm kết nối giao thông liên tỉnh (kiểm thử)", None),
        (
            "Phối hợp với Tổ điều phối tỉnh Bắc Ninh rà soát giải phóng mặt bằng (kiểm thử)",
            "TĐP Bắc Ninh",
        ),
    ):
        page.fill("#conclusion-form #id_text", text)
        choose(page, "id_lead_agency", "Sở Xây dựng", typed="Xây dựng")
        if party:
            choose(page, "id_cooperating_bodies", party, typed="Bắc Ninh")
        page.fill("#conclusion-form #id_deadline", deadline)
        # Away from the date box: its calendar closes.
        page.locator("#conclusions-heading").click()
        page.locator("#conclusion-add").click()
        expect(page.locator("#conclusions")).to_contain_text(text)
    for conclusion in activity.conclusions.order_by("order"):
        page.locator(f"#convert-open-{conclusion.pk}").click()
        page.locator(f"#convert-submit-{conclusion.pk}").click()
        expect(page.locator(f"#conclusion-tasks-{conclusion.pk}")).to_be_visible()
    tasks = list(
        Task.objects.filter(
            source_type=ContentType.objects.get_for_model(Conclusion),
            source_id__in=activity.conclusions.values("pk"),
        )
    )
    assert len(tasks) == 2
    sxd = Agency.objects.as_of(today).get(code="SXD")
    assert {t.lead_agency_id for t in tasks} == {sxd.pk}
    assert (
        Task.objects.filter(
            pk__in=[t.pk for t in tasks], parts__body=_team("bac-ninh")
        ).count()
        == 1
    )

    page.locator("#notice-create").click()
    expect(page.locator("#conclusions-paper")).to_be_visible()
    activity.refresh_from_db()
    assert activity.conclusions_paper.kind.key == "thong-bao"
    # The Thông báo kết luận is issued, as any paper of the body.
    _issue_on_pages(page, leader, "#conclusions-paper", activity.conclusions_paper_id)
    activity.refresh_from_db()
    assert activity.conclusions_paper.state == Paper.State.ISSUED
    shot(page, "activity-detail")

    # The calendar shows the meeting (this month) and the new tasks'
    # deadlines, each a link to its page.
    page.goto(f"/calendar/?month={today:%Y-%m}")
    meeting = page.locator(f"a.cal-event[href$='/activities/{activity.pk}/']")
    expect(meeting.first).to_be_visible()
    expect(meeting.first).to_contain_text("Hội nghị các Tổ điều phối vùng")
    shot(page, "activity-calendar-month")
    end = today + datetime.timedelta(days=31)
    page.goto(f"/calendar/agenda/?start={today:%d/%m/%Y}&end={end:%d/%m/%Y}")
    expect(
        page.locator(f"a.cal-event[href$='/activities/{activity.pk}/']").first
    ).to_be_visible()
    day = page.locator(
        f"section:has(#agenda-{(today + datetime.timedelta(days=30)).isoformat()})"
    )
    for task in tasks:
        expect(day.locator(f"a.cal-event[href$='/tasks/{task.pk}/']")).to_be_visible()
    page.locator(f"a.cal-event[href$='/tasks/{tasks[0].pk}/']").first.click()
    page.wait_for_url(f"**/tasks/{tasks[0].pk}/")
    expect(page.locator("body")).to_contain_text(tasks[0].code)

    page.goto("/activities/?when=all")
    expect(page.locator(f"#activity-row-{activity.pk}")).to_be_visible()
    shot(page, "activity-list")
