"""Proposals pages and exports, timed in-process against the bare view.

Builds its own data in a throw-away SQLite database (``--data DIR`` keeps it
and reuses it on the next run), then times each request with Django's test
client in this process: the server's time for one request at a time, without
the network. The bare view ``/ping`` is timed in the same loop, so every
page's ratio to it is measured under the same load.

(a) One consultation round of 30 parties (25 agencies, 5 other provinces'
    teams) with 300 comments, built through the services (``proposal_create``,
    ``draft_add``, ``round_open``, ``answer_submit``, ``round_close``, two
    thirds of the rows answered with ``comment_respond``): the synthesis table
    as a user opens it (the page, plus the header's notification badge that
    HTMX loads with ``hx-trigger="load"``), target 100 ms median; its DOCX
    export (the annex through the documents engine), target 3 s; its XLSX and
    PDF exports for information.
(b) 5,000 proposals (``bulk_create``; provinces, sectors, co-operating
    agencies, 500 consultation rounds with 3,000 parties, half of them past
    their deadline): the pipeline board and the list page, unfiltered and
    filtered, each with the badge, target 100 ms median; the API list for
    information.

    .venv/bin/python bench/proposals_bench.py                 # 5 runs
    .venv/bin/python bench/proposals_bench.py --runs 20
    .venv/bin/python bench/proposals_bench.py --data var/proposals-bench
    .venv/bin/python bench/proposals_bench.py --profile synthesis  # cProfile

Prints, per request and per whole page, the status, the SQL queries, the
median and p95 wall time over ``--runs`` runs (after one warm-up), the median
CPU time (steadier than the wall time on a busy machine), requests/s and the
ratio of the median to the bare view's median. Exits 1 when a target is
missed. In-process rather than gunicorn and wrk (``tasks_bench.py``): no wrk
needed, and the figure is the server's own time, which the targets state.
``--data`` reuses the database whatever ``--proposals`` says.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTIES = 30  # 25 agencies and 5 other provinces' teams
COMMENTS_PER_PARTY = 10  # 300 comments
SECTIONS = 12
TARGET_PAGE_MS = 100.0
TARGET_DOCX_MS = 3000.0
PING_RUNS_PER_RUN = 10  # the bare view is cheap: more samples, same loop
START = datetime.date(2022, 12, 1)
STATES = (  # (state, share of the 5,000) roughly as a live pipeline looks
    ("draft", 20),
    ("consultation", 10),
    ("team_review", 10),
    ("submitted", 10),
    ("approved", 15),
    ("approved_changes", 5),
    ("rejected", 5),
    ("forwarded", 5),
    ("adopted", 5),
    ("implementation", 15),
)


def setup_django(data: Path) -> None:
    """Django on a SQLite file of its own (DEBUG off; ``DIEUPHOI_TESTING``
    for the dummy job backend and plain static storage, as the other scripts
    run their throw-away databases)."""
    data.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dieuphoi.settings",
        DIEUPHOI_TESTING="1",
        DEBUG="false",
        SQLITE_PATH=str(data / "bench.sqlite3"),
        MEDIA_ROOT=str(data / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("DATABASE_URL", None)
    import warnings

    import django

    # WhiteNoise's note that STATIC_ROOT is not collected (static files are
    # not part of the measure).
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


# --- data ----------------------------------------------------------------------------


def docx_draft() -> bytes:
    from docx import Document as Docx

    document = Docx()
    for i in range(1, SECTIONS + 1):
        document.add_heading(f"{i}. Nội dung mục {i} của đề án", level=1)
        document.add_paragraph(
            "Kết nối hạ tầng giao thông, logistics và chuyển đổi số giữa Hà Nội và "
            f"các tỉnh trong Vùng Thủ đô, phần {i}."
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_org():
    """The Hanoi team (leader, secretariat), 25 member agencies, 5 other
    provinces' teams, 15 provinces, 10 sectors, an administrator."""
    from dieuphoi.accounts.models import User
    from dieuphoi.docs.seed import seed_document_types
    from dieuphoi.org.models import (
        AdministrativeUnit,
        Agency,
        Body,
        BodyAgency,
        Membership,
    )
    from dieuphoi.paperwork.seed import HANOI_TEAM_KEY, seed_all
    from dieuphoi.tasks.models import Sector

    seed_document_types()
    body = Body.objects.create(
        key=HANOI_TEAM_KEY,
        name="Tổ điều phối Vùng Thủ đô của TP. Hà Nội",
        short_name="TĐP Hà Nội",
        symbol="TĐP",
        kind=Body.Kind.TEAM,
        valid_from=START,
    )
    standing = Agency.objects.create(
        code="STC", name="Sở Tài chính", kind=Agency.Kind.DEPARTMENT, valid_from=START
    )
    BodyAgency.objects.create(
        body=body, agency=standing, role=BodyAgency.Role.STANDING, valid_from=START
    )
    agencies = Agency.objects.bulk_create(
        [
            Agency(
                code=f"S{i:02d}",
                name=f"Sở Thành viên số {i:02d} của Thành phố",
                kind=Agency.Kind.DEPARTMENT,
                valid_from=START,
            )
            for i in range(1, 26)
        ]
    )
    BodyAgency.objects.bulk_create(
        [
            BodyAgency(
                body=body, agency=a, role=BodyAgency.Role.MEMBER, valid_from=START
            )
            for a in agencies
        ]
    )
    teams = Body.objects.bulk_create(
        [
            Body(
                key=f"to-dieu-phoi-tinh-{i}",
                name=f"Tổ điều phối vùng tỉnh số {i}",
                short_name=f"TĐP tỉnh {i}",
                kind=Body.Kind.TEAM,
                valid_from=START,
            )
            for i in range(1, 6)
        ]
    )
    units = AdministrativeUnit.objects.bulk_create(
        [
            AdministrativeUnit(
                key=f"tinh-{i}",
                name=f"Tỉnh số {i}",
                kind=AdministrativeUnit.Kind.PROVINCE,
                valid_from=START,
            )
            for i in range(1, 16)
        ]
    )
    sectors = Sector.objects.bulk_create(
        [
            Sector(key=f"linh-vuc-{i}", name=f"Lĩnh vực {i}", position=i)
            for i in range(1, 11)
        ]
    )
    people = {}
    for username, name, role, agency in (
        ("truongto", "Trần Minh Đức", Membership.Role.LEADER, standing),
        ("thuky", "Nguyễn Thị Thư", Membership.Role.SECRETARIAT, standing),
        ("daumoi", "Lê Văn Mối", Membership.Role.MEMBER, agencies[0]),
    ):
        person = User.objects.create_user(
            username=username, full_name=name, agency=agency
        )
        Membership.objects.create(
            person=person, body=body, role=role, agency=agency, valid_from=START
        )
        people[username] = person
    people["admin"] = User.objects.create_user(
        username="quantri", full_name="Quản trị", is_superuser=True, is_staff=True
    )
    seed_all()
    return body, standing, agencies, teams, units, sectors, people


