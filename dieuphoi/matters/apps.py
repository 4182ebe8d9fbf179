from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "dieuphoi.matters"
    verbose_name = _("Inter-provincial matters")
    label = "matters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels
        from dieuphoi.notifications.kinds import register_kind

        from . import discussion, links, permissions, urging
        from .services import ACTION_LABELS, CHANGE_LABELS

        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        permissions.register_targets()
        discussion.register()
        # Open matters with no log entry for N working days: the owner is
        # reminded by the ladder.
        urging.register()
        register_kind(
            "matter_shared", _("An inter-provincial matter concerns you"), order=75
        )
        register_kind(
            "matter_log",
            _("News of an inter-provincial matter"),
            default_mode="digest",
            order=76,
        )
        links.register_builtin()
