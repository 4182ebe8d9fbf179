"""Sections of the home page ("My work") contributed by other apps.

An app registers a callable from its ``AppConfig.ready()``::

    from dieuphoi.core.home import register_home_section

    def my_tasks_section(request):
        tasks = selectors.task_list(user=request.user, mine=True)[:10]
        if not tasks:
            return None
        return {"template": "tasks/home_section.html", "context": {"tasks": tasks}}

    register_home_section(my_tasks_section, order=10)

Each callable gets the request and returns ``None`` (nothing to show) or a dict
``{"template": name, "context": dict}``. Sections are shown in ``order``, then
in registration order. The callable must load its data through a selector that
is scoped to ``request.user``.
"""

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

HomeSection = Callable[..., dict | None]

_sections: list[tuple[int, int, HomeSection]] = []


def register_home_section(func: HomeSection, *, order: int = 100) -> HomeSection:
    """Add ``func`` to the home page (idempotent: a second call is ignored)."""
    if not any(existing is func for _, _, existing in _sections):
        _sections.append((order, len(_sections), func))
        _sections.sort(key=lambda item: (item[0], item[1]))
    return func


def unregister_home_section(func: HomeSection) -> None:
    _sections[:] = [item for item in _sections if item[2] is not func]


def render_home_sections(request) -> list[SafeString]:
    """The HTML of every section that has something to show."""
    rendered = []
    for _, _, func in list(_sections):
        section = func(request)
        if not section:
            continue
        rendered.append(
            render_to_string(section["template"], section.get("context") or {}, request)
        )
    return rendered
