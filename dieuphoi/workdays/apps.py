from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "dieuphoi.workdays"
    label = "workdays"
    verbose_name = _("Working days and daily schedule")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels

        from . import calendar
        from .services import ACTION_LABELS

        calendar.connect_signals()
        register_action_labels(ACTION_LABELS)
