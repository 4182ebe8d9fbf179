"""Demo proposals of the Hanoi team (``manage.py seed_demo`` calls
``seed_all`` after the registry and the tasks' seed).

The subjects are real public cases of the region — transport links between
the provinces, the pollution of the Nhuệ and Đáy rivers shared with the
downstream provinces, a road from Hanoi to the airport planned at Gia Bình
(Bắc Ninh) — but every proposal, draft, answer and comment here is plainly
fictional demo content: no amount, date or decision of a real authority is
stated (budgets are left empty), and nothing is recorded as decided by the
Chairman. Written through the services, so each has its steps, documents and
audit trail:

- a scheme submitted to the Chairman: one closed round (the Bắc Ninh team
  agreed with comments, Sở Xây dựng agreed, Sở Nông nghiệp và Môi trường
  stayed silent and is recorded "no comment"), the synthesis table filled in,
  the Tờ trình drafted by the documents engine;
- a plan in consultation: an open round asking the Ninh Bình team and two
  Hanoi departments, one answer in;
- a proposal still being drafted, with two drafts (a diff between them).

Idempotent: a proposal is found by (body, title) and then left alone.
"""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from dieuphoi.core.models import local_today
from dieuphoi.org.models import AdministrativeUnit, Agency, Body

from . import services
from .models import Proposal, RoundComment, RoundParty

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
CLERK, LEADER = "thuky", "truongto"
BAC_NINH_USER, SXD_USER = "bacninh", "daumoi.sxd"

TRANSPORT = "Đề án tăng cường kết nối giao thông liên tỉnh Vùng Thủ đô (dữ liệu mẫu)"
RIVERS = (
    "Kế hoạch phối hợp giảm thiểu ô nhiễm nước sông Nhuệ, sông Đáy với các tỉnh "
    "hạ lưu (dữ liệu mẫu)"
)
AIRPORT = (
    "Đề xuất nghiên cứu tuyến đường kết nối Thủ đô Hà Nội với cảng hàng không "
    "dự kiến tại Gia Bình, tỉnh Bắc Ninh (dữ liệu mẫu)"
)


def _docx(*paragraphs: str) -> SimpleUploadedFile:
    from docx import Document as Docx

    document = Docx()
    for text in paragraphs:
        if text[:3].rstrip(".").isupper() or text[:2].rstrip(".").isdigit():
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("du-thao.docx", out.getvalue())


def _draft_text(title: str, extra: str = "") -> list[str]:
    return [
        title,
        "I. SỰ CẦN THIẾT",
        "Nội dung minh họa cho bản dự thảo; không phải văn bản thật.",
        "II. MỤC TIÊU",
        "1. Mục tiêu chung",
        "Nội dung minh họa.",
        "2. Mục tiêu cụ thể",
        "Nội dung minh họa." + (f" {extra}" if extra else ""),
        "III. NHIỆM VỤ VÀ GIẢI PHÁP",
        "Nội dung minh họa.",
        "IV. TỔ CHỨC THỰC HIỆN",
        "Nội dung minh họa.",
    ]


def _lookup():
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[CLERK, LEADER, BAC_NINH_USER, SXD_USER]
    )}  # fmt: skip
    body = Body.objects.as_of(local_today()).filter(key=HANOI_TEAM_KEY).first()
    agencies = {
        a.code: a
        for a in Agency.objects.as_of(local_today()).filter(
            code__in=["SXD", "SNNMT", "STC", "SQHKT"]
        )
    }
    teams = {
        b.key: b
        for b in Body.objects.as_of(local_today()).filter(
            key__in=["to-dieu-phoi-bac-ninh", "to-dieu-phoi-ninh-binh"]
        )
    }
    units = {u.key: u for u in AdministrativeUnit.objects.filter(
        key__in=["ha-noi", "bac-ninh", "ninh-binh", "hung-yen"], valid_to__isnull=True
    )}  # fmt: skip
    return users, body, agencies, teams, units


def _create(body, clerk, title, **kw) -> tuple[Proposal, bool]:
    found = Proposal.objects.filter(body=body, title=title).first()
    if found is not None:
        return found, False
    return services.proposal_create(
        actor=clerk, body=body, title=title, proposed_on=local_today(), **kw
    ), True


