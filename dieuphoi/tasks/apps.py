from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "dieuphoi.tasks"
    verbose_name = _("Tasks")
    label = "tasks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import (
            register_action_labels,
            register_change_labels,
        )
        from dieuphoi.core.home import register_home_section

        # Registers the rules perms and the attachment targets.
        from . import permissions
        from .extensions import services as extension_services
        from .extensions import views as extension_views
        from .services import ACTION_LABELS
        from .views import home_section

        permissions.register_attachment_targets()
        from dieuphoi.core.auth import register_user_annotation

        # With the seats (org), the bodies that have tasks: ``user_seats``.
        register_user_annotation(
            "task_bodies_packed",
            permissions.task_bodies_expression,
            permissions.task_bodies_loaded,
        )
        from . import discussion
        from .panels import task_panels

        discussion.register()
        task_panels.register(discussion.task_panel, order=20)
        register_action_labels(ACTION_LABELS)
        register_action_labels(extension_services.ACTION_LABELS)
        register_change_labels(extension_services.CHANGE_LABELS)
        register_home_section(extension_views.inbox_section, order=5)
        register_home_section(home_section, order=10)
        register_audit_display()
        from . import handover

        handover.register()
        from . import cache, search

        cache.connect()
        search.connect()


def register_audit_display() -> None:
    """How the changes in a task's timeline read (labels, names, dates)."""
    from django.db.models import Case, F, Value, When
    from django.db.models.functions import Coalesce, Concat, NullIf
    from django.utils.translation import gettext_lazy as _

    from dieuphoi.accounts.models import User
    from dieuphoi.audit import labels as audit
    from dieuphoi.docs.models import Document
    from dieuphoi.org.models import AdministrativeUnit, Agency

    from .models import Sector, Task

    reference = Case(
        When(symbol="", then=F("number")),
        default=Concat("number", Value("/"), "symbol"),
    )
    person = Coalesce(NullIf("full_name", Value("")), "username")
    audit.register_field_display(
        Task,
        {
            "state": audit.choice(Task.State),
            "recurrence": audit.choice(Task.Recurrence),
            "lead_agency": audit.fk(Agency),
            "owner": audit.fk(User, name_field=person),
            "sector": audit.fk(Sector),
            "source_document": audit.fk(Document, name_field=reference),
            "provinces": audit.fk(AdministrativeUnit),
            "cooperating": audit.parts(Agency, _("Co-operating agencies")),
            "assigned_on": audit.date(),
            "deadline": audit.date(),
            "original_deadline": audit.date(),
            "reported_done_on": audit.date(),
            "completed_on": audit.date(),
            "cancelled_on": audit.date(),
            "requested_deadline": audit.date(_("Requested deadline")),
            "approved_deadline": audit.date(_("Approved deadline")),
            "reported_on": audit.date(_("Reported on")),
            "reason": audit.text(_("Reason")),
            "text": audit.text(_("Progress report")),
            "files": audit.text(_("Files")),
            "percent": audit.text(_("Percent complete")),
            "part": audit.text(_("Co-operating part")),
            "attachments": audit.text(_("Attached files")),
        },
    )
