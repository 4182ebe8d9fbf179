from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "dieuphoi.calendars"
    verbose_name = _("Calendar")
    label = "calendars"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels

        from . import sources
        from .services import ACTION_LABELS, CHANGE_LABELS

        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        sources.register()
