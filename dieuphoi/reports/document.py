"""What the Báo cáo says: the documents engine's blocks (``paperwork.content``)
built from a report's compiled figures, its agencies' contributions and its
own text, always in Vietnamese (the report goes to the People's Committee).

``report_content(report) -> (blocks, annexes)``:

- I. Results (level 1), then 1. tasks (a) the overall result: sentences with
  the numbers and the table per lead agency; b) key tasks; c) overdue tasks
  with their urgings), 2. proposals, 3. inter-provincial matters, 4. joint
  activities, 5. key projects;
- II. the agencies' reports: each submitted contribution of the report's
  requests, by name, its headings with their text
  (``sections.text_to_blocks``);
- III. difficulties and obstacles; IV. recommendations (the report's text).

Numbers are formatted the Vietnamese way (``tasks.rates.format_count``,
``format_percent``: ``1.234``, ``86,21%``), dates ``dd/mm/yyyy``; a rate is
always given with the count it is taken over. A table of more than
``ANNEX_ROWS`` rows goes to an annex (landscape when it has more than
``LANDSCAPE_COLUMNS`` columns) and the body refers to it.
"""

from __future__ import annotations

import datetime

from django.utils import translation
from django.utils.translation import gettext

from dieuphoi.paperwork import content as c
from dieuphoi.tasks import buckets
from dieuphoi.tasks.rates import format_count, format_percent, percent

ANNEX_ROWS = 30
LANDSCAPE_COLUMNS = 6


def _n(value: int) -> str:
    return format_count(int(value or 0))


def _rate(numerator: int, denominator: int) -> str:
    return format_percent(percent(numerator, denominator))


