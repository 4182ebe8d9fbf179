from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "dieuphoi.activities"
    verbose_name = _("Joint activities")
    label = "activities"
    default_auto_field = "django.db.models.BigAutoField"
