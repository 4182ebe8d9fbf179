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


# --- {% remember %}: the layout's parts drawn once per key ---------------------------


def test_remember_draws_a_block_once_per_key_and_language():
    from django.utils import translation

    from dieuphoi.core import cache as stamps

    stamps.clear_memo()
    source = (
        "{% load i18n %}{% remember 'probe' key %}{{ key }}-{{ seen }}"
        "-{% translate 'Close' %}{% endremember %}"
    )

    def draw(**values):
        return Template("{% load ui %}" + source).render(Context(values))

    with translation.override("en"):
        assert draw(key=1, seen="a") == "1-a-Close"
        # Same key: the block as first drawn (``seen`` is not a key).
        assert draw(key=1, seen="b") == "1-a-Close"
        assert draw(key=2, seen="b") == "2-b-Close"
    with translation.override("vi"):
        assert draw(key=1, seen="c") == "1-c-Đóng"


def test_remember_can_be_switched_off(settings):
    settings.TEMPLATE_FRAGMENT_MEMO = False
    source = "{% remember 'probe-off' %}{{ seen }}{% endremember %}"
    assert render(source.replace("{{ seen }}", "x")) == "x"
    template = Template("{% load ui %}" + source)
    assert template.render(Context({"seen": "a"})) == "a"
    assert template.render(Context({"seen": "b"})) == "b"


def test_remember_needs_a_quoted_name():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="quoted name"):
        Template("{% load ui %}{% remember probe %}x{% endremember %}")


def _menu(html: str) -> str:
    start = html.index('<ul class="navbar-nav me-auto">')
    return html[start : html.index('<ul class="navbar-nav">', start)]


def _user_menu(html: str) -> str:
    """The user menu, its log-out form's token (new on every page) left out."""
    import re

    start = html.index('aria-labelledby="user-menu-button"')
    menu = html[start : html.index("</ul>", start)]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", menu)


@pytest.mark.django_db
def test_the_layout_is_what_it_draws_without_remembering(
    client, settings, secretariat, admin_user, outsider
):
    """Each person's menu, the active entry of each page, the user menu's
    administrator links and a fresh CSRF token on every page, whoever
    was served before."""
    from dieuphoi.core import cache as stamps

    stamps.clear_memo()
    pages = [reverse("tasks:list"), reverse("proposals:list"), reverse("core:home")]
    people = (admin_user, secretariat, outsider)
    seen = {}
    # All remembered first (one memo for everyone: a setting change clears
    # it), then all drawn afresh.
    for memo in (True, False):
        settings.TEMPLATE_FRAGMENT_MEMO = memo
        for user in people:
            client.force_login(user)
            for path in pages:
                seen[(user.pk, path, memo)] = client.get(path).content.decode()
    for user in people:
        for path in pages:
            remembered = seen[(user.pk, path, True)]
            drawn = seen[(user.pk, path, False)]
            assert _menu(remembered) == _menu(drawn)
            assert _user_menu(remembered) == _user_menu(drawn)
            # The page's own entry is the active one, and only it.
            for other in pages:
                active = f'href="{other}" aria-current="page"'
                assert (active in _menu(remembered)) == (other == path)
    audit = reverse("audit:list")
    assert audit in _user_menu(seen[(admin_user.pk, pages[0], True)])
    assert audit not in _user_menu(seen[(secretariat.pk, pages[0], True)])
    # The menus differ by person: the outsider has no proposals' area pages.
    assert _menu(seen[(admin_user.pk, pages[0], True)]) != _menu(
        seen[(outsider.pk, pages[0], True)]
    )


@pytest.mark.django_db
def test_the_remembered_layout_keeps_each_pages_csrf_token(secretariat):
    """The forms of the layout (language, log out) post with the page's own
    token under the real CSRF check."""
    import re

    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat)
    for _attempt in range(2):
        html = client.get(reverse("tasks:list")).content.decode()
        form = html[html.index('class="language-switch') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        response = client.post(
            reverse("set_language"),
            {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)},
        )
        assert response.status_code == 302
