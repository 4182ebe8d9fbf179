from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaperworkConfig(AppConfig):
    name = "dieuphoi.paperwork"
    verbose_name = _("Official documents")
    label = "paperwork"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels
        from dieuphoi.core import cache as stamps
        from dieuphoi.docs.permissions import register_document_lock
        from dieuphoi.notifications.kinds import register_kind
        from dieuphoi.notifications.registry import register_notification_target

        from . import cache, permissions
        from .models import Paper
        from .services import ACTION_LABELS, CHANGE_LABELS

        # An issued document is immutable: its register entry and files
        # change only through a correction (a new document).
        register_document_lock(permissions.is_issued_entry)
        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        from dieuphoi.core.home import register_home_section

        from .home import home_section

        register_home_section(home_section, order=8)
        register_notification_target(
            Paper,
            can_view=permissions.can_view_paper,
            visible_pairs=permissions.visible_pairs,
            attachments=permissions.email_attachments,
            # The rule reads the paper and its deliveries, and the user's
            # own seats.
            stamps=(stamps.PAPERWORK,),
        )
        cache.connect()
        # A document sent to an agency is e-mailed at once, with its signed
        # PDF, like a letter arriving (unless the person chose otherwise).
        kinds = [
            ("paper_review", _("A document waits for your approval"), True, None),
            ("paper_returned", _("Your draft document is returned for changes"), True, None),
            ("paper_approved", _("A document is approved and waits to be issued"), True, None),
            ("paper_issued", _("A document you drafted or sign is issued"), False, None),
            ("paper_withdrawn", _("A draft you were to approve is withdrawn"), False, None),
            ("paper_received", _("A document is sent to your agency"), True, "immediate"),
        ]  # fmt: skip
        for key, label, must_act, mode in kinds:
            register_kind(key, label, must_act=must_act, default_mode=mode, order=60)
