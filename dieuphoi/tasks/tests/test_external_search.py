"""Free-text search by a co-operating party of another body (issue 7 §4).

``Task.search_text`` holds the latest progress update whoever wrote it; an
external user (another province's team, an outside agency) must not learn
from a search which tasks hold a word another party wrote. They match the
code, the title and their own parts' text; Hanoi's people keep the match on
``search_text``.
"""

import json

import pytest
from django.urls import reverse

from dieuphoi.accounts.services import api_token_create
from dieuphoi.tasks import selectors, services
from dieuphoi.tasks.permissions import clear_seat_cache
from dieuphoi.tasks.tests.factories import TaskPartFactory

SECRET = "Khoanngầmbítật"  # a word only the Hanoi agency's update holds


@pytest.fixture
def task(make_task, other_team, coop_agency, coop_member):
    """A Hanoi task: the Bắc Ninh team co-operates on its part; a Hanoi
    agency on another part, whose latest update holds ``SECRET``."""
    task = make_task(title="Kết nối giao thông liên tỉnh", code="NV-2026-0042")
    TaskPartFactory(
        task=task, agency=None, body=other_team, description="Khảo sát tuyến Bắc Ninh"
    )
    hanoi_part = TaskPartFactory(task=task, agency=coop_agency)
    services.progress_report(
        actor=coop_member,
        task=task,
        part=hanoi_part.pk,
        percent=30,
        text=f"Đã rà soát {SECRET} dọc tuyến",
    )
    task.refresh_from_db()
    assert SECRET.casefold() in task.search_text  # what the leak used
    return task


def found(user, text: str) -> list[int]:
    clear_seat_cache(user)
    filters = selectors.TaskFilters(q=text)
    return list(
        selectors.task_queryset(user=user, filters=filters).values_list("pk", flat=True)
    )


def test_another_partys_word_finds_nothing(external, task):
    assert found(external, SECRET) == []
    assert found(external, "rà soát") == []


@pytest.mark.parametrize(
    "text",
    [
        "giao thông",  # title
        "GIAO THONG",  # title, no accents, upper case
        "nv-2026-0042",  # code
        "khảo sát tuyến",  # their own part
        "khao sat",
    ],
)
def test_what_they_see_finds_the_task(external, task, text):
    assert found(external, text) == [task.pk]


def test_hanoi_people_still_search_the_updates(member, task):
    assert found(member, SECRET) == [task.pk]
    assert found(member, "giao thong") == [task.pk]


def test_another_partys_part_text_finds_nothing(
    external, task, make_task, coop_agency, other_team
):
    other = make_task(title="Cải tạo kênh")
    TaskPartFactory(task=other, agency=None, body=other_team)
    TaskPartFactory(task=other, agency=coop_agency, description="Nạo vét Tô Lịch")
    assert found(external, "tô lịch") == []
    assert found(external, "kênh") == [other.pk]


def test_list_page_and_api(client, login, external, task):
    page = login(external).get(reverse("tasks:list"), {"q": SECRET})
    assert page.status_code == 200
    assert list(page.context["task_ids"]) == []
    page = login(external).get(reverse("tasks:list"), {"q": "liên tỉnh"})
    assert list(page.context["task_ids"]) == [task.pk]

    _, raw = api_token_create(user=external, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.get("/api/v1/tasks", {"q": SECRET}, **headers)
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["items"] == []
    response = client.get("/api/v1/tasks", {"q": "liên tỉnh"}, **headers)
    assert [t["id"] for t in json.loads(response.content)["items"]] == [task.pk]


def test_their_own_bodys_tasks_search_everything(external, other_team, make_task):
    """In their own team's tasks they are members: the whole text."""
    own = make_task(body=other_team, title="Việc của tổ Bắc Ninh")
    own.last_update_text = "Ghi chú nội bộ"
    own.search_text = own.compute_search_text()
    own.save()
    assert found(external, "nội bộ") == [own.pk]
