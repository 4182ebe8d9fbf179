from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "dieuphoi.inspections"
    verbose_name = _("Inspections and supervision")
    label = "inspections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels

        from . import events, permissions
        from .services import ACTION_LABELS, CHANGE_LABELS

        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        _register_field_display()
        # Findings: task sources (tasks.sources), notifications, evidence files.
        permissions.register_targets()
        # The visits on the calendar.
        events.register()
        # The inspections of a matter, on its page.
        from dieuphoi.matters.links import register_matter_link

        register_matter_link(
            "inspections", _("Inspections and supervision"), permissions.matter_items
        )


def _register_field_display() -> None:
    """The history shows names and dates, not ids and ISO strings."""
    from django.contrib.auth import get_user_model

    from dieuphoi.audit import labels as audit
    from dieuphoi.matters.models import Matter
    from dieuphoi.org.models import Agency
    from dieuphoi.paperwork.models import Paper

    from .models import Finding, Inspection

    audit.register_field_display(
        Inspection,
        {
            "state": audit.choice(Inspection.State),
            "severity": audit.choice(Finding.Severity),
            "kind": audit.choice(Inspection.Kind),
            "subject_agencies": audit.fk(Agency),
            "members": audit.fk(get_user_model(), name_field="full_name"),
            "matters": audit.fk(Matter, name_field="title"),
            "conclusion_paper": audit.fk(Paper, name_field="subject"),
            "planned_on": audit.date(),
            "period_from": audit.date(),
            "period_to": audit.date(),
        },
    )
