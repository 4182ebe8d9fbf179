"""The list scope adds the "or a co-operating party to it" clause only for
people whose body or agency is a party to another body's task: for everyone
else the body clause alone keeps the lists on their covering indexes (an OR
with a subquery made the overdue list of 200,000 tasks five times slower)."""

from dieuphoi.tasks import selectors
from dieuphoi.tasks.permissions import clear_seat_cache, user_seats
from dieuphoi.tasks.tests.factories import TaskFactory, TaskPartFactory


def _sql(user) -> str:
    return str(selectors.task_queryset(user=user).query)


def test_hanoi_people_get_the_body_clause_only(member, hanoi_team):
    TaskFactory(body=hanoi_team)
    assert not any(seat.outside_parts for seat in user_seats(member))
    assert "tasks_taskpart" not in _sql(member)


def test_a_party_to_another_bodys_task_sees_it_through_the_party_clause(
    member, member_agency, hanoi_team, other_team, outsider
):
    own = TaskFactory(body=hanoi_team)
    theirs = TaskFactory(body=other_team)
    TaskFactory(body=other_team)  # not a party: stays invisible
    TaskPartFactory(task=theirs, agency=member_agency)
    clear_seat_cache(member)
    assert any(seat.outside_parts for seat in user_seats(member))
    assert "tasks_taskpart" in _sql(member)
    visible = set(selectors.task_queryset(user=member).values_list("pk", flat=True))
    assert visible == {own.pk, theirs.pk}
    assert not selectors.task_queryset(user=outsider).exists()


def test_a_team_party_sees_the_task_of_the_other_body(external, hanoi_team, other_team):
    task = TaskFactory(body=hanoi_team)
    TaskFactory(body=hanoi_team)
    TaskPartFactory(task=task, agency=None, body=other_team)
    assert any(seat.outside_parts for seat in user_seats(external))
    visible = set(selectors.task_queryset(user=external).values_list("pk", flat=True))
    assert visible == {task.pk}


def test_a_party_only_row_shows_nothing_of_the_other_parties(
    login, external, member, hanoi_team, other_team
):
    import io

    import openpyxl
    from django.urls import reverse

    secret = "Bên phối hợp khác: vướng mắc mặt bằng"
    task = TaskFactory(body=hanoi_team, last_update_text=secret, source_text="Mật")
    TaskPartFactory(task=task, agency=None, body=other_team)
    TaskPartFactory(task=task)  # another party, with its own name

    (row,) = selectors.task_list(user=external).items
    assert (row.last_update_text, row.source_text, row.owner) == ("", "", None)
    page = login(external).get(reverse("tasks:list")).content.decode()
    assert task.code in page
    assert secret not in page
    export = login(external).get(reverse("tasks:export"))
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    cells = {str(c.value) for r in sheet.iter_rows() for c in r if c.value}
    assert task.code in cells
    assert secret not in cells
    assert not any(
        task.parts.exclude(body=other_team).get().agency.name in c for c in cells
    )
    # The assigning body's own people still see it all.
    (row,) = selectors.task_list(user=member).items
    assert row.last_update_text == secret
