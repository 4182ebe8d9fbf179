from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "dieuphoi.inspections"
    verbose_name = _("Inspections and supervision")
    label = "inspections"
    default_auto_field = "django.db.models.BigAutoField"
