"""One demo urging letter, drafted and waiting for the leader's approval
(``manage.py seed_demo`` calls ``seed_all`` after the tasks' seed).

It is drafted from the demo tasks (plainly fictional) by the demo
secretariat, so a newcomer finds the review and issue of an official
document ready to try. Idempotent: nothing is drafted once a letter exists.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body
from dieuphoi.paperwork.services import paper_submit

from . import generation, selectors
from .models import UrgingLetter

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
DEMO_CLERK = "thuky"


def seed_demo_letter() -> UrgingLetter | None:
    body = Body.objects.filter(key=HANOI_TEAM_KEY).first()
    clerk = get_user_model().objects.filter(username=DEMO_CLERK).first()
    if body is None or clerk is None or UrgingLetter.objects.exists():
        return None
    today = local_today()
    busiest = (
        selectors.overdue_tasks(body=body, on=today)
        .values("lead_agency")
        .annotate(n=Count("pk"))
        .order_by("-n", "lead_agency")
        .first()
    )
    if busiest is None:
        return None
    agency = Agency.objects.get(pk=busiest["lead_agency"])
    try:
        letter = generation.urging_letter_generate(
            actor=clerk, body=body, on=today, agency=agency
        )
    except ValidationError:
        return None  # no profile, issuer or leader in this registry
    paper_submit(actor=clerk, paper=letter.paper, version=letter.paper.version)
    return letter


def seed_all() -> list[UrgingLetter]:
    letter = seed_demo_letter()
    return [letter] if letter else []
