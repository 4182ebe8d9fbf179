"""What an urging letter says, independent of the file format.

``LetterContent`` holds the letter's own text (the opening, the table of
tasks, the closing); ``generation.letter_blocks`` turns it into the blocks of an
official document, which ``dieuphoi.paperwork`` lays out in the Decree
30/2020/NĐ-CP form, so the two files never disagree.

The wording is Vietnamese and is not translated: an official document of a
Vietnamese state body is issued in Vietnamese whatever the language of the
user's screen (Decree 30/2020), so these strings are data, like the names of
agencies, not interface text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

# The date, number and recipient formats of Decree 30/2020, kept once by the
# documents engine.
from dieuphoi.paperwork.content import (  # noqa: F401 (re-exported)
    dmy,
    document_number,
    place_date_line,
    recipient_lines,
)

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SUBJECT = "V/v đôn đốc thực hiện nhiệm vụ quá hạn"
DOCUMENT_SUMMARY = "Đôn đốc thực hiện nhiệm vụ quá hạn"
AS_ADDRESSED = "Như trên"
RECIPIENTS_HEADING = "Nơi nhận:"
ADDRESSEE_HEADING = "Kính gửi:"
COLUMNS = (
    "STT",
    "Mã nhiệm vụ",
    "Nội dung nhiệm vụ",
    "Văn bản giao",
    "Thời hạn",
    "Số ngày làm việc quá hạn",
    "Số lần đôn đốc",
    "Tiến độ, kết quả gần nhất",
)
# Relative column widths (millimetres of the 165 mm text width of an A4
# page with 30 mm and 15 mm side margins).
COLUMN_WIDTHS_MM = (9, 25, 39, 22, 20, 11, 11, 28)
# Hanoi practice: a task still overdue after 3 urgings goes to the city
# leadership's next meeting (domain.md §3); the letter states the threshold
# the system applies (``ESCALATE_AFTER_URGINGS``), this by default.
ESCALATION_URGINGS = 3


@dataclass(frozen=True)
class LetterRow:
    position: int
    code: str
    title: str
    source: str
    deadline: datetime.date
    # Set when the deadline was extended: the deadline first given.
    original_deadline: datetime.date | None
    days_overdue: int
    urge_count: int
    progress: str
    task_id: int | None = None

    @property
    def deadline_text(self) -> str:
        if self.original_deadline and self.original_deadline != self.deadline:
            return f"{dmy(self.deadline)}\n(ban đầu: {dmy(self.original_deadline)})"
        return dmy(self.deadline)

    def cells(self) -> tuple[str, ...]:
        return (
            str(self.position),
            self.code,
            self.title,
            self.source,
            self.deadline_text,
            str(self.days_overdue),
            str(self.urge_count),
            self.progress,
        )


@dataclass(frozen=True)
class LetterGroup:
    """The rows of one lead agency; ``heading`` is printed when there are several."""

    agency_name: str
    rows: list[LetterRow]


@dataclass
class LetterContent:
    governing_body: str
    issuer_lines: list[str]
    reference: str  # "05/TĐP"
    place_date: str
    addressees: list[str]
    opening: list[str]
    closing: list[str]
    groups: list[LetterGroup]
    recipients: list[str]
    signer_authority: str
    signer_title: str
    signer_name: str
    subject: str = SUBJECT
    national_title: str = NATIONAL_TITLE
    motto: str = MOTTO
    addressee_heading: str = ADDRESSEE_HEADING
    recipients_heading: str = RECIPIENTS_HEADING
    columns: tuple[str, ...] = COLUMNS
    column_widths_mm: tuple[int, ...] = COLUMN_WIDTHS_MM
    meta: dict = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)

    @property
    def grouped(self) -> bool:
        return len(self.groups) > 1


def _agency_phrase(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "các cơ quan, đơn vị"


def build_content(
    *,
    governing_body: str,
    issuer_line: str,
    issuer_short_name: str,
    reference: str,
    place: str,
    on: datetime.date,
    reply_by: datetime.date,
    groups: list[LetterGroup],
    other_recipients: Iterable[str],
    archive_line: str,
    signer_authority: str,
    signer_title: str,
    signer_name: str,
    escalate_after: int = ESCALATION_URGINGS,
) -> LetterContent:
    """The letter's text around the table of ``groups``."""
    names = [group.agency_name for group in groups]
    phrase = _agency_phrase(names)
    count = sum(len(group.rows) for group in groups)
    issuer = issuer_short_name
    opening = [
        f"Thực hiện nhiệm vụ theo dõi, đôn đốc việc thực hiện các nhiệm vụ được "
        f"giao, {issuer} đã rà soát tình hình thực hiện nhiệm vụ của các cơ quan, "
        f"đơn vị. Tính đến ngày {dmy(on)}, {phrase} còn {count:02d} nhiệm vụ đã "
        f"quá thời hạn nhưng chưa hoàn thành, cụ thể như sau:"
    ]
    closing = [
        f"Để bảo đảm tiến độ chung, {issuer} đề nghị {phrase} khẩn trương chỉ "
        f"đạo, tổ chức hoàn thành các nhiệm vụ nêu trên; báo cáo kết quả thực "
        f"hiện, giải trình rõ nguyên nhân chậm trễ và thời hạn hoàn thành, gửi "
        f"về {issuer} trước ngày {dmy(reply_by)}. Trường hợp cần điều chỉnh thời "
        f"hạn, đề nghị có văn bản nêu rõ lý do gửi {issuer} xem xét, quyết định.",
        f"Các nhiệm vụ đã được đôn đốc từ {escalate_after:02d} lần trở lên mà "
        f"vẫn chưa hoàn thành sẽ được tổng hợp, báo cáo Lãnh đạo Thành phố tại "
        f"cuộc họp gần nhất.",
        f"{issuer} đề nghị {phrase} quan tâm, thực hiện./.",
    ]
    if escalate_after <= 0:
        # No escalation configured: the letter promises none.
        del closing[1]
    recipients = recipient_lines(
        [AS_ADDRESSED, *other_recipients, *([archive_line] if archive_line else [])]
    )
    return LetterContent(
        governing_body=governing_body.upper(),
        issuer_lines=[
            line.strip().upper() for line in issuer_line.splitlines() if line.strip()
        ],
        reference=reference,
        place_date=place_date_line(place, on),
        addressees=names,
        opening=opening,
        closing=closing,
        groups=groups,
        recipients=recipients,
        signer_authority=signer_authority.upper(),
        signer_title=signer_title.upper(),
        signer_name=signer_name,
    )
