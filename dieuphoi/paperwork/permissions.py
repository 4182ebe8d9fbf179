"""Who may see a paper.

- Drafters of the body (leader, deputy, secretariat, specialists;
  ``can_manage_body``) and administrators: every paper of the body.
- The signer named on it: that paper, at every stage.
- Other members of the body and city leadership viewers: issued papers
  (the body's register, which they see anyway).
- Whoever it was delivered to (``PaperDelivery``): that paper, once sent.

Everything one may *do* is in ``workflow`` (the transition table).
``access_paper`` answers 404 when the paper is not visible.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from dieuphoi.org.models import Body
from dieuphoi.org.permissions import (
    MANAGER_ROLES,
    body_roles,
    can_manage_body,
    can_see_body,
    is_admin,
    is_leadership,
)

from .models import Paper, PaperDelivery


def can_view_paper(user, paper: Paper) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if can_manage_body(user, paper.body_id) or paper.signer_id == user.pk:
        return True
    if paper.number is not None and (
        is_leadership(user) or can_see_body(user, paper.body_id)
    ):
        return True
    return PaperDelivery.objects.filter(paper=paper, person=user).exists()


def visible_papers(user, qs: QuerySet[Paper] | None = None) -> QuerySet[Paper]:
    """``qs`` (default: all papers) narrowed to what ``user`` may see."""
    qs = Paper.objects.all() if qs is None else qs
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if is_admin(user):
        return qs
    roles = body_roles(user)
    managed = [b for b, r in roles.items() if r & MANAGER_ROLES]
    where = Q(body_id__in=managed) | Q(signer_id=user.pk)
    issued = Q(number__isnull=False)
    if is_leadership(user):
        where |= issued
    else:
        where |= issued & Q(body_id__in=list(roles))
    where |= Exists(
        PaperDelivery.objects.filter(paper_id=OuterRef("pk"), person_id=user.pk)
    )
    return qs.filter(where)


def access_paper(*, user, pk) -> Paper:
    try:
        pk = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    paper = (
        Paper.objects.select_related(
            "body",
            "kind",
            "kind__doc_type",
            "signer",
            "current",
            "current__progress",
            "document",
            "signed_copy",
            "progress",
            "created_by",
            "replaces",
        )
        .filter(pk=pk)
        .first()
    )
    if paper is None or not can_view_paper(user, paper):
        raise Http404
    return paper


def drafting_bodies(user) -> list[Body]:
    """Bodies whose papers ``user`` may draft."""
    if is_admin(user):
        return list(Body.objects.filter(issuing_profile__isnull=False))
    ids = [b for b, r in body_roles(user).items() if r & MANAGER_ROLES]
    return list(Body.objects.filter(pk__in=ids, issuing_profile__isnull=False))


def visible_pairs(pairs: set[tuple[int, int]], on) -> set[tuple[int, int]]:
    """For notifications: (user, paper) pairs where the user sees the paper."""
    from dieuphoi.notifications.registry import users_by_id

    users = users_by_id(u for u, _ in pairs)
    # Only what can_view_paper reads: a paper's content can be large.
    papers = {
        p.pk: p
        for p in Paper.objects.filter(pk__in={p for _, p in pairs}).only(
            "id", "body_id", "signer_id", "number"
        )
    }
    return {
        (u, p)
        for u, p in pairs
        if u in users and p in papers and can_view_paper(users[u], papers[p])
    }


# The signed PDF rides along with the e-mail telling a recipient that a
# document was sent, up to this size (larger: the link in the e-mail only).
EMAIL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def email_attachments(paper_id: int, kind: str) -> list[tuple[str, bytes, str]]:
    if kind != "paper_received":
        return []
    paper = Paper.objects.select_related("signed_copy").filter(pk=paper_id).first()
    copy = paper.signed_copy if paper is not None else None
    if copy is None or copy.size > EMAIL_ATTACHMENT_MAX_BYTES:
        return []
    with copy.file.open("rb") as handle:
        data = handle.read()
    name = f"{paper.reference.replace('/', '-')}.pdf"
    return [(name, data, "application/pdf")]


def is_issued_entry(document) -> bool:
    """Whether a register entry is an issued paper's (then it is immutable)."""
    return Paper.objects.filter(document_id=document.pk).exists()
