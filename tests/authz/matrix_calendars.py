"""The authorization matrix's rows for calendars (see ``matrix.py``).

The pages show each role the events it may see (an outsider's calendar is
empty, not refused). Feeds belong to their owner: another user's feed is
404. The ICS endpoint needs no login: the secret in the URL is the key, so
every role, the anonymous included, gets the feed of a valid secret and 404
for a revoked one (``world_calendars``: ``feedsecret.*`` are secrets).
"""

from __future__ import annotations

from .matrix import OK, A, E, Row

ROWS: list[Row] = [
    Row("calendars:month", "GET", E(OK), note="own events only"),
    Row("calendars:week", "GET", E(OK), note="own events only"),
    Row("calendars:agenda", "GET", E(OK), note="own events only"),
    Row("calendars:feeds", "GET", E(OK), note="own feeds only"),
    Row("calendars:feed-create", "POST", E(OK), note="a personal feed"),
    Row(
        "calendars:feed-revoke",
        "POST",
        E(404, (("member",), OK)),
        {"pk": "feed.own"},
        "the member's feed: 404 to everyone else",
    ),
    Row(
        "calendars:feed-regenerate",
        "POST",
        E(404, (("member",), OK)),
        {"pk": "feed.own"},
        "the member's feed: 404 to everyone else",
    ),
    Row(
        "calendars:feed",
        "GET",
        E(OK, anonymous=OK),
        {"secret": "feedsecret.own"},
        "a valid secret: no login needed",
    ),
    Row(
        "calendars:feed",
        "GET",
        E(404, anonymous=404),
        {"secret": "feedsecret.revoked"},
        "a revoked secret",
    ),
    Row(
        "calendars:feed",
        "GET",
        E(404, anonymous=404),
        {"secret": "feedsecret.seat_ended"},
        "a body feed whose owner left the body",
    ),
    Row(
        "GET /api/v1/calendar/events",
        "GET",
        A(OK),
        note="own events only",
        data={"start": "2026-01-01", "end": "2026-03-01"},
    ),
]
BODIES: dict = {}
