"""The task page's "Change deadline" action: the date the change is in force
from (issue 7 §6, "as of D" figures), as the API's ``effective_on``."""

import datetime

import pytest
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.tasks import history
from dieuphoi.tasks.models import DeadlineChange

DAY = datetime.timedelta(days=1)
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(make_task, member, today):
    return make_task(
        title="Rà soát quy hoạch vùng",
        owner=member,
        assigned_on=today - 60 * DAY,
        deadline=today - 10 * DAY,
    )


def _change(client, task, **data):
    data = {
        "action": "change_deadline",
        "version": task.version,
        "reason": "Theo Văn bản số 12/UBND-ĐT",
        **data,
    }
    return client.post(reverse("tasks:transition", args=[task.pk]), data, **HX)


def _ddmm(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def test_the_form_offers_the_date_in_force(login, task, secretariat):
    page = login(secretariat).get(reverse("tasks:detail", args=[task.pk]))
    content = page.content.decode()
    assert 'name="effective_on"' in content
    assert 'id="id_change_deadline_effective_on"' in content


def test_the_change_is_recorded_from_the_date_given(login, task, secretariat, today):
    old = task.deadline
    decided = today - 20 * DAY
    new = today + 30 * DAY
    response = _change(
        login(secretariat),
        task,
        new_deadline=_ddmm(new),
        effective_on=_ddmm(decided),
    )
    assert response.status_code == 200
    change = DeadlineChange.objects.get(task=task)
    assert (change.old_deadline, change.new_deadline, change.effective_on) == (
        old,
        new,
        decided,
    )
    assert change.reason == "Theo Văn bản số 12/UBND-ĐT"
    task.refresh_from_db()
    # The deadline in force before the decision is the old one; from it on,
    # the new one.
    assert history.task_deadline_on(task, decided - DAY) == old
    assert history.task_deadline_on(task, decided) == new
    # The log on the page shows the date.
    assert f"{_ddmm(decided)}" in response.content.decode()


def test_empty_date_means_today(login, task, secretariat, today):
    _change(login(secretariat), task, new_deadline=_ddmm(today + 30 * DAY))
    assert DeadlineChange.objects.get(task=task).effective_on == today


def test_a_date_before_the_assignment_is_refused_in_vietnamese(
    login, task, secretariat
):
    response = _change(
        login(secretariat),
        task,
        new_deadline=_ddmm(task.assigned_on + 90 * DAY),
        effective_on=_ddmm(task.assigned_on - DAY),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_change_deadline_effective_on_error"' in content
    assert "Thay đổi không thể có hiệu lực trước ngày giao nhiệm vụ" in content
    assert _ddmm(task.assigned_on) in content
    assert not DeadlineChange.objects.filter(task=task).exists()
    assert not AuditEvent.objects.filter(action="tasks.change_deadline").exists()
    task.refresh_from_db()
    assert task.extension_count == 0 and task.version == 1


def test_a_date_in_the_future_is_refused(login, task, secretariat, today):
    response = _change(
        login(secretariat),
        task,
        new_deadline=_ddmm(today + 30 * DAY),
        effective_on=_ddmm(today + DAY),
    )
    assert 'id="id_change_deadline_effective_on_error"' in response.content.decode()
    assert not DeadlineChange.objects.filter(task=task).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("outsider", 404), ("external", 404), ("member", 403)],
)
def test_others_cannot_change_it(role, status, request, login, task, today):
    response = _change(
        login(request.getfixturevalue(role)),
        task,
        new_deadline=_ddmm(today + 30 * DAY),
        effective_on=_ddmm(today - DAY),
    )
    assert response.status_code == status
    assert not DeadlineChange.objects.filter(task=task).exists()
