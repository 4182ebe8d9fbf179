"""Reads of proposals, scoped by permission (``permissions``)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import Count, Q

from dieuphoi.paperwork import content as c

from .models import ConsultationRound, Proposal, ProposalDraft, RoundComment, RoundParty


@dataclass(frozen=True)
class RoundStats:
    """Completeness and timeliness (DHIS2's model): asked, answered,
    answered on time, silent (recorded as no comment at the close)."""

    asked: int
    answered: int
    on_time: int
    silent: int

    @property
    def completeness(self) -> float:
        return self.answered / self.asked if self.asked else 0.0

    @property
    def timeliness(self) -> float:
        return self.on_time / self.asked if self.asked else 0.0


def round_stats(consultation: ConsultationRound) -> RoundStats:
    row = consultation.parties.aggregate(
        asked=Count("pk"),
        answered=Count(
            "pk",
            filter=Q(
                answer__in=[
                    RoundParty.Answer.AGREE,
                    RoundParty.Answer.AGREE_COMMENTS,
                    RoundParty.Answer.DISAGREE,
                ]
            ),
        ),
        late=Count("pk", filter=Q(late=True)),
        silent=Count("pk", filter=Q(answer=RoundParty.Answer.SILENT)),
    )
    return RoundStats(
        asked=row["asked"],
        answered=row["answered"],
        on_time=row["answered"] - row["late"],
        silent=row["silent"],
    )


def synthesis_rows(
    *, proposal: Proposal | None = None, consultation: ConsultationRound | None = None
) -> list[RoundComment]:
    """The synthesis table's rows: every comment of the closed rounds (or of
    one round), by section of the draft and by party, each with its party
    and the party's round.

    Two queries: the parties, then the comments. Each party (and round) is
    one object shared by its comments: joined to every comment they were
    built again for each one (600 extra objects for 300 comments, half of
    this function's time). Of the responder only the names are read."""
    parties = RoundParty.objects.select_related("round")
    qs = RoundComment.objects.select_related("responded_by").only(
        *(f.attname for f in RoundComment._meta.concrete_fields),
        "responded_by__id",
        "responded_by__username",
        "responded_by__full_name",
        "responded_by__first_name",  # str(user) falls back on these
        "responded_by__last_name",
    )
    if consultation is not None:
        parties = parties.filter(round=consultation)
        qs = qs.filter(party__round=consultation)
    else:
        parties = parties.filter(round__proposal=proposal)
        qs = qs.filter(party__round__proposal=proposal)
    by_id = {party.pk: party for party in parties}
    if consultation is not None:
        for party in by_id.values():  # the caller's round, with what it loaded
            RoundParty.round.field.set_cached_value(party, consultation)
    rows = list(
        qs.order_by("party__round__number", "section", "party__name", "position", "id")
    )
    cache_party = RoundComment.party.field.set_cached_value
    for row in rows:
        cache_party(row, by_id[row.party_id])
    return rows


SYNTHESIS_COLUMNS = (
    "STT",
    "Mục của dự thảo",
    "Cơ quan góp ý",
    "Nội dung góp ý",
    "Tiếp thu / giải trình",
    "Nội dung tiếp thu, giải trình",
)
RESPONSE_TEXT = {
    RoundComment.Response.ACCEPTED: "Tiếp thu",
    RoundComment.Response.PARTLY: "Tiếp thu một phần",
    RoundComment.Response.EXPLAINED: "Giải trình",
    "": "Chưa xử lý",
}


def synthesis_table(rows: list[RoundComment]) -> c.Table:
    """The synthesis table as a block of the documents engine (one group
    row per section)."""
    out: list[c.TableRow] = []
    section = None
    for i, row in enumerate(rows, 1):
        if row.section != section:
            section = row.section
            out.append(c.TableRow(cells=(section or "Ý kiến chung",), group=True))
        out.append(
            c.TableRow(
                cells=(
                    str(i),
                    row.section,
                    row.party.name,
                    row.text,
                    RESPONSE_TEXT.get(row.response, ""),
                    row.response_text,
                )
            )
        )
    return c.Table(
        columns=SYNTHESIS_COLUMNS,
        rows=tuple(out),
        widths=(8, 30, 35, 70, 25, 70),
        center=(0, 4),
    )


def submission_blocks(*, proposal: Proposal) -> list:
    """The Tờ trình's body, from the proposal's own data; the leader edits it."""
    rounds = list(proposal.rounds.filter(state=ConsultationRound.State.CLOSED))
    blocks: list = [
        c.Heading(text="Sự cần thiết", level=1),
        c.Paragraph(text=proposal.summary or "(Nêu sự cần thiết của đề xuất.)"),
        c.Heading(text="Nội dung đề xuất", level=1),
        c.Paragraph(
            text=(
                f"Loại đề xuất: {proposal.get_kind_display()}; phạm vi: "
                f"{proposal.get_scope_display().lower()}; cơ quan chủ trì: "
                f"{proposal.lead_agency.name}."
            )
        ),
    ]
    total = proposal.budget_total
    if total is not None:
        blocks.append(
            c.Paragraph(
                text=f"Kinh phí dự kiến: {f'{total:,}'.replace(',', '.')} đồng."
            )
        )
    if rounds:
        blocks.append(c.Heading(text="Quá trình lấy ý kiến", level=1))
        for consultation in rounds:
            stats = round_stats(consultation)
            blocks.append(
                c.Paragraph(
                    text=(
                        f"Lần {consultation.number}: lấy ý kiến {stats.asked} cơ quan, "
                        f"đơn vị từ ngày {c.dmy(consultation.opened_on)} đến ngày "
                        f"{c.dmy(consultation.deadline)}; {stats.answered} cơ quan có ý "
                        f"kiến, {stats.silent} cơ quan không có ý kiến (được hiểu là "
                        f"thống nhất). Tổng hợp, tiếp thu, giải trình tại Phụ lục kèm theo."
                    )
                )
            )
    blocks.append(c.Heading(text="Kiến nghị", level=1))
    blocks.append(
        c.Paragraph(
            text=(
                "Tổ điều phối kính trình Chủ tịch Ủy ban nhân dân Thành phố xem xét, "
                "quyết định./."
            )
        )
    )
    return blocks


def draft_diff(old: ProposalDraft, new: ProposalDraft) -> list[str]:
    """Line diff of two DOCX drafts' text (empty when either is a PDF)."""
    if not old.text or not new.text:
        return []
    return list(
        difflib.unified_diff(
            old.text.splitlines(),
            new.text.splitlines(),
            fromfile=f"v{old.number}",
            tofile=f"v{new.number}",
            lineterm="",
            n=1,
        )
    )


# --- lists and the board -----------------------------------------------------------

LIST_LIMIT = 50
MAX_LIMIT = 200
BOARD_CARDS = 20
FILTER_NAMES = (
    "kind",
    "state",
    "lead_agency",
    "province",
    "sector",
    "open_round",
    "overdue_answers",
)


@dataclass(frozen=True)
class ProposalFilters:
    kind: str = ""
    state: str = ""
    lead_agency: int | None = None
    province: int | None = None
    sector: int | None = None
    open_round: bool = False
    overdue_answers: bool = False

    def to_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if value is True:
                out[name] = "1"
            elif value not in (None, "", False):
                out[name] = str(value)
        return out


def parse_filters(data) -> tuple[ProposalFilters, dict[str, str]]:
    """Filters from a query dict; ``errors`` keyed by parameter (a bad value
    shows a message at its field, never a 500)."""
    from django.utils.translation import gettext

    from dieuphoi.core.params import parse_id

    values: dict = {}
    errors: dict[str, str] = {}
    kind = (data.get("kind") or "").strip()
    if kind and kind not in Proposal.Kind.values:
        errors["kind"] = gettext("Unknown kind.")
    values["kind"] = kind if "kind" not in errors else ""
    state = (data.get("state") or "").strip()
    if state and state not in Proposal.State.values:
        errors["state"] = gettext("Unknown state.")
    values["state"] = state if "state" not in errors else ""
    for name in ("lead_agency", "province", "sector"):
        raw = (data.get(name) or "").strip()
        if not raw:
            continue
        try:
            values[name] = parse_id(raw)
        except ValueError:
            errors[name] = gettext("Choose a value from the list.")
    for name in ("open_round", "overdue_answers"):
        raw = (data.get(name) or "").strip().lower()
        if raw in ("", "0", "false"):
            continue
        if raw in ("1", "true", "on", "yes"):
            values[name] = True
        else:
            errors[name] = gettext("Choose a value from the list.")
    return ProposalFilters(**values), errors


def _visible(user):
    from dieuphoi.org.permissions import visible_body_ids

    qs = Proposal.objects.all()
    ids = visible_body_ids(user)
    if ids is None:
        return qs
    return qs.filter(body_id__in=sorted(ids))


def proposals_filtered(*, user, filters: ProposalFilters, on=None):
    """The proposals ``user`` may see, filtered in SQL."""
    from django.db.models import Exists, OuterRef

    from dieuphoi.core.models import local_today

    on = on or local_today()
    qs = _visible(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.lead_agency:
        qs = qs.filter(lead_agency_id=filters.lead_agency)
    if filters.province:
        qs = qs.filter(
            Exists(
                Proposal.provinces.through.objects.filter(
                    proposal_id=OuterRef("pk"),
                    administrativeunit_id=filters.province,
                )
            )
        )
    if filters.sector:
        qs = qs.filter(
            Exists(
                Proposal.sectors.through.objects.filter(
                    proposal_id=OuterRef("pk"), sector_id=filters.sector
                )
            )
        )
    if filters.open_round:
        qs = qs.filter(
            Exists(
                ConsultationRound.objects.filter(
                    proposal_id=OuterRef("pk"), state=ConsultationRound.State.OPEN
                )
            )
        )
    if filters.overdue_answers:
        # An open round past its deadline with a party that has not answered.
        qs = qs.filter(
            Exists(
                RoundParty.objects.filter(
                    round__proposal_id=OuterRef("pk"),
                    round__state=ConsultationRound.State.OPEN,
                    round__deadline__lt=on,
                    answer="",
                )
            )
        )
    return qs


def _with_round_figures(qs, on):
    """Each row's open rounds, and its parties past the deadline without an
    answer (subqueries: no join multiplies the rows)."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    open_rounds = (
        ConsultationRound.objects.filter(
            proposal_id=OuterRef("pk"), state=ConsultationRound.State.OPEN
        )
        .order_by()
        .values("proposal_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overdue = (
        RoundParty.objects.filter(
            round__proposal_id=OuterRef("pk"),
            round__state=ConsultationRound.State.OPEN,
            round__deadline__lt=on,
            answer="",
        )
        .order_by()
        .values("round__proposal_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        open_rounds=Coalesce(Subquery(open_rounds, output_field=IntegerField()), 0),
        overdue_parties=Coalesce(Subquery(overdue, output_field=IntegerField()), 0),
    )


@dataclass
class ProposalPage:
    items: list
    next_cursor: str | None


def encode_cursor(proposal: Proposal) -> str:
    import base64

    raw = f"{proposal.proposed_on.isoformat()}:{proposal.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple:
    """``(proposed_on, id)`` of ``cursor``; ``ValidationError`` on ``cursor``."""
    import base64
    import datetime as _dt

    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        value = (_dt.date.fromisoformat(day), int(pk))
        if not 0 < value[1] < 2**63:
            raise ValueError(pk)
        return value
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(
            {"cursor": gettext("This page link is invalid or expired.")}
        ) from None


def proposal_list(
    *,
    user,
    filters: ProposalFilters,
    after: str | None = None,
    limit: int = LIST_LIMIT,
    on=None,
) -> ProposalPage:
    """A page of the list, newest first (keyset on ``(proposed_on, id)``):
    four queries whatever the page size (rows with their lead agency and
    round figures, provinces, sectors, co-operating agencies)."""
    from django.db.models import Prefetch

    from dieuphoi.core.models import local_today
    from dieuphoi.org.models import AdministrativeUnit, Agency
    from dieuphoi.tasks.models import Sector

    on = on or local_today()
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = proposals_filtered(user=user, filters=filters, on=on)
    if after:
        day, pk = decode_cursor(after)
        qs = qs.filter(Q(proposed_on__lt=day) | Q(proposed_on=day, id__lt=pk))
    qs = (
        _with_round_figures(qs, on)
        .select_related("lead_agency", "body")
        .prefetch_related(
            Prefetch(
                "provinces", queryset=AdministrativeUnit.objects.only("id", "name")
            ),
            Prefetch("sectors", queryset=Sector.objects.only("id", "name")),
            Prefetch(
                "cooperating_agencies",
                queryset=Agency.objects.only("id", "code", "name"),
            ),
        )
        .order_by("-proposed_on", "-id")
    )
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return ProposalPage(
        items=items, next_cursor=encode_cursor(items[-1]) if more else None
    )


@dataclass
class BoardColumn:
    state: str
    label: str
    count: int
    cards: list


def proposal_board(
    *, user, filters: ProposalFilters, cards: int = BOARD_CARDS, on=None
) -> list[BoardColumn]:
    """The pipeline: one column per state (in the workflow's order) with its
    count and its newest ``cards`` proposals. Two queries: the counts, and
    the cards, chosen by a window function in a subquery that reads ids
    only; the round figures are computed for the chosen cards alone (not
    for every proposal before the choice: 5,000 proposals took twice as
    long)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from dieuphoi.core.models import local_today

    on = on or local_today()
    base = proposals_filtered(user=user, filters=filters, on=on)
    counts = dict(
        base.order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    chosen = (
        base.order_by()
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("state")],
                order_by=[F("proposed_on").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=cards)
        .values("pk")
    )
    ranked = (
        _with_round_figures(Proposal.objects.filter(pk__in=chosen), on)
        .select_related("lead_agency")
        .order_by("state", "-proposed_on", "-id")
    )
    by_state: dict[str, list] = {}
    for proposal in ranked:
        by_state.setdefault(proposal.state, []).append(proposal)
    return [
        BoardColumn(
            state=value,
            label=str(label),
            count=counts.get(value, 0),
            cards=by_state.get(value, []),
        )
        for value, label in Proposal.State.choices
    ]


def proposal_rounds(*, proposal: Proposal) -> list:
    """The rounds of a proposal with their figures (two queries)."""
    rounds = list(
        proposal.rounds.select_related("draft", "request_paper").annotate(
            asked=Count("parties"),
            answered=Count(
                "parties",
                filter=Q(
                    parties__answer__in=[
                        RoundParty.Answer.AGREE,
                        RoundParty.Answer.AGREE_COMMENTS,
                        RoundParty.Answer.DISAGREE,
                    ]
                ),
            ),
            late_count=Count("parties", filter=Q(parties__late=True)),
            silent=Count("parties", filter=Q(parties__answer=RoundParty.Answer.SILENT)),
        )
    )
    for r in rounds:
        r.stats = RoundStats(
            asked=r.asked,
            answered=r.answered,
            on_time=r.answered - r.late_count,
            silent=r.silent,
        )
    return rounds


def acting_party_ids(*, user, proposal: Proposal, parties) -> set[int]:
    """Ids of ``parties`` (of ``proposal``'s rounds) that ``user`` acts for:
    ``services.acts_for`` over any number of parties in one query (the same
    rule, ``tasks.notices.PartySeats``), for pages and lists that ask it of
    every party."""
    from dieuphoi.core.models import local_today
    from dieuphoi.tasks.notices import PartySeats

    parties = list(parties)
    if not parties or not getattr(user, "is_authenticated", False):
        return set()
    seats = PartySeats.load(
        local_today(),
        bodies=[proposal.body_id],
        party_bodies=[p.party_body_id for p in parties if p.party_body_id],
        party_agencies=[p.agency_id for p in parties if p.agency_id],
    )
    return {
        p.pk
        for p in parties
        if user.pk in seats.party(proposal.body_id, p.agency_id, p.party_body_id)
    }


def response_counts(rows: list[RoundComment]) -> list[tuple[str, str, int]]:
    """``(value, label, count)`` per response kind, plus not yet handled."""
    from django.utils.translation import gettext

    counts: dict[str, int] = {}
    for row in rows:
        counts[row.response] = counts.get(row.response, 0) + 1
    out = [
        (value, str(label), counts.get(value, 0))
        for value, label in RoundComment.Response.choices
    ]
    out.append(("", gettext("Not handled yet"), counts.get("", 0)))
    return out


def drafter_bodies(user) -> list:
    """Bodies where ``user`` drafts proposals (leader, deputy, secretariat,
    specialists; every team for an administrator)."""
    from dieuphoi.org import permissions as org_perms
    from dieuphoi.org.models import Body

    if org_perms.is_admin(user):
        return list(Body.objects.filter(kind=Body.Kind.TEAM).order_by("name"))
    ids = [
        body_id
        for body_id, roles in org_perms.body_roles(user).items()
        if roles & org_perms.MANAGER_ROLES
    ]
    return list(Body.objects.filter(pk__in=ids).order_by("name"))


def proposal_tasks(*, user, proposal: Proposal) -> list:
    """The tasks carrying out ``proposal`` that ``user`` may see, with their
    bucket today (the task list's rules: ``tasks.selectors``)."""
    from dieuphoi.core.models import local_today
    from dieuphoi.tasks import buckets
    from dieuphoi.tasks import selectors as task_selectors
    from dieuphoi.tasks.sources import source_key

    today = local_today()
    filters = task_selectors.TaskFilters(source=source_key(proposal))
    qs = task_selectors.task_queryset(user=user, filters=filters, on=today)
    return list(
        buckets.annotate_buckets(qs, today)
        .select_related("lead_agency")
        .order_by("assigned_on", "id")
    )


def party_files(party_ids: list[int]) -> dict[int, list]:
    """``{party id: [attachment]}``: the files sent with each answer (one
    query; removed files left out)."""
    from django.contrib.contenttypes.models import ContentType

    from dieuphoi.docs.models import Attachment

    if not party_ids:
        return {}
    out: dict[int, list] = {}
    for attachment in Attachment.objects.filter(
        target_type=ContentType.objects.get_for_model(RoundParty),
        target_id__in=party_ids,
    ).order_by("uploaded_at", "id"):
        out.setdefault(attachment.target_id, []).append(attachment)
    return out
