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
  language's number format, looked up once instead of once per cell).
- Translations: ``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` are
  Django's (the request's language), new-style (``%(name)s`` placeholders
  filled and escaped by Jinja; ``num`` is the count). ``makemessages``
  (``core.management.commands.makemessages``) extracts them into the
  catalogue with the Django templates' messages.
"""

from __future__ import annotations

from django.template import engines
from django.utils import translation
from django.utils.module_loading import import_string
from jinja2 import Environment


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
    for name, path in (globals or {}).items():
        env.globals[name] = import_string(path)
    return env
