from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "dieuphoi.calendars"
    verbose_name = _("Calendar")
    label = "calendars"
    default_auto_field = "django.db.models.BigAutoField"
