"""/api/v1/tasks/{id}/comments: list, create, edit; 401/403/404/409/422."""

import datetime

import pytest
from django.utils import timezone

from dieuphoi.discussions import services
from dieuphoi.discussions.models import Comment
from dieuphoi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def url(task, comment=None):
    base = f"/api/v1/tasks/{task.pk}/comments"
    return f"{base}/{comment.pk}" if comment else base


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_list_gives_the_thread_oldest_first(api_client, member, secretariat, task):
    services.comment_create(actor=secretariat, target=task, text="Một @member")
    services.comment_create(actor=member, target=task, text="Hai")
    response = api_client(member).get(url(task))
    assert response.status_code == 200
    body = response.json()
    assert [c["text"] for c in body["items"]] == ["Một @member", "Hai"]
    assert body["items"][0]["mentions"][0]["username"] == "member"
    assert body["items"][1]["can_edit"] is True
    assert body["items"][0]["can_edit"] is False
    assert body["older_before"] is None


def test_create_returns_201_and_notifies_the_mentioned(
    api_client, member, leader, task
):
    response = api_client(member).post(
        url(task),
        {"text": "Xin ý kiến", "mentions": [leader.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mentions"][0]["id"] == leader.pk
    assert (
        Notification.objects.filter(recipient=leader, kind="comment_mention").count()
        == 1
    )


def test_create_in_a_part_thread(api_client, coop_member, task, part):
    response = api_client(coop_member).post(
        url(task),
        {"text": "Phần phối hợp", "thread": f"part:{part.pk}"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["thread"] == f"part:{part.pk}"


def test_mentioning_someone_who_may_not_see_the_task_is_422(
    api_client, member, outsider, task
):
    response = api_client(member).post(
        url(task),
        {"text": "Xem giúp", "mentions": [outsider.pk]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert fields(response) == {"mentions"}
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x", "thread": "part:0"}, "thread"),
        ({"text": "x", "mentions": ["abc"]}, "mentions.0"),
        ({}, "text"),
    ],
)
def test_bad_input_is_422_with_the_field(api_client, member, task, payload, field):
    response = api_client(member).post(
        url(task), payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert field in fields(response)
    assert not Comment.objects.exists()


def test_the_outsider_gets_404(api_client, member, outsider, task):
    comment = services.comment_create(actor=member, target=task, text="Nội bộ")
    client = api_client(outsider)
    assert client.get(url(task)).status_code == 404
    assert (
        client.post(
            url(task), {"text": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    response = client.patch(
        url(task, comment), {"text": "x", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Comment.objects.get().text == "Nội bộ"


def test_without_a_token_it_is_401(client, task):
    assert client.get(url(task)).status_code == 401


def test_edit_by_the_author(api_client, member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    response = api_client(member).patch(
        url(task, comment),
        {"text": "Bản sửa", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2 and response.json()["edited_at"]


def test_edit_by_someone_else_is_403(api_client, member, leader, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    response = api_client(leader).patch(
        url(task, comment),
        {"text": "Sửa", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_stale_edit_is_409(api_client, member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    services.comment_edit(actor=member, comment=comment, text="Lần 1", version=1)
    response = api_client(member).patch(
        url(task, comment),
        {"text": "Lần 2", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


def test_an_edit_after_15_minutes_is_422(api_client, member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=15, seconds=5)
    )
    response = api_client(member).patch(
        url(task, comment),
        {"text": "Muộn", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert Comment.objects.get().text == "Bản đầu"


def test_a_comment_of_another_task_is_404(api_client, member, task, hanoi_team):
    from dieuphoi.tasks.tests.factories import TaskFactory

    other = TaskFactory(
        body=hanoi_team,
        lead_agency=task.lead_agency,
        assigned_on=task.assigned_on,
        deadline=task.deadline,
    )
    comment = services.comment_create(actor=member, target=other, text="Khác")
    response = api_client(member).patch(
        url(task, comment), {"text": "x", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 404


def test_the_list_query_count_is_fixed(api_client, member, secretariat, task):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(member)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(task)).status_code == 200
        return len(ctx.captured_queries)

    services.comment_create(actor=secretariat, target=task, text="@member 1")
    count()  # the token's first use is recorded (once a minute)
    few = count()
    for i in range(15):
        services.comment_create(actor=secretariat, target=task, text=f"@member {i}")
    assert count() == few
    # token, the task, its parts, the seats and parties (visibility), the
    # comments, their mentions, their files
    assert few == 7
