"""Jinja2 for the hottest loops of the pages (docs/performance.md).

The pages stay Django templates (layout, forms, HTMX partials); a loop that
renders many rows (the task list's rows, the summary's rows) is a ``.jinja``
template under ``templates/``, included by ``{% jinja "name.jinja" %}``
(``core.templatetags.ui``) with the page's context. Measured on a page of
50 tasks: 7.4 ms of CPU in the Django template language, 1.8 ms in Jinja2.

- Escaping: on (``autoescape``), as in Django templates; Django's safe strings
  stay safe (they carry ``__html__``).
- Filters: the Django filter libraries named in ``OPTIONS["filter_libraries"]``
  (``{% load %}`` names), the same functions the Django templates use, so a
  value looks the same whichever engine shows it.
- Globals: ``OPTIONS["globals"]``, name → dotted path of a function, for what
  a loop sets up once before it runs (``rates.active_numbers``: the
  language's number format, looked up once instead of once per cell); and
  always ``url(name, *args)``, Django's ``reverse``.
- Date-times: ``|dmy_hm`` and ``|iso_local`` give what Django's
  ``|date:"d/m/Y H:i"`` and ``|date:"c"`` give (in the current time zone).
- Translations: ``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` are
  Django's (the request's language), new-style (``%(name)s`` placeholders
  filled and escaped by Jinja; ``num`` is the count). ``makemessages``
  (``core.management.commands.makemessages``) extracts them into the
  catalogue with the Django templates' messages.
"""

from __future__ import annotations

import datetime
import functools

from django.core.signals import setting_changed
from django.template import engines
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from jinja2 import Environment


def url(name: str, *args) -> str:
    """``reverse(name, args=args)``. A URL of one id (a non-negative int) is
    reversed once per process and script prefix and the id put in its place:
    a list's rows link each item, and ``reverse`` costs 15 µs a call."""
    if len(args) == 1 and type(args[0]) is int and args[0] >= 0:
        around = _around_id(name, get_script_prefix())
        if around is not None:
            return f"{around[0]}{args[0]}{around[1]}"
    return reverse(name, args=args)


_PROBE = 987654321  # an id no URL holds by chance


@functools.lru_cache(maxsize=256)
def _around_id(name: str, _prefix: str) -> tuple[str, str] | None:
    """What comes before and after the id in ``name``'s URL, when the id
    is written as it is (checked with a second id: a converter that pads or
    changes the digits gets None, and every call goes to ``reverse``)."""
    try:
        probe = reverse(name, args=[_PROBE])
        small = reverse(name, args=[7])
    except NoReverseMatch:
        return None
    if probe.count(str(_PROBE)) != 1:
        return None
    before, after = probe.split(str(_PROBE))
    return (before, after) if small == f"{before}7{after}" else None


def _forget_urls(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _around_id.cache_clear()


setting_changed.connect(_forget_urls, dispatch_uid="core.jinja.urls")


def dmy_hm(value) -> str:
    """``|date:"d/m/Y H:i"``: dd/mm/yyyy HH:MM in the current time zone."""
    if not isinstance(value, datetime.datetime):
        return ""
    value = timezone.template_localtime(value)
    return (
        f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        f" {value.hour:02d}:{value.minute:02d}"
    )


def iso_local(value) -> str:
    """``|date:"c"``: ISO 8601 in the current time zone."""
    if not isinstance(value, datetime.datetime):
        return ""
    return timezone.template_localtime(value).isoformat()


def environment(*, filter_libraries=(), globals=None, **options) -> Environment:
    options.setdefault("extensions", [])
    if "jinja2.ext.i18n" not in options["extensions"]:
        options["extensions"] = [*options["extensions"], "jinja2.ext.i18n"]
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = Environment(autoescape=True, **options)
    env.install_gettext_callables(
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    libraries = engines["django"].engine.template_libraries
    for name in filter_libraries:
        env.filters.update(libraries[name].filters)
    env.filters.update(dmy_hm=dmy_hm, iso_local=iso_local)
    env.globals["url"] = url
    for name, path in (globals or {}).items():
        env.globals[name] = import_string(path)
    return env
