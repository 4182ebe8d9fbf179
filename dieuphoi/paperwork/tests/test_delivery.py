"""Sending: whoever acts for a recipient gets the paper in the inbox, a
notification and an e-mail with the signed PDF; the home page lists what
waits for each person."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dieuphoi.notifications.emails import send_outgoing
from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.paperwork import services
from dieuphoi.paperwork.models import PaperDelivery

pytestmark = pytest.mark.django_db


def sent_paper(make_paper, secretariat, leader, recipients):
    paper = make_paper(secretariat, signer=leader, recipients=recipients)
    paper = services.paper_submit(actor=secretariat, paper=paper, version=paper.version)
    paper = services.paper_approve(actor=leader, paper=paper, version=paper.version)
    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk)
    pdf = paper.document.attachments.get(content_type="application/pdf")
    signed = SimpleUploadedFile("ban-ky.pdf", pdf.file.read(), "application/pdf")
    paper = services.paper_sign(
        actor=secretariat, paper=paper, version=paper.version, uploaded_file=signed
    )
    return services.paper_send(actor=secretariat, paper=paper, version=paper.version)


def test_the_focal_point_gets_inbox_notification_and_the_signed_pdf_by_e_mail(
    make_paper, secretariat, leader, recipient_agency, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agency, focal = recipient_agency
    focal.email = "focal@example.vn"
    focal.save()
    paper = sent_paper(
        make_paper,
        secretariat,
        leader,
        [
            services.RecipientInput(agency=agency),
            services.RecipientInput(text="Báo chí"),
        ],
    )
    # One delivery, for the one recipient inside the system.
    assert list(PaperDelivery.objects.values_list("person__username", flat=True)) == [
        "focal"
    ]
    note = Notification.objects.get(recipient=focal, kind="paper_received")
    assert paper.reference in note.title
    email = OutgoingEmail.objects.get(notification=note)
    result = send_outgoing([email.pk])
    assert result.sent == [email.pk]
    [message] = mail.outbox
    assert message.to == ["focal@example.vn"]
    [(name, data, mime)] = message.attachments
    assert name == f"{paper.reference.replace('/', '-')}.pdf"
    assert mime == "application/pdf" and data.startswith(b"%PDF")
    # Nobody outside the recipients sees it.
    assert not Notification.objects.filter(kind="paper_received").exclude(
        recipient=focal
    )


def test_sending_twice_is_refused_and_delivers_once(
    make_paper, secretariat, leader, recipient_agency
):
    agency, _focal = recipient_agency
    paper = sent_paper(
        make_paper, secretariat, leader, [services.RecipientInput(agency=agency)]
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.paper_send(actor=secretariat, paper=paper, version=paper.version)
    assert PaperDelivery.objects.count() == 1


def test_home_lists_what_waits_for_each_person(
    make_paper, secretariat, leader, recipient_agency, login, outsider
):
    agency, focal = recipient_agency
    waiting = make_paper(secretariat, signer=leader, subject="Chờ lãnh đạo duyệt")
    services.paper_submit(actor=secretariat, paper=waiting, version=waiting.version)
    sent_paper(
        make_paper, secretariat, leader, [services.RecipientInput(agency=agency)]
    )

    html = login(leader).get(reverse("core:home")).content.decode()
    assert 'id="my-papers-approve"' in html and "Chờ lãnh đạo duyệt" in html
    html = login(focal).get(reverse("core:home")).content.decode()
    assert 'id="my-papers-inbox"' in html and 'id="my-papers-approve"' not in html
    html = login(outsider).get(reverse("core:home")).content.decode()
    assert 'id="my-papers' not in html