def build_round(body, agencies, teams, people):
    """Scenario (a), through the services: 30 parties, 300 comments, the
    round closed, two thirds of the rows responded to."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dieuphoi.core.models import local_today
    from dieuphoi.proposals import services
    from dieuphoi.proposals.models import Proposal, RoundComment, RoundParty

    clerk, admin = people["thuky"], people["admin"]
    proposal = services.proposal_create(
        actor=clerk,
        body=body,
        kind=Proposal.Kind.SCHEME,
        title="Đề án kết nối hạ tầng giao thông và logistics Vùng Thủ đô",
        scope=Proposal.Scope.REGIONAL_LINKAGE,
        proposed_on=local_today(),
        lead_agency=agencies[0],
        summary="Kết nối các tuyến vành đai, đường sắt và cảng cạn với các tỉnh.",
        cooperating_agencies=agencies[1:4],
        budget={"budget_central": 1_000_000_000, "budget_city": 2_000_000_000},
        budget_total=3_000_000_000,
    )
    draft = services.draft_add(
        actor=clerk,
        proposal=proposal,
        uploaded_file=SimpleUploadedFile("du-thao.docx", docx_draft()),
    )
    consultation = services.round_open(
        actor=clerk,
        proposal=proposal,
        draft=draft,
        parties=[*agencies[:25], *teams[:5]],
        working_days=10,
        questions="Phân công cơ quan chủ trì.\nNguồn vốn và tiến độ.",
    )
    sections = draft.sections
    parties = list(consultation.parties.select_related("round__proposal"))
    assert len(parties) == PARTIES, len(parties)
    for p, party in enumerate(parties):
        comments = [
            (
                sections[(p + i) % len(sections)] if (p + i) % 7 else "",
                f"Ý kiến {i + 1} của {party.name}: đề nghị làm rõ phạm vi, nguồn vốn, "
                "cơ chế phối hợp giữa các địa phương và lộ trình thực hiện; bổ sung "
                "chỉ tiêu đánh giá và trách nhiệm của từng cơ quan trong vùng.",
            )
            for i in range(COMMENTS_PER_PARTY)
        ]
        services.answer_submit(
            actor=admin,
            party=party,
            answer=RoundParty.Answer.AGREE_COMMENTS,
            comments=comments,
        )
    consultation = services.round_close(actor=clerk, consultation=consultation)
    rows = RoundComment.objects.filter(party__round=consultation).select_related(
        "party__round__proposal"
    )
    kinds = list(RoundComment.Response.values)
    for i, comment in enumerate(rows):
        if i % 3 == 2:
            continue
        services.comment_respond(
            actor=clerk,
            comment=comment,
            version=comment.version,
            response=kinds[i % len(kinds)],
            text="Tiếp thu, chỉnh sửa tại mục tương ứng của dự thảo; giải trình "
            "phần còn lại theo quy định hiện hành.",
        )
    assert RoundComment.objects.filter(party__round=consultation).count() == 300
    return proposal, consultation


def build_pipeline(body, agencies, units, sectors, proposals: int, draft_of):
    """Scenario (b), with ``bulk_create``: ``proposals`` proposals over three
    years, their provinces, sectors and co-operating agencies; every
    proposal in consultation has an open round of six parties, half of them
    past the deadline with parties that have not answered."""
    from dieuphoi.core.models import local_today
    from dieuphoi.proposals.models import (
        ConsultationRound,
        Proposal,
        ProposalDraft,
        RoundParty,
    )

    today = local_today()
    kinds = list(Proposal.Kind.values)
    scopes = list(Proposal.Scope.values)
    states = [s for s, share in STATES for _ in range(share)]
    objs = [
        Proposal(
            body=body,
            kind=kinds[i % len(kinds)],
            title=f"Đề xuất liên kết vùng số {i + 1}: hạ tầng, môi trường, logistics",
            summary="Tóm tắt đề xuất.",
            scope=scopes[i % 2],
            proposed_on=today - datetime.timedelta(days=(i * 7) % 1100),
            lead_agency=agencies[i % len(agencies)],
            state=states[i % len(states)],
            budget_central=(i % 9) * 1_000_000_000 or None,
            budget_city=(i % 5) * 500_000_000 or None,
        )
        for i in range(proposals)
    ]
    created = Proposal.objects.bulk_create(objs, batch_size=500)
    Through = Proposal.provinces.through
    Through.objects.bulk_create(
        [
            Through(proposal_id=p.pk, administrativeunit_id=units[(i + k) % 15].pk)
            for i, p in enumerate(created)
            for k in range(i % 3)
        ],
        batch_size=2000,
    )
    Through = Proposal.sectors.through
    Through.objects.bulk_create(
        [
            Through(proposal_id=p.pk, sector_id=sectors[(i + k) % 10].pk)
            for i, p in enumerate(created)
            for k in range(1 + i % 2)
        ],
        batch_size=2000,
    )
    Through = Proposal.cooperating_agencies.through
    Through.objects.bulk_create(
        [
            Through(proposal_id=p.pk, agency_id=agencies[(i + 1 + k) % 25].pk)
            for i, p in enumerate(created)
            for k in range(i % 4)
        ],
        batch_size=2000,
    )
    consulting = [p for p in created if p.state == Proposal.State.CONSULTATION]
    drafts = ProposalDraft.objects.bulk_create(
        [
            ProposalDraft(proposal=p, number=1, attachment_id=draft_of.attachment_id)
            for p in consulting
        ],
        batch_size=500,
    )
    rounds = ConsultationRound.objects.bulk_create(
        [
            ConsultationRound(
                proposal=p,
                number=1,
                draft=d,
                opened_on=today - datetime.timedelta(days=20 if i % 2 else 2),
                working_days=10,
                deadline=today + datetime.timedelta(days=-5 if i % 2 else 12),
            )
            for i, (p, d) in enumerate(zip(consulting, drafts, strict=True))
        ],
        batch_size=500,
    )
    RoundParty.objects.bulk_create(
        [
            RoundParty(
                round=r,
                agency=agencies[(i + k) % 25],
                name=agencies[(i + k) % 25].name,
                answer=RoundParty.Answer.AGREE if k % 3 == 0 else "",
                answered_on=today if k % 3 == 0 else None,
            )
            for i, r in enumerate(rounds)
            for k in range(6)
        ],
        batch_size=2000,
    )
    return len(created), len(rounds)


def build(proposals: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    body, _standing, agencies, teams, units, sectors, people = build_org()
    proposal, consultation = build_round(body, agencies, teams, people)
    services_done = time.perf_counter()
    made, rounds = build_pipeline(
        body, agencies, units, sectors, proposals, consultation.draft
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    done = time.perf_counter()
    print(
        f"Data: migrate {migrated - started:.1f} s; round of {PARTIES} parties and "
        f"{PARTIES * COMMENTS_PER_PARTY} comments through the services "
        f"{services_done - migrated:.1f} s; {made} proposals and {rounds} open "
        f"rounds by bulk_create {done - services_done:.1f} s"
    )
    return {"proposal": proposal.pk, "round": consultation.pk}


def existing() -> dict | None:
    """The ids of a database built by an earlier run (``--data``)."""
    from django.db.utils import OperationalError

    from dieuphoi.proposals.models import ConsultationRound

    try:
        consultation = (
            ConsultationRound.objects.filter(parties__comments__isnull=False)
            .distinct()
            .order_by("pk")
            .first()
        )
    except OperationalError:
        return None
    if consultation is None:
        return None
    return {"proposal": consultation.proposal_id, "round": consultation.pk}


# --- timing --------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (with 5 runs, the p95 is the slowest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class Bench:
    """Times GET requests through the test client: wall and CPU time (on a
    busy machine the wall time stretches, the CPU time much less)."""

    def __init__(self, client, headers: dict[str, dict]):
        self.client = client
        self.headers = headers
        self.status: dict[str, int] = {}
        self.queries: dict[str, int] = {}

    def get(self, name: str, url: str):
        return self.client.get(url, **self.headers.get(name, {}))

    def once(self, name: str, url: str) -> tuple[float, float]:
        start, start_cpu = time.perf_counter(), time.process_time()
        response = self.get(name, url)
        elapsed = time.perf_counter() - start, time.process_time() - start_cpu
        self.status[name] = response.status_code
        return elapsed

    def count_queries(self, name: str, url: str) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.get(name, url)
        self.queries[name] = len(ctx.captured_queries)


Pages = dict[str, list[tuple[str, str]]]


def run(bench: Bench, pages: Pages, runs: int) -> dict[str, list[tuple]]:
    """Each page is one or more requests (the page and the fragments it
    loads by itself); every run times each page once and the bare view
    ``PING_RUNS_PER_RUN`` times, in one loop. Returns ``(wall, cpu)`` seconds
    per request name, and per page name for the whole page."""
    times: dict[str, list[tuple]] = {}
    for requests in pages.values():
        for name, url in requests:
            bench.once(name, url)  # warm-up
            bench.count_queries(name, url)
    for _ in range(runs):
        for page, requests in pages.items():
            for _ in range(PING_RUNS_PER_RUN if page == "ping" else 1):
                wall = cpu = 0.0
                for name, url in requests:
                    one = bench.once(name, url)
                    times.setdefault(name, []).append(one)
                    wall, cpu = wall + one[0], cpu + one[1]
                if len(requests) > 1:
                    times.setdefault(page, []).append((wall, cpu))
    return times


def report(title: str, pages: Pages, times, bench: Bench, targets) -> list[str]:
    """Print one table; returns the names of missed targets."""
    ping = statistics.median(t[0] for t in times["ping"])
    print(f"\n{title}")
    print(
        f"{'request':<27}{'status':>6}{'queries':>8}{'p50 ms':>10}{'p95 ms':>10}"
        f"{'CPU p50':>9}{'req/s':>8}{'x /ping':>9}  target"
    )
    missed = []
    for page, requests in pages.items():
        rows = [(name, name) for name, _ in requests]
        if len(requests) > 1:
            rows.append((page, f"{page} (whole page)"))
        for key, label in rows:
            wall = [t[0] for t in times[key]]
            median = statistics.median(wall)
            cpu = statistics.median(t[1] for t in times[key])
            verdict = ""
            target = targets.get(key)
            if target is not None:
                ok = median * 1000 <= target
                verdict = f"≤ {target:g} ms {'met' if ok else 'MISSED'}"
                if not ok:
                    missed.append(label)
            part = key in bench.status
            print(
                f"{label:<27}{bench.status[key] if part else '':>6}"
                f"{bench.queries[key] if part else '':>8}{median * 1000:>10.1f}"
                f"{percentile(wall, 95) * 1000:>10.1f}{cpu * 1000:>9.1f}"
                f"{1 / median:>8.1f}{median / ping:>8.0f}x  {verdict}"
            )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--proposals", type=int, default=5000)
    parser.add_argument(
        "--data", help="keep the database in DIR and reuse it (default: a temp dir)"
    )
    parser.add_argument("--profile", help="cProfile one request (a name printed)")
    args = parser.parse_args()

    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="prop-"))
    setup_django(data)
    try:
        ids = existing() if args.data else None
        if ids is None:
            ids = build(args.proposals)
        else:
            print(f"Data: reusing {data}")
        missed = measure(ids, args)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)
    sys.exit(1 if missed else 0)


def scenarios(ids: dict, clerk, token: str) -> tuple[dict, dict, dict, dict]:
    """``(headers, synthesis, exports, pipeline)``: each page with the
    fragments it loads by itself (the header's notification badge,
    ``hx-trigger="load"``; the proposals' templates load none of their own)."""
    from dieuphoi.proposals import selectors
    from dieuphoi.proposals.models import Proposal

    agency = Proposal.objects.values_list("lead_agency_id", flat=True).first()
    province = Proposal.provinces.through.objects.values_list(
        "administrativeunit_id", flat=True
    ).first()
    sector = Proposal.sectors.through.objects.values_list("sector_id", flat=True)[0]
    # The list's second page: the "load more" fragment, as HTMX asks for it.
    first = selectors.proposal_list(user=clerk, filters=selectors.ProposalFilters())
    pk, rnd = ids["proposal"], ids["round"]
    ping = [("ping", "/ping")]
    badge = ("badge", "/notifications/badge/")
    headers = {
        "badge": {"HTTP_HX_REQUEST": "true"},
        "list_more": {"HTTP_HX_REQUEST": "true"},
        "api_list": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
    }
    synthesis = {
        "ping": ping,
        "synthesis": [("synthesis_page", f"/proposals/{pk}/synthesis/"), badge],
        "round_synthesis": [
            ("round_synthesis_page", f"/proposals/rounds/{rnd}/synthesis/"),
            badge,
        ],
    }
    exports = {"ping": ping} | {
        f"export_{fmt}": [(f"export_{fmt}", f"/proposals/{pk}/synthesis.{fmt}")]
        for fmt in ("docx", "xlsx", "pdf")
    }
    filtered = f"/proposals/?kind=scheme&province={province}&sector={sector}"
    pipeline = {
        "ping": ping,
        "board": [("board_page", "/proposals/board/"), badge],
        "board_filtered": [
            ("board_filtered_page", f"/proposals/board/?lead_agency={agency}"),
            badge,
        ],
        "list": [("list_page", "/proposals/"), badge],
        "list_filtered": [("list_filtered_page", filtered), badge],
        "list_overdue": [
            ("list_overdue_page", "/proposals/?open_round=1&overdue_answers=1"),
            badge,
        ],
        "list_more": [("list_more", f"/proposals/?after={first.next_cursor}")],
        "api_list": [("api_list", "/api/v1/proposals?limit=50")],
    }
    return headers, synthesis, exports, pipeline


def measure(ids: dict, args) -> list[str]:
    from django.conf import settings
    from django.test import Client

    from dieuphoi.accounts.models import User
    from dieuphoi.accounts.services import api_token_create
    from dieuphoi.proposals.models import Proposal

    clerk = User.objects.get(username="thuky")
    client = Client()
    # The project's own login backend (it loads the menu flags with the user).
    client.force_login(clerk, backend=settings.AUTHENTICATION_BACKENDS[-1])
    _, token = api_token_create(user=clerk, name="bench")
    headers, synthesis, exports, pipeline = scenarios(ids, clerk, token)
    bench = Bench(client, headers)

    if args.profile:
        urls = {
            name: url
            for group in (synthesis, exports, pipeline)
            for requests in group.values()
            for name, url in requests
        }
        url = urls.get(args.profile) or urls.get(args.profile + "_page")
        if url is None:
            raise SystemExit(f"--profile: one of {', '.join(sorted(urls))}")
        bench.once(args.profile, url)
        profiler = cProfile.Profile()
        profiler.runcall(bench.once, args.profile, url)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return []

    print(
        f"In-process (django.test.Client, SQLite, DEBUG off), one request at a "
        f"time, as the secretariat; median and p95 of {args.runs} runs after a "
        f"warm-up (/ping {PING_RUNS_PER_RUN}x a run, in the same loop)."
    )
    page = TARGET_PAGE_MS
    targets = dict.fromkeys(
        ("synthesis", "round_synthesis", "board", "board_filtered", "list"), page
    ) | {"list_filtered": page, "list_overdue": page, "export_docx": TARGET_DOCX_MS}
    missed = []
    for title, pages in (
        (
            f"(a) Synthesis table: {PARTIES} parties, "
            f"{PARTIES * COMMENTS_PER_PARTY} comments",
            synthesis,
        ),
        ("(a) Exports of that table (the whole proposal)", exports),
        (f"(b) Pipeline: {Proposal.objects.count()} proposals", pipeline),
    ):
        times = run(bench, pages, args.runs)
        missed += report(title, pages, times, bench, targets)
    print(
        f"\nTargets (median): whole pages ≤ {TARGET_PAGE_MS:g} ms, DOCX export ≤ "
        f"{TARGET_DOCX_MS / 1000:g} s: "
        + ("met" if not missed else "MISSED: " + ", ".join(missed))
    )
    return missed


if __name__ == "__main__":
    main()
