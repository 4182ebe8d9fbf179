from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dieuphoi.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels
        from dieuphoi.core.auth import register_user_annotation
        from dieuphoi.workdays.scheduler import register_daily_job

        from . import jobs, permissions, selectors
        from .models import Notification
        from .services import ACTION_LABELS

        permissions.register_targets()
        register_action_labels(ACTION_LABELS)
        # The badge's unread summary comes with the request's user; any
        # write here makes it asked afresh (queryset writes call it too).
        register_user_annotation(
            "unread_floor_packed",
            selectors.unread_floor_expression,
            selectors.unread_floor_loaded,
        )
        selectors.NOTIFICATION_WRITES.watch(Notification)
        # Working days only: what arrives on a weekend or holiday is in the
        # next working day's digest.
        register_daily_job(
            "notifications.digest", jobs.daily_digest_job(), working_days_only=True
        )
        # Every day: e-mails whose sender died mid-send are sent again once.
        register_daily_job("notifications.email_reclaim", jobs.email_reclaim_day)
