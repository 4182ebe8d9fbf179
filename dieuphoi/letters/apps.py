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
        from dieuphoi.paperwork.producers import register_producer
        from dieuphoi.tasks.panels import task_panels

        # Registers the rules perms.
        from . import permissions  # noqa: F401
        from .generation import PRODUCER
        from .services import (
            ACTION_LABELS,
            CHANGE_LABELS,
            letter_after_issue,
            letter_before_issue,
        )
        from .views import task_panel

        task_panels.register(task_panel, order=40)
        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        register_producer(
            PRODUCER,
            label=_("Urging letter"),
            before_issue=letter_before_issue,
            after_issue=letter_after_issue,
        )
