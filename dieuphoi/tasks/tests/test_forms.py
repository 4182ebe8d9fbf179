import datetime
import re

import pytest
from django import forms
from django.http import QueryDict

from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.tasks import selectors
from dieuphoi.tasks.forms import (
    Choices,
    PartFormSet,
    ProgressForm,
    Select,
    SelectMultiple,
    TaskFilterForm,
    TaskForm,
    TransitionForm,
)
from dieuphoi.tasks.tests.factories import TaskFactory, TaskPartFactory


def filter_form(query: str) -> TaskFilterForm:
    data = QueryDict(query)
    filters, errors = selectors.parse_task_filters(data)
    return TaskFilterForm(data, filters=filters, errors=errors, choices=Choices())


@pytest.mark.django_db
class TestTaskFilterForm:
    def test_parser_messages_become_field_errors(self):
        form = filter_form("bucket=late&deadline_from=2025-13-01")
        assert set(form.errors) == {"bucket", "deadline_from"}
        assert "late" in form.errors["bucket"][0]

    def test_dates_are_shown_as_day_month_year(self):
        form = filter_form("deadline_from=2025-06-01&on=2025-07-15")
        assert form["deadline_from"].value() == "01/06/2025"
        assert form["on"].value() == "15/07/2025"

    def test_a_bad_date_is_shown_as_typed(self):
        form = filter_form("on=31/02/2025")
        assert form["on"].value() == "31/02/2025"

    def test_choices_are_loaded_once_when_rendered(self, django_assert_num_queries):
        AgencyFactory.create_batch(3)
        form = filter_form("")
        with django_assert_num_queries(0):
            form = filter_form("lead_agency=1")
        # agencies (shared by two selects), sectors, units
        with django_assert_num_queries(3):
            html = str(form["lead_agency"]) + str(form["cooperating_agency"])
            html += str(form["sector"]) + str(form["province"])
        assert html.count("<option") >= 8


@pytest.fixture
def choices(hanoi_team):
    return Choices(bodies=[hanoi_team])


