"""Registries of page sections that other apps contribute.

A page that others may extend (the home page, the task page) owns one
``SectionRegistry``. An app registers a callable from its
``AppConfig.ready()``; the callable gets the request (and the page's object,
if any) and returns ``None`` (nothing to show) or
``{"template": name, "context": dict}``. The page's app never imports the
contributing apps, so dependencies keep pointing one way.
"""

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

Section = Callable[..., dict | None]


class SectionRegistry:
    def __init__(self) -> None:
        self._sections: list[tuple[int, int, Section]] = []

    def register(self, func: Section, *, order: int = 100) -> Section:
        """Add ``func`` (idempotent: a second call is ignored)."""
        if not any(existing is func for _, _, existing in self._sections):
            self._sections.append((order, len(self._sections), func))
            self._sections.sort(key=lambda item: (item[0], item[1]))
        return func

    def unregister(self, func: Section) -> None:
        self._sections[:] = [item for item in self._sections if item[2] is not func]

    def render(self, request, *args) -> list[SafeString]:
        """The HTML of every section that has something to show."""
        rendered = []
        for _, _, func in list(self._sections):
            section = func(request, *args)
            if not section:
                continue
            rendered.append(
                render_to_string(
                    section["template"], section.get("context") or {}, request
                )
            )
        return rendered
