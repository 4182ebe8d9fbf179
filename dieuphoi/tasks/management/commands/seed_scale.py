"""A large, realistic data set for measuring lists at scale.

    manage.py seed_scale --tasks 200000 [--agencies 120] [--reset]

Adds ``--agencies`` agencies (codes ``TT-001``...: the marker of scale data)
and ``--tasks`` tasks led by them, in the Hanoi team (``--body``, default
the demo team; a dedicated body ``thu-tai`` when it does not exist), so the
demo accounts see them. Tasks are spread over the last five years with 25%
still open (recent ones mostly), every bucket and warning represented, about
two progress updates each, co-operating agencies and provinces. Rows go in
with ``bulk_create`` in batches, without services or audit events.

Idempotent-ish: a second run tops the scale tasks up to ``--tasks``;
``--reset`` first deletes the scale tasks (tasks led by ``TT-`` agencies).
"""

from __future__ import annotations

import datetime
import itertools
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from dieuphoi.core import cache as stamps
from dieuphoi.core.models import local_today
from dieuphoi.org.models import AdministrativeUnit, Agency, Body, BodyAgency
from dieuphoi.tasks.models import DeadlineChange, ProgressUpdate, Task, TaskPart
from dieuphoi.tasks.seed import HANOI_TEAM_KEY, seed_sectors

PREFIX = "TT-"
S = Task.State
DAY = datetime.timedelta(days=1)

VERBS = [
    "Đẩy nhanh tiến độ",
    "Rà soát, đánh giá",
    "Xây dựng kế hoạch triển khai",
    "Báo cáo kết quả thực hiện",
    "Đề xuất giải pháp tháo gỡ vướng mắc",
    "Tổ chức kiểm tra",
    "Phối hợp thẩm định",
    "Hoàn thiện hồ sơ",
    "Tổng hợp ý kiến về",
    "Xử lý dứt điểm",
]
SUBJECTS = [
    "dự án đường Vành đai 4 - Vùng Thủ đô",
    "dự án cải tạo, phục hồi sông Nhuệ, sông Đáy",
    "dự án tuyến đường sắt đô thị kết nối vùng",
    "quy hoạch phân khu đô thị vệ tinh",
    "dự án khu công nghiệp hỗ trợ",
    "chương trình chuyển đổi số dùng chung",
    "hệ thống đê điều, hồ chứa liên tỉnh",
    "trung tâm logistics và cảng cạn",
    "dự án xử lý chất thải rắn liên vùng",
    "cơ chế tài chính đặc thù cho dự án liên kết vùng",
    "chuỗi cung ứng nông sản an toàn",
    "mạng lưới bệnh viện vệ tinh",
    "tour du lịch liên kết vùng",
    "thủ tục hành chính liên thông",
    "cơ sở dữ liệu đất đai, quy hoạch",
]
PLACES = [
    "đoạn qua Hà Nội",
    "khu vực giáp ranh Hưng Yên",
    "trên địa bàn Bắc Ninh",
    "khu vực Hòa Lạc - Xuân Mai",
    "lưu vực sông Hồng",
    "tại các huyện phía Nam",
    "vùng Thủ đô",
    "giai đoạn 2026-2030",
]
UPDATES = [
    "Đã họp với các đơn vị liên quan, thống nhất phương án.",
    "Đang hoàn thiện hồ sơ, dự kiến trình trong tháng.",
    "Đã kiểm tra hiện trường, lập biên bản.",
    "Còn vướng mắc về mặt bằng, đề nghị hỗ trợ.",
    "Đã gửi văn bản xin ý kiến các sở, ngành.",
    "Chờ ý kiến của bộ, ngành trung ương.",
]


def _search(code: str, title: str, update: str) -> str:
    # The same as Task.compute_search_text; the free-text index on
    # search_text follows these raw inserts through its triggers (SQLite) or
    # as any index does (PostgreSQL).
    return Task.search_text_of(code, title, update)