def task_data(hanoi_team, agency, **overrides):
    data = {
        "body": hanoi_team.pk,
        "title": "Nhiệm vụ",
        "assigned_on": "05/03/2025",
        "lead_agency": agency.pk,
        "deadline_kind": "date",
        "deadline": "30/06/2025",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestTaskForm:
    def test_valid_form_gives_service_arguments(
        self, hanoi_team, member_agency, choices
    ):
        form = TaskForm(
            task_data(hanoi_team, member_agency), choices=choices, bodies=[hanoi_team]
        )
        assert form.is_valid(), form.errors
        kwargs = form.service_kwargs()
        assert kwargs["lead_agency"] == member_agency
        assert kwargs["deadline"] == datetime.date(2025, 6, 30)
        assert kwargs["recurrence"] == ""

    def test_a_deadline_is_required_unless_none_or_recurring(
        self, hanoi_team, member_agency, choices
    ):
        form = TaskForm(
            task_data(hanoi_team, member_agency, deadline=""),
            choices=choices,
            bodies=[hanoi_team],
        )
        assert not form.is_valid()
        assert list(form.errors) == ["deadline"]
        monthly = TaskForm(
            task_data(hanoi_team, member_agency, deadline_kind="monthly"),
            choices=choices,
            bodies=[hanoi_team],
        )
        assert monthly.is_valid(), monthly.errors
        assert monthly.service_kwargs()["deadline"] is None
        assert monthly.service_kwargs()["recurrence"] == "monthly"

    def test_an_unknown_agency_is_an_error_at_the_field(self, hanoi_team, choices):
        form = TaskForm(
            {**task_data(hanoi_team, AgencyFactory()), "lead_agency": "999999"},
            choices=choices,
            bodies=[hanoi_team],
        )
        assert list(form.errors) == ["lead_agency"]

    def test_a_body_the_user_does_not_manage_is_refused(
        self, hanoi_team, other_team, member_agency, choices
    ):
        form = TaskForm(
            task_data(other_team, member_agency), choices=choices, bodies=[hanoi_team]
        )
        assert list(form.errors) == ["body"]

    def test_owners_are_people_of_the_body(self, hanoi_team, member, external, choices):
        owners = choices.owners
        assert member.pk in owners
        assert external.pk not in owners


@pytest.mark.django_db
class TestPartFormSet:
    def management(self, total):
        return {
            "parts-TOTAL_FORMS": str(total),
            "parts-INITIAL_FORMS": "0",
            "parts-MIN_NUM_FORMS": "0",
            "parts-MAX_NUM_FORMS": "1000",
        }

    def test_rows_without_an_agency_are_left_out(self, choices, coop_agency):
        data = {
            **self.management(3),
            "parts-0-agency": coop_agency.pk,
            "parts-0-description": "Phần việc",
            "parts-0-deadline": "01/06/2025",
            "parts-2-agency": coop_agency.pk,
            "parts-2-DELETE": "on",
        }
        formset = PartFormSet(data, prefix="parts", choices=choices)
        assert formset.is_valid(), formset.errors
        assert formset.parts() == [
            {
                "agency": coop_agency,
                "body": None,
                "party": coop_agency,
                "description": "Phần việc",
                "deadline": datetime.date(2025, 6, 1),
            }
        ]

    def test_a_part_without_its_agency_is_an_error(self, choices):
        data = {**self.management(1), "parts-0-description": "Phần việc"}
        formset = PartFormSet(data, prefix="parts", choices=choices)
        assert not formset.is_valid()
        assert list(formset.errors[0]) == ["agency"]

    def test_the_empty_row_template_has_the_prefix_placeholder(self, choices):
        formset = PartFormSet(prefix="parts", choices=choices)
        assert 'name="parts-__prefix__-agency"' in str(formset.empty_form["agency"])


@pytest.mark.django_db
class TestProgressForm:
    def test_percent_must_be_0_to_100(self):
        for value in ("-1", "101", "abc"):
            form = ProgressForm({"percent": value, "text": "x"})
            assert list(form.errors) == ["percent"]

    def test_part_choice_only_when_there_is_a_choice(self, coop_agency):
        task = TaskFactory()
        part = TaskPartFactory(task=task, agency=coop_agency)
        assert "part" not in ProgressForm(parts=[]).fields
        assert "part" not in ProgressForm(parts=[part], task_level=False).fields
        both = ProgressForm(parts=[part], task_level=True)
        assert [c[0] for c in both.fields["part"].choices] == ["", part.pk]


class TestTransitionForm:
    def test_reason_required_for_cancel_not_for_report_done(self):
        cancel = TransitionForm({"action": "cancel"}, action="cancel")
        assert list(cancel.errors) == ["reason"]
        done = TransitionForm({"action": "report_done"}, action="report_done")
        assert done.is_valid()

    def test_change_deadline_needs_the_new_date(self):
        form = TransitionForm(
            {"action": "change_deadline", "reason": "Lý do"}, action="change_deadline"
        )
        assert list(form.errors) == ["new_deadline"]


def _options(markup: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), label.strip())
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', markup
        )
    ]


@pytest.mark.parametrize(
    ("widget", "django_widget", "value"),
    [
        (Select, forms.Select, "2"),
        (Select, forms.Select, None),
        (SelectMultiple, forms.SelectMultiple, ["1", "3"]),
    ],
)
def test_fast_select_renders_what_django_renders(widget, django_widget, value):
    choices = [("", "— none —"), ("1", "Sở <Xây dựng>"), ("2", 'Sở "A"'), ("3", "B")]
    attrs = {"id": "id_x", "class": "form-select"}
    fast = widget(choices=choices).render("x", value, attrs=attrs)
    slow = django_widget(choices=choices).render("x", value, attrs=attrs)
    assert _options(fast) == _options(slow)
    assert _options(fast)[1][2] == "Sở &lt;Xây dựng&gt;"
    assert fast.startswith('<select name="x" ')
    assert 'id="id_x"' in fast and 'class="form-select"' in fast
    assert ("multiple" in fast) == ("multiple" in slow)
