"""Items other apps link to a matter, shown on its page without the matters
app importing them.

An app (activities, inspections) registers from its ``AppConfig.ready()``::

    from dieuphoi.matters.links import register_matter_link

    register_matter_link("activities", _("Activities"), activities_of_matter)

where ``fn(matter, user) -> list[tuple[str, str]]`` returns ``(title, url)``
of the items linked to ``matter`` that ``user`` may see (in a fixed number
of queries). Registering a key again replaces it. An item the matter's
managers may unlink on its page carries a third element, the ``item`` value
the ``matters:link`` view takes with ``op=remove`` (``"tasks:<id>"``); this
app's tasks linked by hand, proposals and key projects do (a task made from
the matter does not: it is its source, not a link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.urls import reverse


@dataclass(frozen=True)
class MatterLink:
    key: str
    label: object
    fn: Callable[..., list[tuple[str, str]]]


_LINKS: dict[str, MatterLink] = {}


def register_matter_link(key: str, label, fn) -> None:
    _LINKS[key] = MatterLink(key, label, fn)


def matter_links() -> list[MatterLink]:
    return list(_LINKS.values())


def linked_sections(matter, user) -> list[dict]:
    """``[{"key", "label", "items": [(title, url)], "rows": [{"title",
    "url", "unlink"}]}]`` of every registered kind with at least one item
    the user may see (``unlink``: the value to remove the link, or "")."""
    out = []
    for entry in matter_links():
        found = list(entry.fn(matter, user) or [])
        if found:
            out.append(
                {
                    "key": entry.key,
                    "label": entry.label,
                    "items": [(row[0], row[1]) for row in found],
                    "rows": [
                        {
                            "title": row[0],
                            "url": row[1],
                            "unlink": row[2] if len(row) > 2 else "",
                        }
                        for row in found
                    ],
                }
            )
    return out


# --- the links of this app: tasks, proposals, key projects ----------------------


def _tasks(matter, user) -> list[tuple[str, str, str]]:
    from django.contrib.contenttypes.models import ContentType

    from dieuphoi.tasks.models import Task
    from dieuphoi.tasks.permissions import can_view_task

    type_id = ContentType.objects.get_for_model(type(matter)).pk
    linked = type(matter).tasks.through.objects.filter(
        matter_id=matter.pk, task_id=models.OuterRef("pk")
    )
    rows = (
        Task.objects.filter(
            models.Q(matters=matter)
            | models.Q(source_type_id=type_id, source_id=matter.pk)
        )
        .annotate(linked=models.Exists(linked))
        .select_related("body", "lead_agency")
        .distinct()
        .order_by("deadline", "code")
    )
    return [
        (
            f"{t.code} — {t.title}",
            reverse("tasks:detail", args=[t.pk]),
            f"tasks:{t.pk}" if t.linked else "",
        )
        for t in rows
        if can_view_task(user, t)
    ]


def _proposals(matter, user) -> list[tuple[str, str, str]]:
    from dieuphoi.proposals.permissions import can_view_proposal

    return [
        (p.title, p.get_absolute_url(), f"proposals:{p.pk}")
        for p in matter.proposals.select_related("body").order_by("-id")
        if can_view_proposal(user, p)
    ]


def _key_projects(matter, user) -> list[tuple[str, str, str]]:
    from dieuphoi.keyprojects.permissions import can_view_project

    return [
        (str(k), k.get_absolute_url(), f"key_projects:{k.pk}")
        for k in matter.key_projects.select_related("body")
        .prefetch_related("locations")
        .order_by("code")
        if can_view_project(user, k)
    ]


def register_builtin() -> None:
    from django.utils.translation import gettext_lazy as _

    register_matter_link("tasks", _("Tasks"), _tasks)
    register_matter_link("proposals", _("Proposals"), _proposals)
    register_matter_link("key_projects", _("Key projects"), _key_projects)
