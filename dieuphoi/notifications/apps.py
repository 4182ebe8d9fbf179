from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dieuphoi.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

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
        for signal in (post_save, post_delete):
            signal.connect(
                _written,
                sender=Notification,
                weak=False,
                dispatch_uid=f"notifications:written:{signal is post_save}",
            )
        # Working days only: what arrives on a weekend or holiday is in the
        # next working day's digest.
        register_daily_job(
            "notifications.digest", jobs.daily_digest_job(), working_days_only=True
        )
        # Every day: e-mails whose sender died mid-send are sent again once.
        register_daily_job("notifications.email_reclaim", jobs.email_reclaim_day)


def _written(sender, **kwargs) -> None:
    from .selectors import notifications_written

    notifications_written()
