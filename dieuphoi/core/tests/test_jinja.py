"""The Jinja2 row templates (``dieuphoi.core.jinja``): escaped, translated,
their messages in the catalogue, and included from Django templates."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.commands.makemessages import TranslatableFile
from django.template import Context, Template, engines
from django.test import RequestFactory
from django.utils import translation
from django.utils.safestring import mark_safe

from dieuphoi.core import jinja_messages
from dieuphoi.core.management.commands.makemessages import BuildFile, Command

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_jinja_message_is_translated():
    files = sorted(TEMPLATES.rglob("*.jinja"))
    assert files, "the row templates are Jinja2"
    seen = 0
    with translation.override("vi"):
        for path in files:
            for _line, function, strings in jinja_messages.messages(path.read_text()):
                seen += 1
                if function == "gettext":
                    (text,) = strings
                    assert translation.gettext(text) != text, (path.name, text)
                elif function == "pgettext":
                    context, text = strings
                    assert translation.pgettext(context, text) != text, text
                elif function == "ngettext":
                    singular, plural = strings
                    assert translation.ngettext(singular, plural, 2) != plural
                else:
                    context, singular, plural = strings
                    assert translation.npgettext(context, singular, plural, 2) != plural
    assert seen >= 7


def test_makemessages_reads_the_calls_on_their_lines(tmp_path):
    source = (
        '{{ gettext("Progress") }}\n'
        "{% for x in rows %}\n"
        '{{ ngettext("extended once", "extended %(counter)s times", n, counter=n) }}'
        ' {{ pgettext("key task", "Key") }}\n'
        "{% endfor %}\n"
    )
    path = tmp_path / "rows.jinja"
    path.write_text(source)
    build = BuildFile(
        Command(), "django", TranslatableFile(str(tmp_path), "rows.jinja", None)
    )
    build.preprocess()
    lines = Path(build.work_path).read_text().splitlines()
    assert lines[0] == "gettext('Progress')"
    assert lines[1] == ""
    assert lines[2] == (
        "ngettext('extended once', 'extended %(counter)s times', 0); "
        "pgettext('key task', 'Key')"
    )
    build.cleanup()
    assert not Path(build.work_path).exists()


def test_values_are_escaped_and_safe_strings_kept():
    template = engines["jinja2"].from_string("{{ text }}|{{ safe }}|{{ d|dmy }}")
    html = template.render(
        {
            "text": '<b>"Đường" & cầu</b>',
            "safe": mark_safe("<i>ok</i>"),
            "d": datetime.date(2026, 1, 2),
        }
    )
    assert html == "&lt;b&gt;&#34;Đường&#34; &amp; cầu&lt;/b&gt;|<i>ok</i>|02/01/2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "Không có hạn xử lý|đã gia hạn 3 lần"),
        ("en", "No deadline|extended 3 times"),
    ],
)
def test_translations_follow_the_language(language, expected):
    template = engines["jinja2"].from_string(
        '{{ gettext("No deadline") }}|'
        '{{ ngettext("extended once", "extended %(counter)s times", 3, counter=3) }}'
    )
    with translation.override(language):
        assert template.render({}) == expected


def test_the_tag_renders_with_the_page_context_and_extra_values():
    request = RequestFactory().get("/")
    page = Template(
        '{% load ui %}<ul>{% jinja "tasks/_summary_rows.jinja" rows=rows %}</ul>'
    )
    row = {
        "kind": "sector",
        "id": None,
        "name": "<Giao thông>",
        "cells": [],
        "rates": [],
    }
    html = page.render(Context({"rows": [row], "request": request}))
    assert 'id="summary-row-sector-none"' in html
    assert "&lt;Giao thông&gt;" in html


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 12, 31, 17, 5, 9, 120000, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC),
        datetime.datetime(2026, 6, 30, 23, 59),
        None,
    ],
)
def test_date_times_print_what_djangos_date_filter_prints(value, settings):
    """``|dmy_hm`` and ``|iso_local`` (the notification rows) against
    ``|date:"d/m/Y H:i"`` and ``|date:"c"``: the same text, in the current
    time zone (17:05 UTC on 31/12 is 00:05 on 01/01 in Hà Nội)."""
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    jinja = engines["jinja2"].from_string("{{ v|dmy_hm }}|{{ v|iso_local }}")
    django = Template('{{ v|date:"d/m/Y H:i" }}|{{ v|date:"c" }}')
    assert jinja.render({"v": value}) == django.render(Context({"v": value}))
    if value is not None and value.tzinfo is not None and value.month == 12:
        assert jinja.render({"v": value}).startswith("01/01/2027 00:05|2027-01-01T")


@pytest.mark.parametrize(
    "name, args",
    [
        ("notifications:read", (7,)),
        ("notifications:open", (0,)),
        ("notifications:open", (123456789012,)),
        ("tasks:detail", (42,)),
        ("notifications:list", ()),
        ("accounts:profile", ()),
    ],
)
def test_url_is_djangos_reverse(name, args):
    from django.urls import reverse, set_script_prefix

    from dieuphoi.core import jinja as core_jinja

    template = engines["jinja2"].from_string("{{ url(name, *args) }}")
    for _look in range(2):  # the second from the kept pattern
        assert template.render({"name": name, "args": args}) == reverse(name, args=args)
    set_script_prefix("/dieuphoi/")
    try:
        moved = template.render({"name": name, "args": args})
        assert moved == reverse(name, args=args)
        assert moved.startswith("/dieuphoi/")
    finally:
        set_script_prefix("/")
    core_jinja._around_id.cache_clear()


def test_url_refuses_what_reverse_refuses():
    from django.urls import NoReverseMatch

    template = engines["jinja2"].from_string("{{ url('notifications:read', v) }}")
    for bad in (-1, "abc", None):
        with pytest.raises(NoReverseMatch):
            template.render({"v": bad})