def _dmy(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.date.fromisoformat(iso).strftime("%d/%m/%Y")


def _roman(n: int) -> str:
    """Annex numbers: I, II, III…"""
    out = ""
    for value, letters in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


class _Builder:
    """Blocks of the body, and the annexes the large tables go to."""

    def __init__(self) -> None:
        self.blocks: list = []
        self.annexes: list[c.Annex] = []

    def heading(self, text: str, level: int) -> None:
        # Level 1 (I., II.) is written in capitals, as the Decree 30 samples.
        text = text.upper() if level == 1 else text
        self.blocks.append(c.Heading(text=text, level=level))

    def para(self, text: str, **kw) -> None:
        if text:
            self.blocks.append(c.Paragraph(text=text, **kw))

    def table(self, title: str, table: c.Table) -> None:
        """In the body, or in a new annex when it is long."""
        if len(table.rows) <= ANNEX_ROWS:
            self.blocks.append(table)
            return
        number = len(self.annexes) + 1
        name = gettext("Annex %(number)s") % {"number": _roman(number)}
        self.annexes.append(
            c.Annex(
                title=name,
                subtitle=title.upper(),
                blocks=(table,),
                landscape=len(table.columns) > LANDSCAPE_COLUMNS,
            )
        )
        self.para(
            gettext("(Details in %(annex)s attached.)") % {"annex": name},
            italic=True,
        )


# --- I. results ---------------------------------------------------------------------


def _agency_table(t: dict) -> c.Table:
    rows = []
    for i, row in enumerate(t["counts"]["by_agency"], 1):
        rows.append(_agency_cells(str(i), row["name"], row))
    totals = t["counts"]["totals"]
    rows.append(_agency_cells("", gettext("Total"), totals))
    return c.Table(
        columns=(
            gettext("No."),
            gettext("Lead agency"),
            gettext("Tasks assigned"),
            str(buckets.bucket_label(buckets.COMPLETED_ON_TIME)),
            str(buckets.bucket_label(buckets.COMPLETED_LATE)),
            str(buckets.bucket_label(buckets.IN_PROGRESS_WITHIN_DEADLINE)),
            str(buckets.bucket_label(buckets.OVERDUE)),
            gettext("On time, of completed"),
        ),
        rows=tuple(rows),
        widths=(0.6, 3.2, 1, 1.2, 1.2, 1.2, 1.2, 1.4),
        center=(0, 2, 3, 4, 5, 6, 7),
    )


def _agency_cells(number: str, name: str, row: dict) -> c.TableRow:
    completed = row[buckets.COMPLETED_ON_TIME] + row[buckets.COMPLETED_LATE]
    return c.TableRow(
        cells=(
            number,
            name,
            _n(row["total"]),
            _n(row[buckets.COMPLETED_ON_TIME]),
            _n(row[buckets.COMPLETED_LATE]),
            _n(row[buckets.IN_PROGRESS_WITHIN_DEADLINE]),
            _n(row[buckets.OVERDUE]),
            _rate(row[buckets.COMPLETED_ON_TIME], completed),
        )
    )


def _task_sentences(t: dict, end: str) -> list[str]:
    totals = t["counts"]["totals"]
    completed = totals[buckets.COMPLETED_ON_TIME] + totals[buckets.COMPLETED_LATE]
    out = [
        gettext(
            "In the period, the Coordination Team assigned %(assigned)s tasks; "
            "%(completed)s tasks have been completed, of which %(on_time)s on "
            "time (%(rate)s of the tasks completed) and %(late)s late; "
            "%(within)s tasks are in progress within their deadline and "
            "%(overdue)s tasks are overdue (as of %(end)s)."
        )
        % {
            "assigned": _n(totals["total"]),
            "completed": _n(completed),
            "on_time": _n(totals[buckets.COMPLETED_ON_TIME]),
            "rate": _rate(totals[buckets.COMPLETED_ON_TIME], completed),
            "late": _n(totals[buckets.COMPLETED_LATE]),
            "within": _n(totals[buckets.IN_PROGRESS_WITHIN_DEADLINE]),
            "overdue": _n(totals[buckets.OVERDUE]),
            "end": end,
        }
    ]
    due = completed + totals[buckets.OVERDUE]
    if due:
        out.append(
            gettext(
                "Of the %(due)s tasks that have fallen due, %(completed)s have "
                "been completed (%(rate)s)."
            )
            % {
                "due": _n(due),
                "completed": _n(completed),
                "rate": _rate(completed, due),
            }
        )
    if t["cancelled"]["count"]:
        out.append(
            gettext(
                "%(n)s tasks assigned in the period were cancelled and are not counted."
            )
            % {"n": _n(t["cancelled"]["count"])}
        )
    done = t["completed"]
    out.append(
        gettext(
            "Counting the tasks assigned in earlier periods, %(count)s tasks were "
            "completed in the period: %(on_time)s on time (%(rate)s) and "
            "%(late)s late."
        )
        % {
            "count": _n(done["count"]),
            "on_time": _n(done["on_time"]),
            "rate": _rate(done["on_time"], done["count"]),
            "late": _n(done["late"]),
        }
    )
    ext = t["extensions"]
    if ext["count"]:
        out.append(
            gettext(
                "The Team approved %(count)s requests to extend the deadline of "
                "%(tasks)s tasks."
            )
            % {"count": _n(ext["count"]), "tasks": _n(ext["tasks"])}
        )
    return out


def _more(total: int, shown: int) -> str:
    if total <= shown:
        return ""
    return gettext(
        "(The %(shown)s rows above of %(total)s; the full list is in the system.)"
    ) % {"shown": _n(shown), "total": _n(total)}


def _tasks_part(b: _Builder, t: dict, end: str) -> None:
    b.heading(gettext("Carrying out the tasks assigned"), 2)
    b.heading(gettext("Overall result"), 3)
    for sentence in _task_sentences(t, end):
        b.para(sentence)
    if t["counts"]["by_agency"]:
        b.para(gettext("Results by lead agency:"))
        b.table(gettext("Results by lead agency"), _agency_table(t))

    key = t["key"]
    b.heading(gettext("Key tasks"), 3)
    if not key["count"]:
        b.para(gettext("No key task was assigned in the period."))
    else:
        b.para(
            gettext("%(n)s key tasks were assigned in the period:")
            % {"n": _n(key["count"])}
        )
        rows = tuple(
            c.TableRow(
                cells=(
                    str(i),
                    row["code"],
                    row["title"],
                    row["lead"],
                    _dmy(row["deadline"]) or gettext("No deadline"),
                    str(buckets.bucket_label(row["bucket"])),
                )
            )
            for i, row in enumerate(key["rows"], 1)
        )
        b.table(
            gettext("Key tasks"),
            c.Table(
                columns=(
                    gettext("No."),
                    gettext("Code"),
                    gettext("Task"),
                    gettext("Lead agency"),
                    gettext("Deadline"),
                    gettext("Status"),
                ),
                rows=rows,
                widths=(0.6, 2.3, 4, 2.2, 1.7, 1.8),
                center=(0, 4),
            ),
        )
        b.para(_more(key["count"], len(key["rows"])), italic=True)

    over = t["overdue"]
    b.heading(gettext("Overdue tasks and urging"), 3)
    if not over["count"]:
        b.para(gettext("As of %(end)s no task is overdue.") % {"end": end})
        return
    b.para(
        gettext(
            "As of %(end)s, %(count)s tasks are overdue (including tasks "
            "assigned in earlier periods); the Team urged %(urged)s of them, "
            "%(urgings)s urgings in all, and reported %(escalated)s to the "
            "leadership after repeated urging."
        )
        % {
            "end": end,
            "count": _n(over["count"]),
            "urged": _n(over["urged"]),
            "urgings": _n(over["urgings"]),
            "escalated": _n(over["escalated"]),
        }
    )
    yes, no = gettext("Yes"), ""
    rows = tuple(
        c.TableRow(
            cells=(
                str(i),
                row["code"],
                row["title"],
                row["lead"],
                _dmy(row["deadline"]),
                _n(row["urgings"]),
                yes if row["escalated"] else no,
            )
        )
        for i, row in enumerate(over["rows"], 1)
    )
    b.table(
        gettext("Overdue tasks"),
        c.Table(
            columns=(
                gettext("No."),
                gettext("Code"),
                gettext("Task"),
                gettext("Lead agency"),
                gettext("Deadline"),
                gettext("Urgings"),
                gettext("Reported to the leadership"),
            ),
            rows=rows,
            widths=(0.6, 2.3, 4, 2.2, 1.7, 1.1, 1.4),
            center=(0, 4, 5, 6),
        ),
    )
    b.para(_more(over["count"], len(over["rows"])), italic=True)


def _proposals_part(b: _Builder, p: dict, end: str) -> None:
    from dieuphoi.proposals.models import Proposal

    b.heading(gettext("Proposals of mechanisms, policies and projects"), 2)
    if not p["total"]:
        b.para(
            gettext("The Team had no proposal in progress as of %(end)s.")
            % {"end": end}
        )
    else:
        parts = "; ".join(
            gettext("%(state)s: %(n)s")
            % {
                "state": str(Proposal.State(row["state"]).label)
                if row["state"] in Proposal.State.values
                else row["state"],
                "n": _n(row["count"]),
            }
            for row in p["by_state"]
        )
        b.para(
            gettext("As of %(end)s the Team follows %(n)s proposals (%(parts)s).")
            % {"end": end, "n": _n(p["total"]), "parts": parts}
        )
    r, a = p["rounds"], p["answers"]
    if r["opened"] or r["closed"] or r["open_at_end"]:
        b.para(
            gettext(
                "In the period %(opened)s consultation rounds were opened and "
                "%(closed)s closed; %(open)s were still open as of %(end)s. The "
                "rounds opened in the period asked %(asked)s parties: %(answered)s "
                "answered (%(on_time)s on time, %(rate)s of the parties asked), "
                "%(silent)s gave no "
                "comment by the close and %(pending)s have not answered yet."
            )
            % {
                "opened": _n(r["opened"]),
                "closed": _n(r["closed"]),
                "open": _n(r["open_at_end"]),
                "end": end,
                "asked": _n(a["asked"]),
                "answered": _n(a["answered"]),
                "on_time": _n(a["on_time"]),
                "rate": _rate(a["on_time"], a["asked"]),
                "silent": _n(a["silent"]),
                "pending": _n(a["pending"]),
            }
        )


def _matters_part(b: _Builder, m: dict, end: str) -> None:
    b.heading(gettext("Inter-provincial matters"), 2)
    b.para(
        gettext(
            "In the period %(opened)s inter-provincial matters were raised; "
            "%(resolved)s were resolved and %(escalated)s escalated to the "
            "Coordination Council; as of %(end)s the Team follows %(open)s "
            "open matters."
        )
        % {
            "opened": _n(m["opened"]["count"]),
            "resolved": _n(m["resolved"]["count"]),
            "escalated": _n(m["escalated"]["count"]),
            "open": _n(m["open_at_end"]["count"]),
            "end": end,
        }
    )
    if m["open_at_end"]["rows"]:
        rows = tuple(
            c.TableRow(cells=(str(i), row["code"], row["title"]))
            for i, row in enumerate(m["open_at_end"]["rows"], 1)
        )
        b.table(
            gettext("Open inter-provincial matters"),
            c.Table(
                columns=(gettext("No."), gettext("Code"), gettext("Matter")),
                rows=rows,
                widths=(0.6, 1.8, 8),
                center=(0,),
            ),
        )


def _activities_part(b: _Builder, a: dict) -> None:
    from dieuphoi.activities.models import Activity

    b.heading(gettext("Joint activities"), 2)
    held = a["held"]
    if not held["count"]:
        b.para(gettext("No joint activity was held in the period."))
    else:
        kinds = "; ".join(
            gettext("%(kind)s: %(n)s")
            % {
                "kind": str(Activity.Kind(row["kind"]).label)
                if row["kind"] in Activity.Kind.values
                else row["kind"],
                "n": _n(row["count"]),
            }
            for row in held["by_kind"]
        )
        b.para(
            gettext("In the period the Team held %(n)s activities (%(kinds)s).")
            % {"n": _n(held["count"]), "kinds": kinds}
        )
    con, follow = a["conclusions"], a["follow_up"]
    if con["count"] or follow["total"]:
        b.para(
            gettext(
                "They concluded %(count)s points, %(converted)s of which were "
                "turned into tasks. Of the %(total)s tasks assigned in the period "
                "to carry out conclusions, %(done)s have been completed and "
                "%(overdue)s are overdue."
            )
            % {
                "count": _n(con["count"]),
                "converted": _n(con["converted"]),
                "total": _n(follow["total"]),
                "done": _n(
                    follow[buckets.COMPLETED_ON_TIME] + follow[buckets.COMPLETED_LATE]
                ),
                "overdue": _n(follow[buckets.OVERDUE]),
            }
        )


def _keyprojects_part(b: _Builder, k: dict) -> None:
    b.heading(gettext("Key projects"), 2)
    if not k["due"]:
        b.para(gettext("No key-project milestone fell due in the period."))
        return
    b.para(
        gettext(
            "%(due)s milestones of the key projects fell due in the period: "
            "%(on_time)s were met on time, %(late)s late and %(not_met)s are "
            "not met yet."
        )
        % {
            "due": _n(k["due"]),
            "on_time": _n(k["on_time"]),
            "late": _n(k["late"]),
            "not_met": _n(k["not_met"]),
        }
    )
    labels = {
        "on_time": gettext("Met on time"),
        "late": gettext("Met late"),
        "not_met": gettext("Not met"),
    }
    rows = tuple(
        c.TableRow(
            cells=(
                str(i),
                row["project"],
                row["name"],
                row["agency"],
                _dmy(row["planned_on"]),
                _dmy(row["actual_on"]),
                labels.get(row["status"], row["status"]),
            )
        )
        for i, row in enumerate(k["rows"], 1)
    )
    b.table(
        gettext("Key-project milestones due in the period"),
        c.Table(
            columns=(
                gettext("No."),
                gettext("Project"),
                gettext("Milestone"),
                gettext("Responsible agency"),
                gettext("Planned"),
                gettext("Done on"),
                gettext("Status"),
            ),
            rows=rows,
            widths=(0.6, 2.6, 2.6, 2.2, 1.3, 1.3, 1.4),
            center=(0, 4, 5),
        ),
    )


# --- II-IV ----------------------------------------------------------------------------


def _text_blocks(text: str) -> list:
    from .sections import text_to_blocks

    return text_to_blocks(text or "")


def _contributions_part(b: _Builder, report) -> None:
    from .models import Contribution

    b.heading(gettext("Reports of the agencies"), 1)
    contributions = list(
        Contribution.objects.filter(
            request__report=report, state=Contribution.State.SUBMITTED
        )
        .select_related("request")
        .order_by("name", "id")
    )
    if not contributions:
        b.para(gettext("No agency has submitted its report."))
        return
    for contribution in contributions:
        b.heading(contribution.name, 2)
        wrote = False
        for heading in contribution.request.headings or []:
            text = (contribution.sections or {}).get(heading.get("key", ""), "")
            blocks = _text_blocks(text)
            if not blocks:
                continue
            b.heading(heading.get("title") or heading.get("key", ""), 3)
            b.blocks.extend(blocks)
            wrote = True
        if not wrote:
            b.para(gettext("(Nothing written.)"), italic=True)


def _text_part(b: _Builder, title: str, text: str) -> None:
    b.heading(title, 1)
    blocks = _text_blocks(text)
    if blocks:
        b.blocks.extend(blocks)
    else:
        b.para(gettext("None."))


def report_content(report) -> tuple[list, list]:
    """``(blocks, annexes)`` of the Báo cáo of ``report`` (compiled)."""
    figures = report.figures or {}
    with translation.override("vi"):
        b = _Builder()
        end = _dmy(figures.get("end")) or report.end.strftime("%d/%m/%Y")
        start = _dmy(figures.get("start")) or report.start.strftime("%d/%m/%Y")
        b.heading(gettext("Results"), 1)
        b.para(
            gettext(
                "The figures below are taken from the coordination system for the "
                "period from %(start)s to %(end)s, as of %(end)s."
            )
            % {"start": start, "end": end},
            italic=True,
        )
        if "tasks" in figures:
            _tasks_part(b, figures["tasks"], end)
        if "proposals" in figures:
            _proposals_part(b, figures["proposals"], end)
        if "matters" in figures:
            _matters_part(b, figures["matters"], end)
        if "activities" in figures:
            _activities_part(b, figures["activities"])
        if "keyprojects" in figures:
            _keyprojects_part(b, figures["keyprojects"])
        _contributions_part(b, report)
        _text_part(b, gettext("Difficulties and obstacles"), report.difficulties)
        _text_part(b, gettext("Recommendations and proposals"), report.recommendations)
        return b.blocks, b.annexes
