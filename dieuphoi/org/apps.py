from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "dieuphoi.org"
    default_auto_field = "django.db.models.BigAutoField"
