import datetime

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from dieuphoi.core.forms import DATE_PLACEHOLDER, DateField


class SampleForm(forms.Form):
    title = forms.CharField(label="Title", help_text="Short & clear")
    due_on = DateField(label="Due on", required=False)
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    key = forms.BooleanField(label="Key task", required=False)
    body = forms.ChoiceField(label="Body", choices=[("1", "One")])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        if self.cleaned_data.get("title") == "clash":
            raise forms.ValidationError("Someone else changed it.")
        return self.cleaned_data


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    "raw", ["05/03/2025", "5/3/2025", "2025-03-05"], ids=["dmy", "short", "iso"]
)
def test_date_field_accepts_dd_mm_yyyy_and_iso(language, raw):
    with translation.override(language):
        form = SampleForm({"title": "x", "due_on": raw, "kind": "a", "body": "1"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["due_on"] == datetime.date(2025, 3, 5)


@pytest.mark.parametrize("raw", ["03/15/2025", "31/02/2025", "tomorrow"])
def test_date_field_rejects_other_formats(raw):
    form = SampleForm({"title": "x", "due_on": raw, "kind": "a", "body": "1"})
    assert not form.is_valid()
    assert "due_on" in form.errors


def test_date_input_is_a_text_box_showing_dd_mm_yyyy():
    form = SampleForm(initial={"due_on": datetime.date(2025, 3, 5)})
    html = str(form["due_on"])
    assert 'type="text"' in html
    assert f'placeholder="{DATE_PLACEHOLDER}"' in html
    assert 'value="05/03/2025"' in html


def render_field(field):
    return render_to_string("components/form_field.html", {"field": field})


def test_form_field_links_the_error_under_the_input():
    form = SampleForm({"title": "", "kind": "a", "body": "1"})
    form.is_valid()
    html = render_field(form["title"])
    assert 'class="form-control is-invalid"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_title_error id_title_helptext"' in html
    assert 'id="id_title_error"' in html
    assert html.index('id="id_title"') < html.index('id="id_title_error"')
    assert html.index('id="id_title_error"') < html.index('id="id_title_helptext"')
    assert '<label class="form-label" for="id_title">' in html


def test_form_field_escapes_help_text_and_shows_it_without_errors():
    form = SampleForm()
    html = render_field(form["title"])
    assert "Short &amp; clear" in html
    assert "is-invalid" not in html
    assert 'aria-describedby="id_title_helptext"' in html


def test_form_field_renders_selects_checkboxes_radios_and_hidden_inputs():
    form = SampleForm({"kind": "z"})
    form.is_valid()
    assert 'class="form-select' in render_field(form["body"])
    assert 'class="form-check-input"' in render_field(form["key"])
    radios = render_field(form["kind"])
    assert "<fieldset" in radios
    assert radios.count('class="form-check-input is-invalid"') == 2
    assert 'id="id_kind_error"' in radios
    hidden = render_field(form["version"])
    assert 'type="hidden"' in hidden
    assert "<label" not in hidden


def test_form_errors_lists_non_field_errors():
    form = SampleForm({"title": "clash", "kind": "a", "body": "1"})
    form.is_valid()
    html = render_to_string("components/form_errors.html", {"form": form})
    assert 'role="alert"' in html
    assert "Someone else changed it." in html


def test_form_errors_is_empty_for_a_valid_form():
    form = SampleForm({"title": "ok", "kind": "a", "body": "1"})
    assert form.is_valid()
    html = render_to_string("components/form_errors.html", {"form": form})
    assert html.strip() == ""
