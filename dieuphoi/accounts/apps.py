from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dieuphoi.accounts"
    default_auto_field = "django.db.models.BigAutoField"
