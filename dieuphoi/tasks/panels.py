"""Sections other apps add to the task page (letters, reminders, ...).

Register from ``AppConfig.ready()``::

    from dieuphoi.tasks.panels import task_panels

    task_panels.register(my_panel, order=50)

``my_panel(request, task)`` returns ``None`` or ``{"template", "context"}``;
the task has already passed ``access_task`` for ``request.user``.
"""

from dieuphoi.core.sections import SectionRegistry

task_panels = SectionRegistry()
