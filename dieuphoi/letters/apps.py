from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "dieuphoi.letters"
    verbose_name = _("Urging letters")
    label = "letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import (
            register_action_labels,
            register_change_labels,
        )
        from dieuphoi.tasks.panels import task_panels

        # Registers the rules perms.
        from . import permissions  # noqa: F401
        from .services import ACTION_LABELS, CHANGE_LABELS
        from .views import task_panel

        task_panels.register(task_panel, order=40)
        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
