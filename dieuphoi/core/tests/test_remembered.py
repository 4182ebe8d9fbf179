"""What the layout and the filter forms remember per process: the static
storage's URLs (``core.storage``), ``{% fixed_url %}`` (what ``{% url %}``
gives) and ``{% filter_field %}`` (what the field's include draws)."""

import json

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from whitenoise.storage import CompressedManifestStaticFilesStorage

from dieuphoi.core import context_processors
from dieuphoi.core.storage import StaticStorage


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps(
            {
                "version": "1.1",
                "hash": "x",
                "paths": {"css/app.css": "css/app.0123456789ab.css"},
            }
        )
    )
    return StaticStorage(location=str(tmp_path), base_url="/static/")


def test_a_url_is_the_manifests_and_is_looked_up_once(storage, monkeypatch):
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    monkeypatch.setattr(
        CompressedManifestStaticFilesStorage,
        "url",
        lambda *a, **k: pytest.fail("looked up again"),
    )
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"


def test_a_missing_name_raises_every_time(storage):
    for _attempt in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
    assert "css/missing.css" not in storage._urls


def render(source: str) -> str:
    return Template("{% load ui %}" + source).render(Context())


def test_fixed_url_is_the_url_tags_and_follows_the_script_prefix():
    context_processors._reversed.cache_clear()
    assert render("{% fixed_url 'accounts:profile' %}") == reverse("accounts:profile")
    assert render("{% fixed_url 'core:home' as home %}[{{ home }}]") == "[/]"
    set_script_prefix("/dieuphoi/")
    try:
        assert render("{% fixed_url 'accounts:profile' %}") == reverse(
            "accounts:profile"
        )
        assert reverse("accounts:profile").startswith("/dieuphoi/")
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("name", ["no-such:page", "tasks:detail"])
def test_fixed_url_refuses_unknown_names_and_names_with_arguments(name):
    with pytest.raises(NoReverseMatch):
        render(f"{{% fixed_url '{name}' %}}")


# --- {% filter_field %} ---------------------------------------------------------------


@pytest.fixture
def remembered(settings):
    from dieuphoi.core import cache as stamps

    settings.REGISTRY_CHOICES_CACHE = True
    stamps.clear_memo()
    yield
    stamps.clear_memo()


def _sector_form(data):
    from django import forms
    from django.http import QueryDict

    class Filters(forms.Form):
        sector = forms.ChoiceField(
            label="Lĩnh vực",
            required=False,
            choices=[("", "— tất cả —"), ("1", "Quy hoạch"), ("2", "Y tế")],
        )

    return Filters(QueryDict(data))


def _include(bound_field) -> str:
    return Template(
        '{% include "components/form_field.html" with field=f only %}'
    ).render(Context({"f": bound_field}))


def _tag(bound_field) -> str:
    return Template("{% load ui %}{% filter_field f %}").render(
        Context({"f": bound_field})
    )


@pytest.mark.django_db
def test_filter_field_is_the_include_and_is_drawn_once_per_value(
    remembered, monkeypatch
):
    from dieuphoi.core.templatetags import ui

    for data in ("", "sector=1", "sector=2"):
        form = _sector_form(data)
        assert _tag(form["sector"]) == _include(form["sector"])
    selected = _tag(_sector_form("sector=2")["sector"])
    assert '<option value="2" selected>' in selected
    monkeypatch.setattr(ui, "_field_html", lambda f: pytest.fail("drawn again"))
    assert _tag(_sector_form("sector=2")["sector"]) == selected


@pytest.mark.django_db
def test_filter_field_follows_the_registry_stamp(
    remembered, monkeypatch, django_capture_on_commit_callbacks
):
    from dieuphoi.core import cache as stamps
    from dieuphoi.core.templatetags import ui

    first = _tag(_sector_form("sector=1")["sector"])
    calls = []
    real = ui._field_html
    monkeypatch.setattr(ui, "_field_html", lambda f: calls.append(f.name) or real(f))
    assert _tag(_sector_form("sector=1")["sector"]) == first
    assert calls == []
    with django_capture_on_commit_callbacks(execute=True):
        stamps.bump(stamps.REGISTRY)  # e.g. a sector renamed
    assert _tag(_sector_form("sector=1")["sector"]) == first
    assert calls == ["sector"]  # drawn again under the new stamp


@pytest.mark.django_db
def test_a_field_with_an_error_or_the_switch_off_is_drawn_every_time(
    remembered, settings, monkeypatch
):
    from django import forms
    from django.http import QueryDict

    from dieuphoi.core.templatetags import ui

    class Dated(forms.Form):
        on = forms.DateField(label="Ngày", required=False)

    calls = []
    real = ui._field_html
    monkeypatch.setattr(ui, "_field_html", lambda f: calls.append(f.name) or real(f))
    for _look in range(2):
        bad = Dated(QueryDict("on=31/02/2025"))
        assert "invalid-feedback" in _tag(bad["on"])
    assert calls == ["on", "on"]
    settings.REGISTRY_CHOICES_CACHE = False
    for _look in range(2):
        _tag(_sector_form("sector=1")["sector"])
    assert calls == ["on", "on", "sector", "sector"]