class Command(BaseCommand):
    help = "Build a large task data set (scale tests and benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=200_000)
        parser.add_argument("--agencies", type=int, default=120)
        parser.add_argument("--body", default=HANOI_TEAM_KEY)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=20221207)
        parser.add_argument(
            "--reset", action="store_true", help="Delete scale tasks first."
        )

    def log(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.t0:7.1f} s] {message}")
        self.stdout.flush()

    def handle(self, *args, **opts):
        self.t0 = time.monotonic()
        rng = random.Random(opts["seed"])  # noqa: S311 - test data, not secrets  # nosec B311
        today = local_today()
        body = Body.objects.filter(key=opts["body"]).first()
        if body is None:
            body, _ = Body.objects.get_or_create(
                key="thu-tai",
                defaults={
                    "name": "Tổ điều phối (dữ liệu thử tải)",
                    "short_name": "Thử tải",
                    "kind": Body.Kind.TEAM,
                    "valid_from": datetime.date(2015, 1, 1),
                },
            )
        if opts["reset"]:
            self.reset()
        agencies = self.agencies(body, opts["agencies"])
        sectors = list(seed_sectors().values())
        # Raw and bulk writes send no signal: the cached counts and registry
        # options must see them (dieuphoi.tasks.cache).
        stamps.bump(stamps.TASKS, stamps.REGISTRY)
        have = Task.objects.filter(lead_agency__code__startswith=PREFIX).count()
        todo = opts["tasks"] - have
        if todo <= 0:
            self.log(f"{have} scale tasks already there; nothing to add.")
            return
        units = list(AdministrativeUnit.objects.all())
        self.log(f"adding {todo} tasks to {body} ({have} there)")
        next_seq: dict[int, int] = {
            row["year"]: row["m"]
            for row in Task.objects.filter(body=body)
            .values("year")
            .annotate(m=Max("seq"))
            .order_by()
        }
        counts = {"tasks": 0, "parts": 0, "updates": 0, "provinces": 0}
        now = timezone.now()
        self.tables = {
            "task": _Table(Task, now),
            "part": _Table(TaskPart, now),
            "update": _Table(ProgressUpdate, now),
            "link": _Table(Task.provinces.through, now),
        }
        # Ids are given here so that parts, updates and links need no
        # round trip; nothing else writes tasks while this runs.
        self.next_task_id = Task.objects.aggregate(m=Max("id"))["m"] or 0
        done = 0
        while done < todo:
            n = min(opts["batch"], todo - done)
            with transaction.atomic():
                self.batch(
                    rng, body, agencies, sectors, units, today, n, next_seq, counts
                )
            done += n
            if done % (opts["batch"] * 10) == 0 or done == todo:
                self.log(f"{done}/{todo} tasks")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    [Task._meta.db_table, self.next_task_id],
                )
        stamps.bump(stamps.TASKS)
        self.log("analysing tables")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.log(
            "done: {tasks} tasks, {parts} co-operating parts, {updates} progress "
            "updates, {provinces} task-province links".format(**counts)
        )

    def reset(self) -> None:
        """Delete the scale tasks and their rows, in SQL (no per-row cascade)."""
        qn = connection.ops.quote_name
        task_table = qn(Task._meta.db_table)
        agency_table = qn(Agency._meta.db_table)
        scale_ids = (
            f"SELECT t.id FROM {task_table} t JOIN {agency_table} a "  # noqa: S608 - names from model meta  # nosec B608
            "ON a.id = t.lead_agency_id WHERE a.code LIKE %s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (
                ProgressUpdate,
                TaskPart,
                Task.provinces.through,
                DeadlineChange,
            ):
                table = qn(model._meta.db_table)
                cursor.execute(
                    f"DELETE FROM {table} WHERE task_id IN ({scale_ids})",  # noqa: S608 - names from model meta  # nosec B608
                    [PREFIX + "%"],
                )
            cursor.execute(
                f"DELETE FROM {task_table} WHERE id IN ({scale_ids})",  # noqa: S608 - names from model meta  # nosec B608
                [PREFIX + "%"],
            )
            deleted = cursor.rowcount
        self.log(f"reset: {deleted} scale tasks deleted")

    def agencies(self, body: Body, n: int) -> list[Agency]:
        existing = {a.code: a for a in Agency.objects.filter(code__startswith=PREFIX)}
        start = datetime.date(2015, 1, 1)
        new = [
            Agency(
                code=f"{PREFIX}{i:03d}",
                name=f"Đơn vị thử tải số {i:03d}",
                short_name=f"Đơn vị TT {i:03d}",
                kind=Agency.Kind.DEPARTMENT,
                valid_from=start,
            )
            for i in range(1, n + 1)
            if f"{PREFIX}{i:03d}" not in existing
        ]
        Agency.objects.bulk_create(new)
        agencies = list(
            Agency.objects.filter(code__startswith=PREFIX).order_by("code")
        )[:n]
        linked = set(
            BodyAgency.objects.filter(body=body, agency__in=agencies).values_list(
                "agency_id", flat=True
            )
        )
        BodyAgency.objects.bulk_create(
            BodyAgency(
                body=body, agency=a, role=BodyAgency.Role.MEMBER, valid_from=start
            )
            for a in agencies
            if a.pk not in linked
        )
        self.log(f"{len(agencies)} scale agencies ({len(new)} new)")
        return agencies

    def batch(self, rng, body, agencies, sectors, units, today, n, next_seq, counts):
        five_years = 5 * 365
        # Agencies are not equally busy: a few lead many tasks.
        weights = [1 / (i + 1) ** 0.6 for i in range(len(agencies))]
        cum_weights = list(itertools.accumulate(weights))
        valid_units = {}
        tasks, parts, updates, links = [], [], [], []
        for _ in range(n):
            is_open = rng.random() < 0.25
            if is_open:
                # Open tasks are mostly recent, with a tail of old overdue ones.
                age = int(min(rng.expovariate(1 / 120), five_years))
            else:
                age = rng.randint(0, five_years)
            assigned = today - age * DAY
            span = rng.randint(15, 180)
            deadline = None if rng.random() < 0.07 else assigned + span * DAY
            lead = rng.choices(agencies, cum_weights=cum_weights)[0]
            coops = [
                a
                for a in rng.sample(agencies, k=rng.choice((0, 1, 1, 1, 2, 2, 3)))
                if a.pk != lead.pk
            ]
            completed_on = cancelled_on = None
            if is_open:
                state = rng.choices(
                    [S.NEW, S.IN_PROGRESS, S.REPORTED_DONE], weights=[15, 70, 15]
                )[0]
                if state == S.REPORTED_DONE:
                    progress = 100
                elif state == S.NEW:
                    progress = 0
                else:
                    share = age / span
                    progress = min(95, max(5, int(100 * share * rng.uniform(0.3, 1.2))))
            elif rng.random() < 0.04:
                state = S.CANCELLED
                cancelled_on = min(today, assigned + rng.randint(1, span) * DAY)
                progress = rng.randint(0, 60)
            else:
                state = S.COMPLETED
                # Most are done on time; about one in six late.
                late = rng.random() > 0.83
                took = int(span * rng.uniform(0.3, 1.6 if late else 1.0))
                completed_on = min(today, assigned + max(1, took) * DAY)
                progress = 100
            year = assigned.year
            next_seq[year] = next_seq.get(year, 0) + 1
            seq = next_seq[year]
            code = f"NV-{year}-{seq:04d}"
            title = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(PLACES)}"
            # Progress history: about two updates per task.
            end = completed_on or cancelled_on or today
            if state == S.NEW:
                n_updates = 0
            elif is_open:
                n_updates = rng.choice((1, 2, 2, 3))
            else:
                n_updates = 2
            width = max(0, (end - assigned).days)
            days = sorted(
                assigned + rng.randint(0, width) * DAY for _ in range(n_updates)
            )
            if state == S.COMPLETED and days:
                days[-1] = end
            percents = sorted(rng.randint(5, 95) for _ in days)
            if days:
                percents[-1] = progress
            texts = [rng.choice(UPDATES) for _ in days]
            last_text = texts[-1] if texts else ""
            self.next_task_id += 1
            task_id = self.next_task_id
            tasks.append(
                {
                    "id": task_id,
                    "code": code,
                    "year": year,
                    "seq": seq,
                    "title": title,
                    "body_id": body.pk,
                    "assigned_on": assigned,
                    "lead_agency_id": lead.pk,
                    "sector_id": rng.choice(sectors).pk,
                    "is_key": rng.random() < 0.12,
                    "deadline": deadline,
                    "original_deadline": deadline,
                    "state": state,
                    "reported_done_on": end
                    if state in (S.COMPLETED, S.REPORTED_DONE)
                    else None,
                    "completed_on": completed_on,
                    "cancelled_on": cancelled_on,
                    "cancel_reason": "Không còn phù hợp" if cancelled_on else "",
                    "progress": progress,
                    "last_update_on": days[-1] if days else None,
                    "last_update_text": last_text,
                    "search_text": _search(code, title, last_text),
                }
            )
            for agency in coops:
                parts.append(
                    {
                        "task_id": task_id,
                        "agency_id": agency.pk,
                        "description": "Phối hợp thực hiện",
                        "progress": 100 if state == S.COMPLETED else 0,
                    }
                )
            for day, percent, text in zip(days, percents, texts, strict=True):
                updates.append(
                    {
                        "task_id": task_id,
                        "agency_id": lead.pk,
                        "reported_on": day,
                        "percent": percent,
                        "text": text,
                    }
                )
            if assigned not in valid_units:
                valid_units[assigned] = [u.pk for u in units if u.is_valid_on(assigned)]
            valid = valid_units[assigned]
            for unit_id in rng.sample(
                valid, k=min(len(valid), rng.choice((0, 1, 1, 2)))
            ):
                links.append({"task_id": task_id, "administrativeunit_id": unit_id})
        self.tables["task"].insert(tasks)
        self.tables["part"].insert(parts)
        self.tables["update"].insert(updates)
        self.tables["link"].insert(links)
        counts["tasks"] += len(tasks)
        counts["parts"] += len(parts)
        counts["updates"] += len(updates)
        counts["provinces"] += len(links)


