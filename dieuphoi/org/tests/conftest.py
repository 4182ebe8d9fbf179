import datetime

import pytest

from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.docs.models import Document, DocumentType
from dieuphoi.org import seed
from dieuphoi.org.models import Membership

from .factories import AgencyFactory, MembershipFactory, UserFactory

D = datetime.date


@pytest.fixture
def seeded(db):
    """The default registry and demo accounts, as ``seed_demo`` loads them."""
    return seed.seed_all()


@pytest.fixture
def specialist(hanoi_team, standing_agency):
    user = UserFactory(username="specialist", agency=standing_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.SPECIALIST,
        agency=standing_agency,
        valid_from=D(2022, 12, 1),
    )
    return user


@pytest.fixture
def document_of(db):
    """``document_of(body)``: a document in ``body``'s register."""

    def make(body, number="12"):
        doc_type, _ = DocumentType.objects.get_or_create(
            key="quyet-dinh", defaults={"name": "Quyết định", "abbreviation": "QĐ"}
        )
        return Document.objects.create(
            body=body,
            doc_type=doc_type,
            number=number,
            symbol="QĐ-UBND",
            issuer=AgencyFactory(),
            issued_on=D(2022, 12, 1),
            summary="Quyết định thành lập",
        )

    return make


@pytest.fixture
def api_token(db):
    """``api_token(user)``: bearer headers for ``user`` (already used, so the
    request does not also write ``last_used_at``)."""
    from django.utils import timezone

    def make(user):
        raw = f"token-{user.username}-0123456789"
        ApiToken.objects.create(
            user=user,
            prefix=raw[:8],
            key_hash=hash_token(raw),
            last_used_at=timezone.now(),
        )
        return {"Authorization": f"Bearer {raw}"}

    return make


def add_members(body, count, *, role=Membership.Role.MEMBER):
    """``count`` extra memberships valid from 2022-12-01 in ``body``."""
    agency = AgencyFactory()
    return [
        MembershipFactory(
            body=body, role=role, agency=agency, valid_from=D(2022, 12, 1)
        )
        for _ in range(count)
    ]
