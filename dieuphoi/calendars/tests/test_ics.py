"""The plain ICS writer gives what icalendar's gives, valid RFC 5545."""

import datetime

from django.utils import timezone
from icalendar import Calendar

from dieuphoi.calendars import ics
from dieuphoi.calendars.events import CalendarEvent


def sample():
    now = timezone.now().replace(microsecond=0)
    day = datetime.date(2026, 12, 1)
    return [
        CalendarEvent(
            uid=f"task-{i}-deadline@example.vn",
            kind="tasks.deadline",
            title="Hạn nhiệm vụ: rà soát; kết nối, giao thông \\ vùng " + "ệ" * i,
            start=day + datetime.timedelta(days=i),
            url=f"/tasks/{i}/",
            description="Đơn vị chủ trì: Sở Xây dựng.\nĐơn vị phối hợp: x, y" * (i % 3),
            sequence=i % 3,
            location="Hà Nội, phòng 2" if i % 2 else "",
            last_modified=now if i % 2 else None,
        )
        for i in range(40)
    ] + [
        CalendarEvent(
            uid=f"activity-{i}@example.vn",
            kind="activities.activity",
            title="Họp Tổ điều phối " + "ư" * (i * 3),
            start=now + datetime.timedelta(hours=i),
            end=now + datetime.timedelta(hours=i + 2),
            status="CANCELLED" if i % 4 == 0 else "CONFIRMED",
        )
        for i in range(40)
    ]


def icalendar_bytes(events, name, base_url):
    cal = Calendar()
    cal.add("prodid", ics.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for event in events:
        cal.add_component(ics.to_vevent(event, base_url=base_url, stamp=stamp))
    return cal.to_ical()


def test_plain_writer_matches_icalendar():
    events = sample()
    name = "Lịch của Nguyễn Văn A, TĐP Hà Nội"
    fast = ics.calendar_bytes(events, name=name, base_url="https://dieuphoi.example.vn")
    for line in fast.split(b"\r\n"):
        assert len(line) <= 75
    assert fast.endswith(b"END:VCALENDAR\r\n")
    ours = Calendar.from_ical(fast)
    theirs = Calendar.from_ical(
        icalendar_bytes(events, name, "https://dieuphoi.example.vn")
    )
    for prop in ("VERSION", "PRODID", "METHOD", "X-WR-CALNAME"):
        assert str(ours[prop]) == str(theirs[prop])
    a, b = ours.walk("VEVENT"), theirs.walk("VEVENT")
    assert len(a) == len(b) == len(events)
    for x, y in zip(a, b, strict=True):
        assert set(x) == set(y)
        for key in x:
            if key != "DTSTAMP":
                assert x.decoded(key) == y.decoded(key), key
        assert x.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)


def test_invitations_still_use_icalendar_with_attendees():
    event = sample()[-1]
    data = ics.calendar_bytes(
        [event],
        method="REQUEST",
        organizer=("thuky@example.vn", "Thư ký"),
        attendees=[("a@example.vn", "Nguyễn Văn A")],
    )
    (vevent,) = Calendar.from_ical(data).walk("VEVENT")
    assert "mailto:a@example.vn" in str(vevent["ATTENDEE"])
    assert str(Calendar.from_ical(data)["METHOD"]) == "REQUEST"