class _Table:
    """Plain multi-row INSERTs: the ORM's per-value preparation would dominate
    the run time at a million rows."""

    def __init__(self, model, now):
        self.model = model
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not getattr(f, "generated", False)
            and not (f.primary_key and f.name != "id")
        ]
        self.has_id = any(f.attname == "id" for f in self.fields)
        self.defaults = {}
        for f in self.fields:
            if f.attname in ("created_at", "updated_at", "changed_at"):
                self.defaults[f.attname] = now
            else:
                # "" for non-null text fields, None for nullable ones.
                self.defaults[f.attname] = f.get_default()
        ops = connection.ops
        self.adapters = {}
        for f in self.fields:
            kind = f.get_internal_type()
            if kind == "DateField":
                self.adapters[f.attname] = ops.adapt_datefield_value
            elif kind == "DateTimeField":
                self.adapters[f.attname] = ops.adapt_datetimefield_value

    def insert(self, rows: list[dict], chunk: int = 2000) -> None:
        if not rows:
            return
        names = [f.attname for f in self.fields if self.has_id or f.attname != "id"]
        if "id" in names and "id" not in rows[0]:
            names.remove("id")
        columns = ", ".join(
            connection.ops.quote_name(self.model._meta.get_field(n).column)
            for n in names
        )
        table = connection.ops.quote_name(self.model._meta.db_table)
        one = "(" + ", ".join(["%s"] * len(names)) + ")"
        # SQLite allows 32766 parameters per statement (3.32+).
        per = max(1, min(chunk, 30000 // len(names)))
        defaults = self.defaults
        adapters = self.adapters
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT on PostgreSQL.
            with connection.cursor() as cursor:
                raw = cursor.cursor
                copy_sql = f"COPY {table} ({columns}) FROM STDIN"
                with raw.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(tuple(row.get(n, defaults[n]) for n in names))
            return
        with connection.cursor() as cursor:
            for i in range(0, len(rows), per):
                part = rows[i : i + per]
                params = []
                for row in part:
                    for name in names:
                        value = row.get(name, defaults[name])
                        if value is not None and name in adapters:
                            value = adapters[name](value)
                        params.append(value)
                # Names come from the model's meta; values are parameters.
                values = ", ".join([one] * len(part))
                sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608 - names from model meta  # nosec B608
                cursor.execute(sql, params)
