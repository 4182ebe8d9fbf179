from django.apps import AppConfig


class DocsConfig(AppConfig):
    label = "docs"
    name = "dieuphoi.docs"
    default_auto_field = "django.db.models.BigAutoField"
