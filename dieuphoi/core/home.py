"""Sections of the home page ("My work") contributed by other apps.

An app registers a callable from its ``AppConfig.ready()``::

    from dieuphoi.core.home import register_home_section

    def my_tasks_section(request):
        tasks = selectors.task_list(user=request.user, limit=10).items
        if not tasks:
            return None
        return {"template": "tasks/home_section.html", "context": {"tasks": tasks}}

    register_home_section(my_tasks_section, order=10)

Each callable gets the request and returns ``None`` (nothing to show) or a dict
``{"template": name, "context": dict}``. Sections are shown in ``order``, then
in registration order. The callable must load its data through a selector that
is scoped to ``request.user``.
"""

from .sections import Section, SectionRegistry

HomeSection = Section

home_sections = SectionRegistry()


def register_home_section(func: HomeSection, *, order: int = 100) -> HomeSection:
    """Add ``func`` to the home page (idempotent: a second call is ignored)."""
    return home_sections.register(func, order=order)


def unregister_home_section(func: HomeSection) -> None:
    home_sections.unregister(func)


def render_home_sections(request) -> list:
    """The HTML of every section that has something to show."""
    return home_sections.render(request)
