"""An over-long title is an error at the field, never cut silently."""

import pytest
from django.utils import translation

from dieuphoi.docs.forms import DocumentForm
from dieuphoi.tasks.forms import Choices, TaskForm

pytestmark = pytest.mark.django_db


def task_form(hanoi_team, agency, title):
    data = {
        "body": hanoi_team.pk,
        "title": title,
        "assigned_on": "05/03/2025",
        "lead_agency": agency.pk,
        "deadline_kind": "date",
        "deadline": "30/06/2025",
    }
    return TaskForm(data, choices=Choices(bodies=[hanoi_team]), bodies=[hanoi_team])


def test_the_title_box_does_not_cut_what_is_pasted(hanoi_team, member_agency):
    html = str(task_form(hanoi_team, member_agency, "x")["title"])
    assert "maxlength" not in html.replace("data-maxlength", "")
    assert 'data-maxlength="500"' in html


def test_an_over_long_title_gets_a_clear_error(hanoi_team, member_agency):
    with translation.override("en"):
        form = task_form(hanoi_team, member_agency, "a" * 501)
        assert not form.is_valid()
        assert list(form.errors) == ["title"]
        [message] = form.errors["title"]
    assert "501" in message
    assert "500" in message
    assert "nothing was cut" in message


def test_a_title_at_the_limit_is_accepted(hanoi_team, member_agency):
    form = task_form(hanoi_team, member_agency, "a" * 500)
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["title"]) == 500


def test_the_document_summary_is_not_cut_either(hanoi_team):
    form = DocumentForm(bodies=[hanoi_team])
    html = str(form["summary"])
    assert 'data-maxlength="1000"' in html
    assert "maxlength" not in html.replace("data-maxlength", "")


def test_a_co_operating_part_is_not_cut_either(hanoi_team):
    from dieuphoi.tasks.forms import PartForm

    form = PartForm(choices=Choices(bodies=[hanoi_team]))
    html = str(form["description"])
    assert 'data-maxlength="500"' in html
    assert "maxlength" not in html.replace("data-maxlength", "")
