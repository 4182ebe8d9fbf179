"""What the writes of a paper share (``services`` and ``issuing``): the
issuing profile, the check that an action is allowed, a new version, the
version bump and the step log.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils.translation import gettext

from dieuphoi.org.models import Body

from . import workflow
from .models import IssuingProfile, Paper, PaperStep, PaperVersion


def profile_of(body: Body) -> IssuingProfile:
    profile = IssuingProfile.objects.select_related("body").filter(body=body).first()
    if profile is None:
        raise ValidationError(
            {
                "body": [
                    gettext(
                        "This body has no issuing profile: an administrator sets "
                        "it up first."
                    )
                ]
            }
        )
    return profile


def record_step(paper: Paper, action: str, actor, comment: str = "") -> PaperStep:
    return PaperStep.objects.create(
        paper=paper,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        version_number=paper.current.number if paper.current_id else None,
        comment=comment,
    )


def actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def new_version(
    paper: Paper, *, actor, blocks: list, annexes: list, origin: str, note: str = ""
) -> PaperVersion:
    last = paper.versions.order_by("-number").values_list("number", flat=True).first()
    version = PaperVersion.objects.create(
        paper=paper,
        number=(last or 0) + 1,
        origin=origin,
        blocks=blocks,
        annexes=annexes,
        note=note[:500],
        created_by=actor_or_none(actor),
    )
    paper.current = version
    return version


def require_allowed(actor, paper: Paper, action: str) -> None:
    if not workflow.may(actor, paper, action):
        transition = workflow.TRANSITIONS[action]
        if paper.state not in transition.sources:
            raise ValidationError(
                {
                    "state": [
                        gettext(
                            "This cannot be done while the document is “%(state)s”."
                        )
                        % {"state": paper.get_state_display()}
                    ]
                }
            )
        raise PermissionDenied(gettext("You may not do this on this document."))


def save_paper(paper: Paper, fields: Sequence[str]) -> None:
    paper.version = F("version") + 1
    paper.save(update_fields=[*fields, "version", "updated_at"])
    paper.refresh_from_db(fields=["version"])
