"""A paper (its kind, its body's issuing profile, a version) as ``PaperContent``.

The one place that decides the lines around the body: header, number and
symbol, place and date, title or V/v, Kính gửi, Nơi nhận and the signature
block. The renderers lay out what this returns; the page preview shows it.
"""

from __future__ import annotations

import datetime

from dieuphoi.core.models import local_today

from . import content as c
from .models import IssuingProfile, Paper, PaperKind, PaperVersion

A = Paper.Authority


def paper_symbol(kind: PaperKind, profile: IssuingProfile) -> str:
    """``TĐP-KTĐN`` for a Công văn, ``BC-TĐP`` for the other kinds.

    Decree 30/2020, App. I, II.3.b: a Công văn's symbol is the issuer's
    abbreviation and the drafting unit's; the other kinds put the kind's
    abbreviation before the issuer's.
    """
    issuer = profile.effective_symbol
    abbreviation = kind.doc_type.abbreviation
    if not abbreviation:
        return f"{issuer}-{profile.drafting_unit}" if profile.drafting_unit else issuer
    return f"{abbreviation}-{issuer}"


def reference_line(number: int | None, symbol: str) -> str:
    """``Số: 05/BC-TĐP``; before issue the number is left blank."""
    shown = c.document_number(number) if number is not None else "\u00a0" * 6
    return f"Số: {shown}/{symbol}"


def signature(paper: Paper, profile: IssuingProfile, signer_name: str) -> c.Signature:
    head, deputy = profile.head_title.upper(), profile.deputy_title.upper()
    authority = {
        A.NONE: "",
        A.TM: f"TM. {profile.collective_name.upper()}",
        A.KT: f"KT. {head}",
        A.Q: f"Q. {head}",
        A.TL: f"TL. {head}",
        A.TUQ: f"TUQ. {head}",
    }[paper.authority]
    title = {
        A.NONE: head,
        A.TM: head,
        A.KT: deputy,
        A.Q: "",
        A.TL: paper.signer_title.upper(),
        A.TUQ: paper.signer_title.upper(),
    }[paper.authority]
    return c.Signature(authority=authority, title=title, name=signer_name)


def recipients_lines(
    paper: Paper, profile: IssuingProfile, recipients: list
) -> tuple[list[str], list[str]]:
    """(Kính gửi names, Nơi nhận lines).

    A kind with Kính gửi starts Nơi nhận with "Như trên"; a kind without
    one lists its addressees there. Then the copies, the kind's and the
    body's usual copies, and the archive line last.
    """
    addressees = [r.text for r in recipients if r.addressee]
    copies = [r.text for r in recipients if not r.addressee]
    if paper.kind.addressed:
        head = [c.AS_ADDRESSED] if addressees else []
        shown = addressees
    else:
        head = addressees
        shown = []
    lines = c.recipient_lines(
        [
            *head,
            *copies,
            *paper.kind.copied_lines(),
            *profile.other_recipient_lines(),
            *([profile.archive_line] if profile.archive_line else []),
        ]
    )
    return shown, lines


def compose(
    paper: Paper,
    version: PaperVersion,
    *,
    profile: IssuingProfile,
    number: int | None = None,
    symbol: str | None = None,
    issued_on: datetime.date | None = None,
) -> c.PaperContent:
    """The content of ``version``; ``number``/``issued_on`` only at issue."""
    kind = paper.kind
    symbol = symbol if symbol is not None else paper_symbol(kind, profile)
    recipients = list(paper.recipients.all())
    addressees, lines = recipients_lines(paper, profile, recipients)
    issued = number is not None
    signer = paper.signer
    signer_name = str(signer) if signer else ""
    return c.PaperContent(
        layout=kind.layout,
        governing_body=profile.governing_body_line.upper(),
        issuer_lines=[
            line.strip().upper()
            for line in profile.issuer_line.splitlines()
            if line.strip()
        ],
        reference=reference_line(number, symbol),
        place_date=c.place_date_line(
            profile.place,
            issued_on if issued else None,
            year=(issued_on or local_today()).year,
        ),
        title=kind.title.upper() if kind.layout == PaperKind.Layout.TITLED else "",
        subject=paper.subject,
        addressees=addressees,
        blocks=c.blocks_from_json(version.blocks),
        annexes=c.annexes_from_json(version.annexes),
        recipients=lines,
        signature=signature(paper, profile, signer_name),
        draft=not issued,
        meta={"paper_id": paper.pk, "version": version.number},
    )


def compose_for(
    paper: Paper, version: PaperVersion, *, profile: IssuingProfile
) -> c.PaperContent:
    """``version`` as it reads now: with the number and date once issued."""
    if not paper.is_issued:
        return compose(paper, version, profile=profile)
    return compose(
        paper,
        version,
        profile=profile,
        number=paper.number,
        symbol=paper.symbol,
        issued_on=paper.issued_on,
    )
