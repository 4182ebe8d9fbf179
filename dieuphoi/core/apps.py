from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dieuphoi.core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The leadership section puts tasks and reminders side by side; it is
        # added only when both are installed (see dieuphoi.core.leadership).
        if apps.is_installed("dieuphoi.tasks") and apps.is_installed(
            "dieuphoi.reminders"
        ):
            from .home import register_home_section
            from .leadership import leadership_section

            register_home_section(leadership_section, order=1)
