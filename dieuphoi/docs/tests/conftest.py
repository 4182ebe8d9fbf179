import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.docs.models import Attachment, Document
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import AgencyFactory, MembershipFactory, UserFactory

from .factories import DocumentFactory, DocumentTypeFactory, cong_van_type


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    """Uploaded files go to a fresh directory per test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def assert_nothing_written(media_root, documents=0, attachments=0):
    assert Document.objects.count() == documents
    assert Attachment.objects.count() == attachments
    assert stored_files(media_root) == []


@pytest.fixture
def report_type(db):
    return DocumentTypeFactory()


@pytest.fixture
def letter_type(db):
    return cong_van_type()


@pytest.fixture
def issuer(db):
    return AgencyFactory(
        code="UBND-HN",
        name="Ủy ban nhân dân thành phố Hà Nội",
        valid_from=datetime.date(2008, 8, 1),
    )


@pytest.fixture
def old_dpi(db):
    """Sở Kế hoạch và Đầu tư, merged into Sở Tài chính on 1 Mar 2025."""
    return AgencyFactory(
        code="SKHDT",
        name="Sở Kế hoạch và Đầu tư",
        valid_from=datetime.date(2008, 8, 1),
        valid_to=datetime.date(2025, 2, 28),
    )


@pytest.fixture
def specialist(hanoi_team, standing_agency):
    user = UserFactory(username="specialist", agency=standing_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.SPECIALIST,
        agency=standing_agency,
        valid_from=datetime.date(2022, 12, 1),
    )
    return user


@pytest.fixture
def document(hanoi_team, report_type, issuer):
    return DocumentFactory(
        body=hanoi_team,
        doc_type=report_type,
        issuer=issuer,
        number="12",
        symbol="BC-TĐP",
        summary="Báo cáo tình hình triển khai Đề án liên kết vùng",
    )


@pytest.fixture
def other_document(other_team, report_type, issuer):
    return DocumentFactory(
        body=other_team, doc_type=report_type, issuer=issuer, number="7"
    )


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def api_client(client):
    """``api_client(user)`` -> a client sending that user's bearer token."""

    def _for(user):
        raw = ApiToken.generate_raw()
        ApiToken.objects.create(
            user=user, name="test", prefix=raw[:8], key_hash=hash_token(raw)
        )
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return _for
