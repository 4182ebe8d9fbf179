from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "dieuphoi.reports"
    verbose_name = _("Periodic reports")
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels

        from . import services
        from .notices import contributions_ready

        register_action_labels(services.ACTION_LABELS)
        register_change_labels(services.CHANGE_LABELS)
        # The report follows its Báo cáo through review, approval and issue.
        services.register()
        # Contributions: notification kinds and target, attachment target,
        # the reminder ladder's source ``reports.contribution``.
        contributions_ready()
        register_audit_display()


def register_audit_display() -> None:
    """How the report's history reads: states by name, the paper by its
    subject, dates dd/mm/yyyy (not the stored keys and ids)."""
    from dieuphoi.audit import labels as audit
    from dieuphoi.paperwork.models import Paper

    from .models import Report

    audit.register_field_display(
        Report,
        {
            "state": audit.choice(Report.State),
            "paper": audit.fk(Paper, _("document"), name_field="subject"),
            "deadline": audit.date(_("submission deadline")),
            "as_of": audit.date(_("figures as of")),
        },
    )
