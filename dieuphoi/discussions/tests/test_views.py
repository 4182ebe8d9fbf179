"""The thread on the task page, HTMX posting and editing, the outsider."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dieuphoi.discussions import services
from dieuphoi.discussions.models import Comment

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def thread_url(task, thread=""):
    return reverse("discussions:thread", args=["task", task.pk]) + f"?thread={thread}"


def create_url(task):
    return reverse("discussions:create", args=["task", task.pk])


def test_the_task_page_shows_the_discussion(login, member, secretariat, task):
    services.comment_create(actor=secretariat, target=task, text="Đề nghị báo cáo sớm")
    html = login(member).get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert 'id="task-discussion"' in html
    assert 'id="comment-thread-main"' in html
    assert "Đề nghị báo cáo sớm" in html


def test_the_task_page_lists_the_part_threads(login, member, task, part):
    html = login(member).get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert f'id="comment-thread-part-{part.pk}"' in html


def test_an_htmx_post_returns_the_thread_fragment(login, member, task):
    response = login(member).post(
        create_url(task),
        {"text": "Đã làm việc với UBND huyện", "thread": ""},
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="comment-thread-main"' in html
    assert "Đã làm việc với UBND huyện" in html
    assert Comment.objects.count() == 1


def test_a_post_with_files_attaches_them(login, member, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = login(member).post(
        create_url(task),
        {
            "text": "Biên bản họp",
            "thread": "",
            "files": [SimpleUploadedFile("bb.pdf", PDF, "application/pdf")],
        },
        headers=HX,
    )
    assert "bb.pdf" in response.content.decode()


def test_a_plain_post_redirects_to_the_task(login, member, task):
    response = login(member).post(create_url(task), {"text": "Xong", "thread": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:detail", args=[task.pk])


def test_mentioning_the_outsider_shows_the_error_and_writes_nothing(
    login, member, outsider, task
):
    response = login(member).post(
        create_url(task), {"text": "@outsider xem", "thread": ""}, headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "@outsider" in html and "invalid-feedback" in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "external"])
def test_the_outsider_gets_404_everywhere(who, request, login, member, task):
    comment = services.comment_create(actor=member, target=task, text="Nội bộ")
    client = login(request.getfixturevalue(who))
    assert client.get(thread_url(task), headers=HX).status_code == 404
    assert client.post(create_url(task), {"text": "x", "thread": ""}).status_code == 404
    assert (
        client.get(reverse("discussions:comment", args=[comment.pk])).status_code == 404
    )
    edit = reverse("discussions:edit", args=[comment.pk])
    assert client.get(edit, headers=HX).status_code == 404
    assert client.post(edit, {"text": "x", "version": 1}).status_code == 404
    assert Comment.objects.get().text == "Nội bộ"


def test_an_unknown_target_is_404(login, member, task):
    url = reverse("discussions:thread", args=["nothing", task.pk])
    assert login(member).get(url, headers=HX).status_code == 404


def test_the_author_gets_the_edit_form_and_saves(login, member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    client = login(member)
    url = reverse("discussions:edit", args=[comment.pk])
    form = client.get(url, headers=HX).content.decode()
    assert f'id="comment-{comment.pk}"' in form and "<textarea" in form
    response = client.post(url, {"text": "Bản sửa", "version": 1}, headers=HX)
    assert "Bản sửa" in response.content.decode()
    comment.refresh_from_db()
    assert comment.text == "Bản sửa" and comment.version == 2


def test_someone_else_gets_no_edit_form(login, member, leader, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    url = reverse("discussions:edit", args=[comment.pk])
    assert login(leader).get(url, headers=HX).status_code == 404


def test_an_edit_after_the_window_shows_why(login, member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    client = login(member)
    url = reverse("discussions:edit", args=[comment.pk])
    assert client.get(url, headers=HX).status_code == 404
    response = client.post(url, {"text": "Sửa muộn", "version": 1}, headers=HX)
    assert "15" in response.content.decode()
    comment.refresh_from_db()
    assert comment.text == "Bản đầu"


def test_a_stale_edit_shows_the_conflict(login, member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    services.comment_edit(actor=member, comment=comment, text="Lần 1", version=1)
    response = login(member).post(
        reverse("discussions:edit", args=[comment.pk]),
        {"text": "Lần 2", "version": 1},
        headers=HX,
    )
    assert "alert-warning" in response.content.decode()
    comment.refresh_from_db()
    assert comment.text == "Lần 1"


def test_a_part_thread_loads_on_demand(login, member, coop_member, task, part):
    services.comment_create(
        actor=coop_member, target=task, thread=f"part:{part.pk}", text="Phần phối hợp"
    )
    response = login(member).get(thread_url(task, f"part:{part.pk}"), headers=HX)
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="comment-thread-part-{part.pk}"' in html
    assert "Phần phối hợp" in html


def thread_queries(client, task):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(thread_url(task), headers=HX)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_thread_query_count_is_fixed(
    login, member, leader, secretariat, task, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = login(member)

    def add(n):
        for i in range(n):
            services.comment_create(
                actor=member if i % 2 else secretariat,
                target=task,
                text=f"Ý kiến {i} @leader",
                files=[SimpleUploadedFile(f"f{i}.pdf", PDF, "application/pdf")],
            )

    add(2)
    few = thread_queries(client, task)
    add(20)
    many = thread_queries(client, task)
    assert many == few
    # session, user (with the seats); the task, its parts (threads); the
    # user's parties (visibility); the comments with authors, their
    # mentions, their files; the people of the mention picker.
    assert many == 9
