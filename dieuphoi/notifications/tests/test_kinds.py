"""Per-kind settings, must-act kinds, and hiding items the user can no
longer see (centre, badge, opening one)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.notifications import inbox, kinds, services
from dieuphoi.notifications.models import (
    EmailMode,
    KindPreference,
    Notification,
    NotificationPreference,
)
from dieuphoi.org.models import Membership

pytestmark = pytest.mark.django_db
Mode = KindPreference.Mode


def tell(user, task, kind="progress_reported", key="k"):
    return services.notify(
        recipients=[user],
        kind=kind,
        target=task,
        title=f"Tin {key}",
        url=f"/tasks/{task.pk}/",
        key=key,
    )


# --- the rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "general", "chosen", "expected"),
    [
        ("progress_reported", "immediate", None, "digest"),  # kind's default
        ("progress_reported", "off", None, "off"),  # no e-mail stays no e-mail
        ("progress_reported", "digest", "immediate", "immediate"),
        ("progress_reported", "immediate", "muted", "muted"),
        ("task_reported_done", "immediate", "muted", "immediate"),  # must act
        ("task_reported_done", "digest", "off", "off"),
        ("task_assigned", "immediate", None, "immediate"),
        ("not_catalogued", "digest", "muted", "digest"),
    ],
)
def test_the_effective_mode(kind, general, chosen, expected):
    assert inbox.effective_kind_mode(kind, general, chosen) == expected


def test_nothing_is_emailed_without_an_address():
    mode = inbox.effective_kind_mode(
        "task_assigned", "off", "immediate", has_email=False
    )
    assert mode == EmailMode.OFF


def test_the_catalogue_marks_the_kinds_one_must_act_on():
    must = {k.key for k in kinds.all_kinds() if k.must_act}
    assert {
        "task_assigned",
        "task_reported_done",
        "urging",
        "escalation",
        "extension_requested",
    } <= must
    assert "progress_reported" not in must
    assert kinds.get_kind("progress_reported").default_mode == "digest"


# --- the service ----------------------------------------------------------------


def test_switching_a_kind_off_is_saved_and_audited(member):
    services.preference_update(
        user=member, actor=member, kinds={"task_confirmed": "muted"}
    )
    assert KindPreference.objects.get(user=member).mode == Mode.MUTED
    event = AuditEvent.objects.get(action="notifications.preference_update")
    assert event.changes["kinds"] == {
        "task_confirmed": {"before": "", "after": "muted"}
    }
    # Back to the default removes the row.
    services.preference_update(user=member, actor=member, kinds={"task_confirmed": ""})
    assert not KindPreference.objects.exists()


def test_switching_off_a_must_act_kind_writes_nothing(member):
    with pytest.raises(ValidationError) as caught:
        services.preference_update(
            user=member,
            actor=member,
            email_mode="off",
            kinds={"task_confirmed": "muted", "urging": "muted"},
        )
    assert set(caught.value.message_dict) == {"kind_urging"}
    assert not KindPreference.objects.exists()
    assert not NotificationPreference.objects.filter(user=member).exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("kinds_", "field"),
    [({"nonsense": "off"}, "kind_nonsense"), ({"urging": "loud"}, "kind_urging")],
)
def test_unknown_kinds_and_modes_are_refused(member, kinds_, field):
    with pytest.raises(ValidationError) as caught:
        services.preference_update(user=member, actor=member, kinds=kinds_)
    assert field in caught.value.message_dict
    assert not KindPreference.objects.exists()


def test_notify_many_honours_the_settings_in_one_query(
    member, leader, secretariat, deputy, task
):
    services.preference_update(
        user=member, actor=member, kinds={"progress_reported": "muted"}
    )
    services.preference_update(
        user=leader, actor=leader, kinds={"progress_reported": "off"}
    )
    people = [member, leader, secretariat, deputy]
    ContentType.objects.get_for_model(task)  # cached, as in a running server

    def run(key):
        with CaptureQueriesContext(connection) as ctx:
            services.notify(
                recipients=people,
                kind="progress_reported",
                target=task,
                title="Tiến độ",
                key=key,
            )
        return len(ctx.captured_queries)

    first = run("a")
    modes = dict(
        Notification.objects.filter(key__startswith="a:").values_list(
            "recipient__username", "email_mode"
        )
    )
    assert modes == {"leader": "off", "secretariat": "digest", "deputy": "digest"}
    services.preference_update(
        user=deputy, actor=deputy, kinds={"progress_reported": "muted"}
    )
    assert run("b") == first  # the settings cost the same whoever has some


# --- the page -------------------------------------------------------------------


def test_the_preferences_page_lists_every_kind(login, member):
    with translation.override("en"):
        html = login(member).get(reverse("notifications:preferences")).content.decode()
    assert 'id="notification-kinds"' in html
    for kind in kinds.all_kinds():
        assert f'name="kind_{kind.key}"' in html
    # A must-act kind offers no "switched off".
    start = html.index('id="kind-row-task_reported_done"')
    assert 'value="muted"' not in html[start : html.index("</tr>", start)]


def test_the_preferences_page_saves_a_kind(login, member):
    response = login(member).post(
        reverse("notifications:preferences"),
        {"email_mode": "", "language": "", "kind_task_confirmed": "muted"},
    )
    assert response.status_code == 302
    assert (
        KindPreference.objects.get(user=member, kind="task_confirmed").mode == "muted"
    )


def test_the_preferences_page_refuses_muting_a_must_act_kind(login, member):
    client = login(member)
    client.cookies["django_language"] = "en"  # the VI/EN switch
    with translation.override("en"):
        response = client.post(
            reverse("notifications:preferences"),
            {"email_mode": "off", "language": "", "kind_task_assigned": "muted"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert "cannot be switched off" in response.content.decode()
    assert not KindPreference.objects.exists()
    assert not member.__class__.objects.filter(
        pk=member.pk, notification_preference__email_mode="off"
    ).exists()


# --- items the user can no longer see ----------------------------------------------


def leave_the_team(user):
    Membership.objects.filter(person=user).update(
        valid_to=local_today() - datetime.timedelta(days=1)
    )


def test_the_centre_hides_items_the_user_can_no_longer_see(
    login, member, task, other_task
):
    tell(member, task, key="seen")
    # Sent while they could see it; then the task moved out of their reach.
    Notification.objects.create(
        recipient=member,
        kind="progress_reported",
        target_type_id=Notification.objects.get().target_type_id,
        target_id=other_task.pk,
        title="Tin cũ",
        url=f"/tasks/{other_task.pk}/",
        day=local_today(),
        key="gone",
    )
    client = login(member)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Tin seen" in html and "Tin cũ" not in html
    badge = client.get(reverse("notifications:badge"), headers={"HX-Request": "true"})
    assert ">1</span>" in badge.content.decode()


def test_opening_one_whose_item_is_gone_says_so(login, member, task):
    tell(member, task)
    row = Notification.objects.get()
    leave_the_team(member)
    client = login(member)
    with translation.override("en"):
        response = client.get(
            reverse("notifications:open", args=[row.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    page = client.get(response["Location"]).content.decode()
    assert "Tin k" not in page
    row.refresh_from_db()
    assert row.read_at is not None


def test_opening_a_visible_one_goes_to_the_item(login, member, task):
    tell(member, task)
    row = Notification.objects.get()
    response = login(member).get(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == f"/tasks/{task.pk}/"


def centre_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("notifications:list")).status_code == 200
    return len(ctx.captured_queries)


def test_the_centre_costs_the_same_however_many_items_and_tasks(
    login, member, hanoi_team, member_agency, other_task
):
    from dieuphoi.tasks.tests.factories import TaskFactory

    client = login(member)
    tasks = [TaskFactory(body=hanoi_team, lead_agency=member_agency) for _ in range(12)]
    tell(member, tasks[0], key="t0")
    few = centre_queries(client)
    for i, t in enumerate(tasks):
        tell(member, t, key=f"x{i}")
    # One about a task of another body (no longer visible: not listed).
    Notification.objects.create(
        recipient=member,
        kind="urging",
        target_type_id=ContentType.objects.get_for_model(other_task).pk,
        target_id=other_task.pk,
        title="Tin khác",
        day=local_today(),
        key="other",
    )
    html = client.get(reverse("notifications:list")).content.decode()
    assert html.count('id="notification-row-') == 13
    assert centre_queries(client) == few


def test_an_event_email_whose_item_is_gone_is_not_sent(leader, member, task):
    from django.core import mail

    from dieuphoi.notifications import emails
    from dieuphoi.notifications.models import OutgoingEmail

    tell(leader, task, kind="task_assigned", key="gone")
    tell(member, task, kind="task_assigned", key="kept")
    services.preference_update(user=member, actor=member, email_mode="immediate")
    tell(member, task, kind="task_assigned", key="kept2")
    ids = list(OutgoingEmail.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    leave_the_team(leader)
    result = emails.send_outgoing(ids)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert len(result.sent) == 1
    dropped = OutgoingEmail.objects.get(recipient=leader)
    assert dropped.status == OutgoingEmail.Status.DROPPED


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_anyone_muting_a_must_act_kind_on_the_page_gets_the_error(who, request, login):
    user = request.getfixturevalue(who)
    response = login(user).post(
        reverse("notifications:preferences"),
        {"email_mode": "", "language": "", "kind_escalation": "muted"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "has-error" in html and 'name="kind_escalation"' in html
    assert not KindPreference.objects.exists()


def test_posting_the_general_settings_alone_keeps_the_kinds(login, member):
    services.preference_update(
        user=member, actor=member, kinds={"task_confirmed": "off"}
    )
    login(member).post(
        reverse("notifications:preferences"), {"email_mode": "digest", "language": ""}
    )
    assert KindPreference.objects.get(user=member).mode == "off"


def test_the_preferences_page_is_a_table_of_kinds_by_area(login, member):
    """One row per kind, grouped by area, a column per choice; the rows of
    the kinds one must act on cannot be switched off (no "Off" choice, a
    reason) but their e-mail mode is still the person's choice."""
    import re

    response = login(member).get(reverse("notifications:preferences"))
    html = response.content.decode()
    assert "notification-kinds-table" in html
    assert "<select" not in html[html.index('id="notification-kinds"') :]
    for area in ("tasks", "extensions", "reminders", "comments", "system"):
        assert f'id="kind-area-{area}"' in html
    for kind in kinds.all_kinds():
        start = html.index(f'id="kind-row-{kind.key}"')
        row = html[start : html.index("</tr>", start)]
        inputs = re.findall(r"<input[^>]*>", row)
        enabled = [i for i in inputs if " disabled" not in i]
        if kind.must_act:
            assert [re.search(r'value="([^"]*)"', i).group(1) for i in enabled] == [
                "",
                "immediate",
                "digest",
                "off",
            ], kind.key
            assert "kind-fixed-reason" in row
            assert 'value="muted"' not in row
        else:
            # Default, e-mail each time, digest, in the app only, off.
            assert [re.search(r'value="([^"]*)"', i).group(1) for i in enabled] == [
                "",
                "immediate",
                "digest",
                "off",
                "muted",
            ], kind.key
            assert "kind-fixed-reason" not in row
    # The tasks area comes first, in the catalogue's order.
    assert html.index('id="kind-area-tasks"') < html.index('id="kind-area-reminders"')
    assert html.index('id="kind-row-task_assigned"') < html.index(
        'id="kind-row-progress_reported"'
    )