def seed_demo_proposals() -> list[Proposal]:
    users, body, agencies, teams, units = _lookup()
    needed = (CLERK, LEADER, BAC_NINH_USER, SXD_USER)
    if body is None or any(u not in users for u in needed) or len(agencies) < 4:
        return []
    clerk, leader = users[CLERK], users[LEADER]
    bac_ninh = teams.get("to-dieu-phoi-bac-ninh")
    ninh_binh = teams.get("to-dieu-phoi-ninh-binh")
    made = []

    # 1. Submitted to the Chairman after a closed round.
    transport, new = _create(
        body, clerk, TRANSPORT,
        kind=Proposal.Kind.SCHEME,
        scope=Proposal.Scope.REGIONAL_LINKAGE,
        lead_agency=agencies["SXD"],
        summary="Rà soát các tuyến giao thông kết nối Hà Nội với các tỉnh trong vùng, "
        "đề xuất thứ tự ưu tiên và cơ chế phối hợp đầu tư (nội dung minh họa).",
        cooperating_agencies=[agencies["SQHKT"], agencies["STC"]],
        provinces=[u for k, u in units.items() if k in ("ha-noi", "bac-ninh", "hung-yen")],
    )  # fmt: skip
    if new:
        draft = services.draft_add(
            actor=clerk, proposal=transport, uploaded_file=_docx(*_draft_text(TRANSPORT)),
            note="Dự thảo lần 1",
        )  # fmt: skip
        parties = [agencies["SXD"], agencies["SNNMT"]] + (
            [bac_ninh] if bac_ninh else []
        )
        consultation = services.round_open(
            actor=clerk, proposal=transport, draft=draft, parties=parties, working_days=10,
            questions="Đề nghị cho ý kiến về danh mục tuyến ưu tiên và cơ chế phối hợp.",
        )  # fmt: skip
        by_party = {
            (p.agency_id, p.party_body_id): p for p in consultation.parties.all()
        }
        if bac_ninh:
            services.answer_submit(
                actor=users[BAC_NINH_USER],
                party=by_party[(None, bac_ninh.pk)],
                answer=RoundParty.Answer.AGREE_COMMENTS,
                comments=[
                    ("II. MỤC TIÊU", "Đề nghị bổ sung mục tiêu kết nối với các khu công nghiệp phía Bắc (ý kiến minh họa)."),
                    ("III. NHIỆM VỤ VÀ GIẢI PHÁP", "Đề nghị làm rõ cơ chế chia sẻ chi phí giữa các địa phương (ý kiến minh họa)."),
                ],
            )  # fmt: skip
        services.answer_submit(
            actor=users[SXD_USER],
            party=by_party[(agencies["SXD"].pk, None)],
            answer=RoundParty.Answer.AGREE_COMMENTS,
            comments=[("IV. TỔ CHỨC THỰC HIỆN", "Đề nghị giao đầu mối tổng hợp tiến độ hằng quý (ý kiến minh họa).")],
        )  # fmt: skip
        services.round_close(actor=clerk, consultation=consultation)
        responses = [
            (RoundComment.Response.ACCEPTED, "Tiếp thu, đã bổ sung vào mục II (minh họa)."),
            (RoundComment.Response.EXPLAINED, "Giải trình: cơ chế chia sẻ chi phí sẽ được xây dựng ở bước sau (minh họa)."),
            (RoundComment.Response.PARTLY, "Tiếp thu một phần: giao đầu mối tổng hợp 6 tháng một lần (minh họa)."),
        ]  # fmt: skip
        rows = RoundComment.objects.filter(party__round=consultation).order_by(
            "party__name", "position"
        )
        for comment, (response, text) in zip(rows, responses, strict=False):
            services.comment_respond(
                actor=clerk, comment=comment, version=comment.version, response=response, text=text
            )  # fmt: skip
        transport.refresh_from_db()
        transport = services.proposal_transition(
            actor=clerk, proposal=transport, action="review", version=transport.version
        )
        services.proposal_submit(
            actor=leader, proposal=transport, version=transport.version,
            comment="Trình Chủ tịch UBND Thành phố xem xét (minh họa).",
        )  # fmt: skip
        made.append(transport)

    # 2. In consultation: an open round with one answer in.
    rivers, new = _create(
        body, clerk, RIVERS,
        kind=Proposal.Kind.PLAN,
        scope=Proposal.Scope.REGIONAL_SCALE,
        lead_agency=agencies["SNNMT"],
        summary="Phối hợp quan trắc chất lượng nước, kiểm soát nguồn thải và chia sẻ dữ liệu "
        "giữa Hà Nội và các tỉnh hạ lưu sông Nhuệ, sông Đáy (nội dung minh họa).",
        cooperating_agencies=[agencies["SXD"]],
        provinces=[u for k, u in units.items() if k in ("ha-noi", "ninh-binh")],
    )  # fmt: skip
    if new:
        draft = services.draft_add(
            actor=clerk, proposal=rivers, uploaded_file=_docx(*_draft_text(RIVERS)), note="Dự thảo lần 1"
        )  # fmt: skip
        parties = [agencies["SXD"], agencies["STC"]] + (
            [ninh_binh] if ninh_binh else []
        )
        consultation = services.round_open(
            actor=clerk, proposal=rivers, draft=draft, parties=parties, working_days=10
        )
        party = consultation.parties.get(agency=agencies["SXD"])
        services.answer_submit(
            actor=users[SXD_USER], party=party, answer=RoundParty.Answer.AGREE
        )
        made.append(rivers)

    # 3. Being drafted: two drafts, no round yet.
    airport, new = _create(
        body, clerk, AIRPORT,
        kind=Proposal.Kind.TASK,
        scope=Proposal.Scope.REGIONAL_LINKAGE,
        lead_agency=agencies["SQHKT"],
        summary="Nghiên cứu hướng tuyến, phân kỳ đầu tư và phối hợp với tỉnh Bắc Ninh "
        "(nội dung minh họa).",
        cooperating_agencies=[agencies["SXD"]],
        provinces=[u for k, u in units.items() if k in ("ha-noi", "bac-ninh")],
    )  # fmt: skip
    if new:
        services.draft_add(
            actor=clerk, proposal=airport, uploaded_file=_docx(*_draft_text(AIRPORT))
        )
        services.draft_add(
            actor=clerk, proposal=airport,
            uploaded_file=_docx(*_draft_text(AIRPORT, "Bổ sung phương án phân kỳ (minh họa).")),
            note="Dự thảo lần 2: bổ sung phân kỳ",
        )  # fmt: skip
        made.append(airport)
    return made


def seed_all() -> list[Proposal]:
    with transaction.atomic():
        return seed_demo_proposals()
