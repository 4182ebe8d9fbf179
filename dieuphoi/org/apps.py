from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "dieuphoi.org"
    verbose_name = _("Coordination bodies and agencies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels
        from dieuphoi.core.auth import register_user_annotation

        from . import cache, permissions  # registers the rules perms
        from .services import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
        cache.connect()
        # Every page reads the person's seats: they come with the user.
        register_user_annotation(
            "seats_floor_packed",
            permissions.seats_floor_expression,
            permissions.seats_floor_loaded,
        )
        register_audit_display()


def register_audit_display() -> None:
    """How the changes in the timelines of bodies, agencies and units read."""
    from dieuphoi.audit import labels as audit

    from .models import AdministrativeUnit, Agency, AgencySuccession, Body, Membership

    dated = {"valid_from": audit.date(), "valid_to": audit.date()}
    audit.register_field_display(
        Membership, {"role": audit.choice(Membership.Role), **dated}
    )
    audit.register_field_display(Body, {"kind": audit.choice(Body.Kind), **dated})
    audit.register_field_display(Agency, {"kind": audit.choice(Agency.Kind), **dated})
    audit.register_field_display(
        AdministrativeUnit, {"kind": audit.choice(AdministrativeUnit.Kind), **dated}
    )
    audit.register_field_display(
        AgencySuccession,
        {
            "kind": audit.choice(AgencySuccession.Kind),
            "on": audit.date(),
            "predecessors": audit.fk(Agency),
            "successors": audit.fk(Agency),
        },
    )
