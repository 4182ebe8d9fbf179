"""The production static storage remembers each URL (``core.storage``) and
the layout's ``{% fixed_url %}`` gives what ``{% url %}`` gives."""

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
