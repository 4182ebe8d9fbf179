from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "dieuphoi.activities"
    verbose_name = _("Joint activities")
    label = "activities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels
        from dieuphoi.calendars.events import register_event_source
        from dieuphoi.docs.permissions import register_attachment_target
        from dieuphoi.notifications.kinds import register_kind
        from dieuphoi.notifications.registry import register_notification_target

        from . import notices, permissions, urging
        from .models import Activity, AgendaItem, Conclusion
        from .services import ACTION_LABELS, CHANGE_LABELS

        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        urging.register()
        register_notification_target(
            Activity,
            can_view=permissions.can_view_activity,
            attachments=notices.ics_attachments,
        )
        # Tasks made from a conclusion link back to it (tasks/sources.py).
        register_notification_target(
            Conclusion, can_view=permissions.can_view_conclusion
        )
        # E-mailed at once (not in the digest): they carry the ICS.
        register_kind(
            notices.INVITED,
            _("You are invited to a meeting or activity"),
            default_mode="immediate",
            must_act=True,
        )
        register_kind(
            notices.CHANGED,
            _("An activity you are invited to is changed"),
            default_mode="immediate",
        )
        register_kind(
            notices.CANCELLED,
            _("An activity you are invited to is cancelled"),
            default_mode="immediate",
        )
        # The signed biên bản and other files of the activity; an agenda
        # item's documents.
        register_attachment_target(
            Activity,
            permissions.can_view_activity,
            permissions.can_change_activity,
            body_of=lambda a: a.body_id,
        )
        register_attachment_target(
            AgendaItem,
            permissions.can_view_agenda_item,
            permissions.can_change_agenda_item,
            body_of=lambda item: item.activity.body_id,
        )
        register_event_source(
            "activities.activity", _("Activities"), notices.activity_events
        )
        from dieuphoi.matters import links

        from . import matters_link

        matters_link.register(links)
