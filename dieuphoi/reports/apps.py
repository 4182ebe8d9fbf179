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
