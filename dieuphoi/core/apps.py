from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dieuphoi.core"
    default_auto_field = "django.db.models.BigAutoField"