def test_a_kind_set_before_shows_checked(login, member):
    services.preference_update(
        user=member, actor=member, kinds={"task_confirmed": "off", "urging": "digest"}
    )
    html = login(member).get(reverse("notifications:preferences")).content.decode()
    for key, value in (("task_confirmed", "off"), ("urging", "digest")):
        start = html.index(f'id="kind-row-{key}"')
        row = html[start : html.index("</tr>", start)]
        checked = [i for i in row.split("<input")[1:] if " checked" in i.split(">")[0]]
        assert len(checked) == 1 and f'value="{value}"' in checked[0]


def test_a_must_act_kind_changes_its_e_mail_mode_but_cannot_be_switched_off(
    login, member
):
    services.preference_update(user=member, actor=member, kinds={"urging": "digest"})
    client = login(member)
    response = client.post(
        reverse("notifications:preferences"),
        {"email_mode": "", "language": "", "kind_urging": "immediate"},
    )
    assert response.status_code == 302
    assert KindPreference.objects.get(user=member, kind="urging").mode == "immediate"
    response = client.post(
        reverse("notifications:preferences"),
        {"email_mode": "", "language": "", "kind_urging": "muted"},
    )
    # A clear error on the row, nothing saved.
    assert response.status_code == 400
    assert 'id="kind-row-urging" class="kind-row kind-fixed has-error"' in (
        response.content.decode()
    )
    assert KindPreference.objects.get(user=member, kind="urging").mode == "immediate"
