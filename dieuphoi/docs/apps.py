from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocsConfig(AppConfig):
    label = "docs"
    name = "dieuphoi.docs"
    verbose_name = _("Document register")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels

        # Registers the rules perms and Document as an attachment target.
        from . import permissions  # noqa: F401
        from .services import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
        register_audit_display()

        from dieuphoi.workdays.scheduler import register_daily_job

        from .jobs import attachments_purge_daily

        register_daily_job("docs.attachments_purge", attachments_purge_daily)


def register_audit_display() -> None:
    """How the changes in a document's timeline read."""
    from django.utils.translation import gettext_lazy as _

    from dieuphoi.audit import labels as audit

    from .models import Document

    audit.register_change_labels({"attachments": _("Attached files")})
    audit.register_field_display(
        Document,
        {
            "direction": audit.choice(Document.Direction),
            "issued_on": audit.date(),
            "attachments": audit.text(_("Attached files")),
        },
    )
