from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "dieuphoi.matters"
    verbose_name = _("Inter-provincial matters")
    label = "matters"
    default_auto_field = "django.db.models.BigAutoField"
