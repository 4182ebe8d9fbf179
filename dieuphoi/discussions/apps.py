from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "dieuphoi.discussions"
    label = "discussions"
    verbose_name = _("Discussions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dieuphoi.audit.labels import register_action_labels, register_change_labels
        from dieuphoi.docs.permissions import (
            attachment_body_id,
            attachment_target_is_open,
            register_attachment_target,
        )

        from . import permissions
        from .models import Comment
        from .services import ACTION_LABELS, CHANGE_LABELS

        register_action_labels(ACTION_LABELS)
        register_change_labels(CHANGE_LABELS)
        register_attachment_target(
            Comment,
            permissions.can_view_comment,
            permissions.can_edit_comment,
            # A comment's files belong to the discussed item's body, and are
            # open while that item is.
            body_of=lambda comment: attachment_body_id(
                permissions.target_of(comment)[1]
            ),
            is_open=lambda comment: attachment_target_is_open(
                permissions.target_of(comment)[1]
            ),
        )
