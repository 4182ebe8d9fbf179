from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "dieuphoi.org"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels

        from . import permissions  # noqa: F401 - registers the rules perms
        from .services import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
