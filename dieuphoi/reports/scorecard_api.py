"""Agency scorecards API, mounted at /api/v1: the rows of the page
(``scorecards.agency_scorecards``).

``GET /scorecards?period=<Period.key>&body=<id>``: ``period`` is required
(422 on ``period`` when it is not a valid key); ``body`` defaults to the
caller's own body (as on the page). A body the caller may not see answers
404; a caller who sees no body gets an empty list. No token: 401.
"""

from __future__ import annotations

import datetime

from ninja import Field, Query, Router, Schema

from dieuphoi.api.errors import responses
from dieuphoi.core.params import ApiId
from dieuphoi.tasks.api import RateOut
from dieuphoi.tasks.rates import ROUNDING

from . import scorecards
from .scorecard_views import pick_body, scorecard_bodies

router = Router(tags=["reports"])


class ScorecardQuery(Schema):
    period: str = Field(
        description="A period key: monthly-2027-01, quarterly-2027-1, "
        "half_year-2027-2, nine_month-2027, annual-2027, "
        "ad_hoc-2027-03-01-2027-03-31"
    )
    body: ApiId | None = Field(
        None, description="A coordination body you see; default your own."
    )


class ScorecardBodyOut(Schema):
    id: int
    name: str


class ScorecardPeriodOut(Schema):
    key: str
    type: str
    label: str
    start: datetime.date
    end: datetime.date = Field(description="The period's cut-off.")
    as_of: datetime.date = Field(
        description="The date counted to: the cut-off, or today for a period "
        "not over yet."
    )


class ScorecardRowOut(Schema):
    rank: int = Field(description="Equal rate and overdue count share a rank.")
    id: int = Field(description="The lead agency.")
    code: str
    name: str
    total: int = Field(description="Tasks assigned in the period (not cancelled)")
    completed_on_time: int
    completed_late: int
    in_progress_within_deadline: int
    overdue: int = Field(description="Open and past the deadline on as_of")
    completed: int
    due: int
    on_time_rate: RateOut = Field(description="Completed on time over completed")
    delay_tasks: int = Field(description="Tasks completed late plus overdue")
    delay_days: int = Field(
        description="Working days past the deadline, summed over delay_tasks "
        "(to the day completed, or to as_of for an overdue task)"
    )
    average_delay: float | None = Field(
        description="delay_days / delay_tasks, one decimal; null when none"
    )
    urgings: int = Field(
        description="Urging notices and issued urging letters dated in the "
        "period, about the agency's tasks"
    )
    contributions_expected: int
    contributions_submitted: int
    contributions_on_time: int
    consultations_expected: int
    consultations_answered: int
    consultations_on_time: int
    conclusion_tasks: int = Field(
        description="Tasks counted that carry out an activity's conclusion"
    )
    conclusion_tasks_completed: int
    task_list: dict[str, str] = Field(
        description="The task list's parameters that list the row's tasks"
    )

    @staticmethod
    def resolve_average_delay(obj) -> float | None:
        value = obj["average_delay"]
        return None if value is None else float(value)

    @staticmethod
    def resolve_task_list(obj) -> dict[str, str]:
        return obj["params"]


class ScorecardsOut(Schema):
    body: ScorecardBodyOut | None
    period: ScorecardPeriodOut
    rank_rule: str
    delay_rule: str
    rounding: str
    items: list[ScorecardRowOut]


@router.get(
    "/scorecards",
    response=responses({200: ScorecardsOut}),
    summary="Agency scorecards for a period",
)
def list_scorecards(request, query: Query[ScorecardQuery]):
    """One row per lead agency with tasks the body assigned in the period,
    ranked (``rank_rule``): the task counts of the compiled report's
    per-agency table (as of the cut-off), the on-time rate with its
    denominator, overdue tasks, the average delay, urgings, contributions,
    consultation answers and conclusions followed up."""
    period = scorecards.parse_period(query.period)
    counted = scorecards.as_of_period(period)
    answer = {
        "period": {
            "key": period.key,
            "type": period.type,
            "label": period.label,
            "start": period.start,
            "end": period.end,
            "as_of": counted.end,
        },
        "rank_rule": str(scorecards.RANK_RULE),
        "delay_rule": str(scorecards.DELAY_RULE),
        "rounding": str(ROUNDING),
    }
    if query.body is None and not scorecard_bodies(request.user):
        return answer | {"body": None, "items": []}
    body = pick_body(request.user, str(query.body) if query.body else None)
    rows = scorecards.agency_scorecards(body, counted)
    return answer | {"body": {"id": body.pk, "name": body.name}, "items": rows}
