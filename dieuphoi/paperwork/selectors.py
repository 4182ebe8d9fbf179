"""Reads of the documents pages, scoped by ``permissions``.

- ``paper_list(*, user, filters, page)``: the papers the user may see, newest
  change first, a page of ``PAGE_SIZE`` (two queries whatever the rows).
- ``inbox_list(*, user)``: the papers delivered to the user, unread first.
- ``signer_candidates(*, bodies, on)``: who may be named as signer.
- ``paper_preview(*, paper, version)``: the document as it will read, for
  the page (``compose.compose`` with heading numbers and long tables cut).
- ``paper_steps``, ``paper_versions``, ``paper_recipients``,
  ``document_files``: the detail page's lists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Case, Q, QuerySet, When

from dieuphoi.core import params
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Attachment
from dieuphoi.org.models import Body, Membership

from . import compose as composer
from . import content as c
from .models import (
    IssuingProfile,
    Paper,
    PaperDelivery,
    PaperKind,
    PaperRecipient,
    PaperStep,
    PaperVersion,
)
from .permissions import visible_papers

PAGE_SIZE = 50
# The preview shows the first rows of a table; the files carry them all.
PREVIEW_ROWS = 50
# Above this many rows a table is not edited in the app (the editor would be
# thousands of inputs): it is kept as it is, to be changed in Word.
EDITABLE_ROWS = 200

SIGNING_ROLES = (
    Membership.Role.LEADER,
    Membership.Role.DEPUTY,
    Membership.Role.SECRETARIAT,
    Membership.Role.MEMBER,
)


@dataclass(frozen=True)
class PaperFilters:
    state: str | None = None
    kind: PaperKind | None = None
    body: Body | None = None
    search: str = ""


def paper_list(
    *, user, filters: PaperFilters | None = None, page: int | str = 1
) -> Page:
    filters = filters or PaperFilters()
    qs = visible_papers(user).select_related("kind", "kind__doc_type", "signer", "body")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.body is not None:
        qs = qs.filter(body=filters.body)
    search = " ".join(filters.search.split())[:200]
    if search:
        where = Q(subject__icontains=search) | Q(symbol__icontains=search)
        number, _slash, symbol = search.partition("/")
        wanted = params.parse_id_or_none(number)  # ASCII digits only
        if wanted is not None and wanted < 2**31:
            match = Q(number=wanted)
            if symbol.strip():
                match &= Q(symbol__icontains=symbol.strip())
            where |= match
        qs = qs.filter(where)
    qs = qs.order_by("-updated_at", "-id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


def filter_kinds() -> list[PaperKind]:
    return list(PaperKind.objects.select_related("doc_type").order_by("order", "key"))


def filter_bodies(user) -> list[Body]:
    """Bodies whose papers the user may see some of (the filter's choices)."""
    ids = visible_papers(user).values("body_id")
    return list(Body.objects.filter(pk__in=ids).order_by("name"))


def inbox_list(*, user) -> QuerySet[PaperDelivery]:
    """Delivered papers, unread first, newest first."""
    return (
        PaperDelivery.objects.filter(person=user)
        .select_related(
            "paper",
            "paper__kind",
            "paper__kind__doc_type",
            "paper__body",
            "paper__signer",
            "recipient",
        )
        .order_by(
            Case(When(read_at__isnull=True, then=0), default=1),  # unread first
            "-delivered_at",
            "-id",
        )
    )


def inbox_unread_count(*, user) -> int:
    return PaperDelivery.objects.filter(person=user, read_at__isnull=True).count()


def signer_candidates(
    *, bodies: list[Body], on: datetime.date | None = None
) -> list[Membership]:
    """Members of ``bodies`` who may sign something (leader, deputy,
    secretariat, member) on ``on``; each with its role (the page shows it)."""
    return list(
        Membership.objects.as_of(on or local_today())
        .filter(body__in=bodies, role__in=SIGNING_ROLES, person__is_active=True)
        .select_related("person", "body")
        .order_by("body__name", "role", "person__full_name", "person__username")
    )


# --- the detail page ------------------------------------------------------------


@dataclass
class PreviewTable:
    columns: tuple[str, ...]
    rows: list[c.TableRow]
    more: int
    caption: str
    center: tuple[int, ...]
    # Each column's share of the width, in per cent (the table's relative
    # widths), or empty: the browser shares it out.
    percents: list[str] = field(default_factory=list)


def _percents(table: c.Table) -> list[str]:
    widths = table.widths
    if len(widths) != len(table.columns) or sum(widths) <= 0:
        return []
    total = sum(widths)
    return [f"{100 * w / total:.2f}" for w in widths]


@dataclass
class PreviewBlock:
    kind: str
    text: str = ""
    number: str = ""
    level: int = 0
    bold: bool = False
    italic: bool = False
    align: str = "justify"
    table: PreviewTable | None = None


@dataclass
class PreviewAnnex:
    title: str
    subtitle: str
    note: str
    landscape: bool
    blocks: list[PreviewBlock] = field(default_factory=list)


def preview_blocks(blocks) -> list[PreviewBlock]:
    out = []
    for block, number in c.numbered_blocks(blocks):
        if isinstance(block, c.Table):
            out.append(
                PreviewBlock(
                    kind="table",
                    table=PreviewTable(
                        columns=block.columns,
                        rows=list(block.rows[:PREVIEW_ROWS]),
                        more=max(len(block.rows) - PREVIEW_ROWS, 0),
                        caption=block.caption,
                        center=block.center,
                        percents=_percents(block),
                    ),
                )
            )
        elif isinstance(block, c.Heading):
            out.append(
                PreviewBlock(
                    kind="heading",
                    text=block.text,
                    number=number,
                    level=min(max(block.level, 1), 3),
                )
            )
        else:
            out.append(
                PreviewBlock(
                    kind="paragraph",
                    text=block.text,
                    bold=block.bold,
                    italic=block.italic,
                    align=block.align,
                )
            )
    return out


def paper_preview(*, paper: Paper, version: PaperVersion | None) -> dict | None:
    """The lines of the document for the page, or None without a profile
    or a version (the page says why)."""
    if version is None:
        return None
    profile = (
        IssuingProfile.objects.select_related("body").filter(body=paper.body).first()
    )
    if profile is None:
        return None
    try:
        content = composer.compose_for(paper, version, profile=profile)
    except (ValidationError, ValueError, TypeError, KeyError):
        return None
    return {
        "content": content,
        "blocks": preview_blocks(content.blocks),
        "annexes": [
            PreviewAnnex(
                title=a.title,
                subtitle=a.subtitle,
                note=a.note,
                landscape=a.landscape,
                blocks=preview_blocks(a.blocks),
            )
            for a in content.annexes
        ],
        "letter": content.layout == PaperKind.Layout.LETTER,
    }


def paper_steps(*, paper: Paper) -> list[PaperStep]:
    return list(paper.steps.select_related("actor").order_by("at", "id"))


def paper_versions(*, paper: Paper) -> list[PaperVersion]:
    return list(
        paper.versions.select_related("created_by", "progress").order_by("-number")
    )


def paper_recipients(*, paper: Paper) -> list[PaperRecipient]:
    return list(paper.recipients.select_related("agency", "party_body"))


def document_files(*, paper: Paper) -> list[Attachment]:
    """The register entry's files (the issued DOCX and PDF, the signed copy)."""
    if not paper.document_id:
        return []
    return list(paper.document.attachments.order_by("uploaded_at", "id"))


def replaced_by(paper: Paper) -> Paper | None:
    return Paper.objects.filter(replaces=paper).only("id", "number", "symbol").first()
