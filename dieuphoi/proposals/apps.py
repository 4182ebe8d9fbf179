from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "dieuphoi.proposals"
    verbose_name = _("Proposals")
    label = "proposals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels
        from dieuphoi.core import cache as stamps
        from dieuphoi.notifications.kinds import register_kind
        from dieuphoi.notifications.registry import register_notification_target

        from . import cache, discussion, permissions, urging
        from .models import ConsultationRound, Proposal
        from .services import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
        cache.connect()
        discussion.register()
        # Parties that have not answered: reminded and urged by the ladder.
        urging.register()
        permissions.register_attachment_targets()
        # The rule reads the proposal's body and the user's own seats.
        register_notification_target(
            Proposal,
            can_view=permissions.can_view_proposal,
            stamps=(stamps.PROPOSALS,),
        )
        register_notification_target(
            ConsultationRound,
            can_view=permissions.can_view_round,
            # The round's body and parties (proposals), who acts for a
            # party (everyone's seats), and the user's own seats.
            stamps=(stamps.PROPOSALS, stamps.SEATS),
        )
        register_kind(
            "round_request",
            _("Your opinion is asked on a proposal"),
            must_act=True,
            order=70,
        )
