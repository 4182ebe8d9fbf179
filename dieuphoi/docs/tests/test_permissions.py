import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dieuphoi.docs import services
from dieuphoi.docs.models import Document
from dieuphoi.docs.permissions import (
    access_attachment,
    access_document,
    can_change_attachments,
    can_view_attachments,
    register_attachment_target,
)
from dieuphoi.org.models import Body

from .conftest import upload
from .factories import PDF

ROLES = {
    # role fixture: (view, add/change)
    "leader": (True, True),
    "deputy": (True, True),
    "secretariat": (True, True),
    "specialist": (True, True),
    "member": (True, False),
    "leadership_viewer": (True, False),
    "admin_user": (True, True),
    "external": (False, False),
    "outsider": (False, False),
}


@pytest.mark.parametrize(("role", "expected"), ROLES.items())
def test_document_perms_per_role(role, expected, request, document, hanoi_team):
    user = request.getfixturevalue(role)
    can_view, can_manage = expected
    assert user.has_perm("docs.view_document", document) is can_view
    assert user.has_perm("docs.change_document", document) is can_manage
    assert user.has_perm("docs.add_document", hanoi_team) is can_manage


@pytest.mark.parametrize(("role", "expected"), ROLES.items())
def test_access_document_answers_404_or_403(role, expected, request, document):
    user = request.getfixturevalue(role)
    can_view, can_manage = expected
    if not can_view:
        with pytest.raises(Http404):
            access_document(user=user, pk=document.pk)
        return
    assert access_document(user=user, pk=document.pk) == document
    if can_manage:
        assert (
            access_document(user=user, pk=document.pk, perm="docs.change_document")
            == document
        )
    else:
        with pytest.raises(PermissionDenied):
            access_document(user=user, pk=document.pk, perm="docs.change_document")


def test_access_document_of_a_missing_id_is_404(admin_user):
    with pytest.raises(Http404):
        access_document(user=admin_user, pk=999_999)


def test_external_manages_nothing_in_another_register(external, other_document):
    assert external.has_perm("docs.view_document", other_document)
    assert not external.has_perm("docs.change_document", other_document)


@pytest.fixture
def attachment(secretariat, document):
    return services.attachment_add(
        actor=secretariat, target=document, uploaded_file=upload("a.pdf", PDF)
    )


@pytest.mark.parametrize(("role", "expected"), ROLES.items())
def test_access_attachment_follows_the_document(role, expected, request, attachment):
    user = request.getfixturevalue(role)
    can_view, can_manage = expected
    if not can_view:
        with pytest.raises(Http404):
            access_attachment(user=user, pk=attachment.pk)
        with pytest.raises(Http404):
            access_attachment(user=user, pk=attachment.pk, for_change=True)
        return
    found = access_attachment(user=user, pk=attachment.pk)
    assert found == attachment
    assert found.target.pk == attachment.target_id
    if can_manage:
        access_attachment(user=user, pk=attachment.pk, for_change=True)
    else:
        with pytest.raises(PermissionDenied):
            access_attachment(user=user, pk=attachment.pk, for_change=True)


def test_access_attachment_loads_the_target_once(
    leader, attachment, django_assert_num_queries
):
    with django_assert_num_queries(3):  # attachment, target, the user's roles
        found = access_attachment(user=leader, pk=attachment.pk)
        assert isinstance(found.target, Document)


def test_an_attachment_on_an_unregistered_model_is_invisible(
    admin_user, attachment, hanoi_team
):
    from django.contrib.contenttypes.models import ContentType

    type(attachment).objects.filter(pk=attachment.pk).update(
        target_type=ContentType.objects.get_for_model(Body), target_id=hanoi_team.pk
    )
    with pytest.raises(Http404):
        access_attachment(user=admin_user, pk=attachment.pk)


def test_registry_lets_another_app_decide(member, hanoi_team):
    from dieuphoi.docs import permissions

    saved = dict(permissions._TARGETS)
    try:
        register_attachment_target(
            Body,
            view_check=lambda user, body: True,
            change_check=lambda user, body: user.username == "member",
        )
        assert can_view_attachments(member, hanoi_team)
        assert can_change_attachments(member, hanoi_team)
    finally:
        permissions._TARGETS.clear()
        permissions._TARGETS.update(saved)
    assert not can_view_attachments(member, hanoi_team)
