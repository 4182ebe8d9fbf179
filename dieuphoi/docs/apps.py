from django.apps import AppConfig


class DocsConfig(AppConfig):
    label = "docs"
    name = "dieuphoi.docs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels

        # Registers the rules perms and Document as an attachment target.
        from . import permissions  # noqa: F401
        from .services import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
