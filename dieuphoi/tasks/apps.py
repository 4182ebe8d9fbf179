from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "dieuphoi.tasks"
    label = "tasks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels
        from dieuphoi.core.home import register_home_section

        # Registers the rules perms and the attachment targets.
        from . import permissions
        from .services import ACTION_LABELS
        from .views import home_section

        permissions.register_attachment_targets()
        register_action_labels(ACTION_LABELS)
        register_home_section(home_section, order=10)
