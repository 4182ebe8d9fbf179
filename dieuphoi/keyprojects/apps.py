from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyProjectsConfig(AppConfig):
    name = "dieuphoi.keyprojects"
    verbose_name = _("Key projects")
    label = "keyprojects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels
        from dieuphoi.core.home import register_home_section
        from dieuphoi.notifications.registry import register_notification_target

        from . import permissions, urging, views
        from .models import KeyProject
        from .services import ACTION_LABELS, CHANGE_LABELS

        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        # Open milestones: reminded and urged by the reminder ladder.
        urging.register()
        register_notification_target(KeyProject, can_view=permissions.can_view_project)
        # After the escalations (20): late milestones of the manager's body.
        register_home_section(views.home_section, order=25)
