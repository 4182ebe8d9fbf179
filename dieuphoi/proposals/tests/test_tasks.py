"""An adopted proposal is carried out by tasks: the proposal is their source,
the adopting decision their source document; the first task moves the
proposal into implementation. Only the body's recorders assign them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.proposals import services
from dieuphoi.proposals.models import Proposal
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.sources import source_key


def adopt(proposal, secretariat, leader):
    decision = DocumentFactory(body=proposal.body, summary="Quyết định phê duyệt đề án")
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="review", version=proposal.version
    )
    proposal = services.proposal_submit(
        actor=leader, proposal=proposal, version=proposal.version
    )
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="approve",
        version=proposal.version, document=decision,
    )  # fmt: skip
    proposal = services.proposal_transition(
        actor=secretariat, proposal=proposal, action="adopt",
        version=proposal.version, document=decision,
    )  # fmt: skip
    return proposal, decision


@pytest.fixture
def adopted(proposal, secretariat, leader):
    return adopt(proposal, secretariat, leader)


def test_a_task_from_an_adopted_proposal(
    adopted, secretariat, member_agency, standing_agency
):
    proposal, decision = adopted
    task = services.proposal_task_assign(
        actor=secretariat,
        proposal=proposal,
        title="Lập báo cáo nghiên cứu tiền khả thi tuyến kết nối",
        lead_agency=member_agency,
        cooperating=[{"agency": standing_agency, "description": "", "deadline": None}],
    )
    assert (task.source_type.model, task.source_id) == ("proposal", proposal.pk)
    assert task.source_document == decision
    assert [p.agency for p in task.parts.all()] == [standing_agency]
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.IMPLEMENTATION
    step = proposal.steps.get(action="implement")
    assert task.code in step.comment
    assert AuditEvent.objects.filter(action="proposals.task_assign").count() == 1
    # A second task: still in implementation, no second step.
    services.proposal_task_assign(
        actor=secretariat,
        proposal=proposal,
        title="Bố trí vốn",
        lead_agency=standing_agency,
    )
    assert proposal.steps.filter(action="implement").count() == 1
    assert (
        Task.objects.filter(source_id=proposal.pk, source_type=task.source_type).count()
        == 2
    )


def test_only_recorders_assign_and_only_once_adopted(
    proposal, secretariat, leader, member, outsider, member_agency
):
    with pytest.raises(ValidationError) as error:
        services.proposal_task_assign(
            actor=secretariat,
            proposal=proposal,
            title="Sớm quá",
            lead_agency=member_agency,
        )
    assert "state" in error.value.message_dict
    proposal, _decision = adopt(proposal, secretariat, leader)
    for user in (member, outsider):
        with pytest.raises(PermissionDenied):
            services.proposal_task_assign(
                actor=user,
                proposal=proposal,
                title="Không được",
                lead_agency=member_agency,
            )
    assert not Task.objects.exists()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.ADOPTED


def test_a_bad_task_writes_nothing(adopted, secretariat, member_agency):
    proposal, _decision = adopted
    with pytest.raises(ValidationError) as error:
        services.proposal_task_assign(
            actor=secretariat, proposal=proposal, title="", lead_agency=member_agency
        )
    assert "title" in error.value.message_dict
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.ADOPTED
    assert not Task.objects.exists()
    assert not proposal.steps.filter(action="implement").exists()


def test_pages_assign_show_and_filter_by_source(
    adopted, client, secretariat, member, outsider, member_agency
):
    proposal, _decision = adopted
    url = f"/proposals/{proposal.pk}/tasks/"
    client.force_login(outsider)
    assert client.post(
        url, {"title": "X", "lead_agency": member_agency.pk}
    ).status_code in (403, 404)
    client.force_login(member)
    assert (
        client.post(url, {"title": "X", "lead_agency": member_agency.pk}).status_code
        == 403
    )
    assert not Task.objects.exists()

    client.force_login(secretariat)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert 'id="proposal-task-form"' in page
    bad = client.post(url, {"title": "", "lead_agency": member_agency.pk})
    assert bad.status_code == 422
    assert not Task.objects.exists()
    response = client.post(
        url,
        {
            "title": "Khảo sát hướng tuyến",
            "lead_agency": member_agency.pk,
            "deadline": "31/12/2027",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.deadline.isoformat() == "2027-12-31"
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert f'id="proposal-task-{task.pk}"' in detail
    # The task page names its source; the list filters by it.
    task_page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert proposal.title in task_page
    listed = client.get("/tasks/", {"source": source_key(proposal)}).content.decode()
    assert task.code in listed and 'id="task-source-filter"' in listed
    other = client.get(
        "/tasks/", {"source": "proposals.proposal:999999"}
    ).content.decode()
    assert task.code not in other
    assert client.get("/tasks/", {"source": "nonsense"}).status_code in (200, 422)
    # The API filters the same way and refuses a malformed key.
    from dieuphoi.accounts.models import ApiToken, hash_token

    raw = ApiToken.generate_raw()
    ApiToken.objects.create(
        user=secretariat, name="t", prefix=raw[:8], key_hash=hash_token(raw)
    )
    headers = {"Authorization": f"Bearer {raw}"}
    api = client.get("/api/v1/tasks", {"source": source_key(proposal)}, headers=headers)
    assert [row["code"] for row in api.json()["items"]] == [task.code]
    assert (
        client.get("/api/v1/tasks", {"source": "x"}, headers=headers).status_code == 422
    )


def test_api_assigns_a_task_and_checks_fields(
    adopted, client, secretariat, member, outsider, member_agency
):
    from dieuphoi.accounts.models import ApiToken, hash_token

    proposal, _decision = adopted

    def bearer(user):
        raw = ApiToken.generate_raw()
        ApiToken.objects.create(
            user=user, name="t", prefix=raw[:8], key_hash=hash_token(raw)
        )
        return {"Authorization": f"Bearer {raw}"}

    url = f"/api/v1/proposals/{proposal.pk}/tasks"
    body = {"title": "Rà soát quy hoạch", "lead_agency_id": member_agency.pk}
    assert (
        client.post(
            url, body, content_type="application/json", headers=bearer(outsider)
        ).status_code
        == 404
    )
    assert (
        client.post(
            url, body, content_type="application/json", headers=bearer(member)
        ).status_code
        == 403
    )
    headers = bearer(secretariat)
    bad = client.post(
        url,
        {"title": "x", "lead_agency_id": 999999},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 422 and "lead_agency_id" in str(bad.json())
    empty = client.post(
        url,
        {"title": " ", "lead_agency_id": member_agency.pk},
        content_type="application/json",
        headers=headers,
    )
    assert empty.status_code == 422 and "title" in str(empty.json())
    assert not Task.objects.exists()
    created = client.post(url, body, content_type="application/json", headers=headers)
    assert created.status_code == 201
    assert created.json()["source"] == source_key(proposal)
    assert Task.objects.get().source_id == proposal.pk


def test_an_adopted_key_project_proposal_makes_its_key_project(
    team, secretariat, leader, member, member_agency, client
):
    from dieuphoi.keyprojects.models import KeyProject
    from dieuphoi.proposals.tests.conftest import make_proposal

    proposal = make_proposal(
        team, secretariat, member_agency, title="Dự án tuyến nối sân bay (kiểm thử)",
        kind=Proposal.Kind.KEY_PROJECT,
    )  # fmt: skip
    proposal, _decision = adopt(proposal, secretariat, leader)
    client.force_login(secretariat)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert 'id="key-project-new"' in page
    form = client.get(f"/key-projects/new/?proposal={proposal.pk}").content.decode()
    assert "Dự án tuyến nối sân bay (kiểm thử)" in form
    # A member of the team may not make the project.
    client.force_login(member)
    assert (
        'id="key-project-new"'
        not in client.get(proposal.get_absolute_url()).content.decode()
    )
    project = KeyProject.objects.create(
        body=team, code="DA-KT", name=proposal.title, lead_agency=member_agency,
        proposal=proposal, created_by=secretariat, decided_on=proposal.proposed_on,
    )  # fmt: skip
    client.force_login(secretariat)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert project.get_absolute_url() in page
