"""Pages of the calendar (thin: selectors, services).

| URL name | who |
|---|---|
| ``month``, ``week``, ``agenda`` | anyone signed in: the events they may see (none for an outsider) |
| ``feeds`` | anyone signed in: their own feeds |
| ``feed-create`` | anyone signed in; a body's feed only with a seat in it (403) |
| ``feed-revoke``, ``feed-regenerate`` | the feed's owner (404 for anyone else) |
| ``feed`` | no login: the secret in the URL is the key (404 unknown/revoked) |

Bad navigation or filter parameters show a message and no events (never a
500). The number of queries does not grow with the number of events.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from dieuphoi.core.htmx import render_page
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import Choices
from dieuphoi.tasks.permissions import user_seats

from . import ics, selectors, services
from .events import events_between
from .models import FeedToken
from .selectors import DAY, CalendarFilters

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 365


def _url(name: str, pairs: list[tuple[str, str]]) -> str:
    base = reverse(name)
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _body_options(user) -> list[tuple[str, str]]:
    # The seats first: one query fills both role caches the sources use.
    user_seats(user)
    ids = org_perms.visible_body_ids(user)
    qs = Body.objects.order_by("name")
    if ids is not None:
        qs = qs.filter(pk__in=sorted(ids))
    return [(str(pk), name) for pk, name in qs.values_list("pk", "name")]


def _error_items(errors: dict) -> list[tuple[str, str]]:
    labels = {
        "month": gettext("Month"),
        "week": gettext("Week"),
        "start": gettext("From"),
        "end": gettext("To"),
        "body": gettext("Coordination body"),
        "agency": gettext("Agency"),
        "kind": gettext("Kinds of event"),
    }
    return [(labels.get(name, name), message) for name, message in errors.items()]


def _context(request, view: str, filters: CalendarFilters, errors: dict) -> dict:
    kinds = selectors.kind_labels()
    selected_kinds = filters.kinds or set()
    return {
        "view": view,
        "filters": filters,
        "errors": errors,
        "error_items": _error_items(errors),
        "body_options": _body_options(request.user),
        "agency_options": Choices().agency_options(),
        "selected_bodies": {str(i) for i in filters.body_ids or ()},
        "selected_agencies": {str(i) for i in filters.agency_ids or ()},
        "kinds": [
            {
                "key": key,
                "label": label,
                "css": selectors.kind_css(key),
                "checked": key in selected_kinds,
            }
            for key, label in kinds.items()
        ],
        "filter_params": urlencode(filters.to_params()),
        "today": timezone.localdate(),
    }


def _nav(view: str, filters: CalendarFilters, **links) -> dict:
    pairs = filters.to_params()
    return {
        key: _url(f"calendars:{view}", [*value, *pairs]) for key, value in links.items()
    }


def _tabs(filters: CalendarFilters) -> dict:
    pairs = filters.to_params()
    return {
        "month_url": _url("calendars:month", pairs),
        "week_url": _url("calendars:week", pairs),
        "agenda_url": _url("calendars:agenda", pairs),
    }


@login_required
@require_GET
def month(request):
    filters, errors = selectors.parse_filters(request.GET)
    today = timezone.localdate()
    first = today.replace(day=1)
    if request.GET.get("month"):
        try:
            first = selectors.parse_month(request.GET["month"])
        except ValueError:
            errors["month"] = gettext(
                "Enter the month as YYYY-MM, for example 2026-12."
            )
    context = _context(request, "month", filters, errors)
    context.update(_tabs(filters))
    context["first"] = first
    context["grid"] = (
        None
        if errors
        else selectors.month_grid(user=request.user, first=first, filters=filters)
    )
    context.update(
        _nav(
            "month",
            filters,
            prev_url=[
                ("month", selectors.month_param(selectors.add_months(first, -1)))
            ],
            next_url=[("month", selectors.month_param(selectors.add_months(first, 1)))],
            today_url=[],
        )
    )
    context["weekdays"] = weekday_names()
    return render_page(request, "calendars/month.html", context)


@login_required
@require_GET
def week(request):
    filters, errors = selectors.parse_filters(request.GET)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    if request.GET.get("week"):
        try:
            monday = selectors.parse_week(request.GET["week"])
        except ValueError:
            errors["week"] = gettext(
                "Enter the week as YYYY-Www, for example 2026-W49."
            )
    context = _context(request, "week", filters, errors)
    context.update(_tabs(filters))
    context["monday"] = monday
    context["sunday"] = monday + datetime.timedelta(days=6)
    context["week_number"] = monday.isocalendar()[1]
    context["week_value"] = selectors.week_param(monday)
    context["grid"] = (
        None
        if errors
        else selectors.week_grid(user=request.user, monday=monday, filters=filters)
    )
    week_delta = datetime.timedelta(days=7)
    context.update(
        _nav(
            "week",
            filters,
            prev_url=[("week", selectors.week_param(monday - week_delta))],
            next_url=[("week", selectors.week_param(monday + week_delta))],
            today_url=[],
        )
    )
    context["weekdays"] = weekday_names()
    return render_page(request, "calendars/week.html", context)


@login_required
@require_GET
def agenda(request):
    """``start`` and ``end`` (inclusive, dd/mm/yyyy or YYYY-MM-DD): by
    default the next 30 days from today."""
    filters, errors = selectors.parse_filters(request.GET)
    start = timezone.localdate()
    if request.GET.get("start"):
        try:
            start = selectors.parse_day(request.GET["start"])
        except ValueError:
            errors["start"] = gettext("Enter a date as dd/mm/yyyy.")
    last = start + datetime.timedelta(days=selectors.AGENDA_DAYS - 1)
    if request.GET.get("end"):
        try:
            last = selectors.parse_day(request.GET["end"])
        except ValueError:
            errors["end"] = gettext("Enter a date as dd/mm/yyyy.")
    if not errors:
        problem = selectors.range_error(start, last + DAY)
        if problem:
            errors["end"] = problem
    context = _context(request, "agenda", filters, errors)
    context.update(_tabs(filters))
    context["start"], context["last"] = start, last
    context["days"] = (
        None
        if errors
        else selectors.agenda_days(
            user=request.user, start=start, end=last + DAY, filters=filters
        )
    )
    span = (last - start).days + 1 if last >= start else selectors.AGENDA_DAYS
    step = datetime.timedelta(days=span)

    def iso(day):
        return day.isoformat()

    context.update(
        _nav(
            "agenda",
            filters,
            prev_url=[("start", iso(start - step)), ("end", iso(last - step))],
            next_url=[("start", iso(start + step)), ("end", iso(last + step))],
            today_url=[],
        )
    )
    context["start_text"] = request.GET.get("start", "") if errors else ""
    context["end_text"] = request.GET.get("end", "") if errors else ""
    return render_page(request, "calendars/agenda.html", context)


def weekday_names() -> list[str]:
    """Monday first, in the active language (Django's own: "Thứ 2"...)."""
    return [str(WEEKDAYS[i]) for i in range(7)]


# --- feeds -------------------------------------------------------------------------


def _feeds_context(request, **extra) -> dict:
    user = request.user
    seat_ids = services.seat_body_ids(user)
    bodies = list(Body.objects.filter(pk__in=sorted(seat_ids)).order_by("name"))
    feeds = list(
        FeedToken.objects.filter(owner=user, revoked_at__isnull=True).select_related(
            "body"
        )
    )
    for feed in feeds:
        feed.body_lost = feed.body_id is not None and feed.body_id not in seat_ids
    context = {
        "feeds": feeds,
        "bodies": bodies,
        "name_max": services.NAME_MAX,
        "past_days": FEED_PAST_DAYS,
        "future_days": FEED_FUTURE_DAYS,
        **_tabs(CalendarFilters()),
        "view": "feeds",
    }
    context.update(extra)
    return context


def feed_url(request, raw: str) -> str:
    path = reverse("calendars:feed", args=[raw])
    return (
        settings.SITE_URL + path
        if settings.SITE_URL
        else request.build_absolute_uri(path)
    )


@login_required
@require_GET
def feeds(request):
    return render_page(request, "calendars/feeds.html", _feeds_context(request))


def _show_new(request, feed: FeedToken, raw: str, message: str):
    context = _feeds_context(
        request,
        new_feed=feed,
        new_url=feed_url(request, raw),
        new_webcal=feed_url(request, raw)
        .replace("https://", "webcal://", 1)
        .replace("http://", "webcal://", 1),
    )
    messages.success(request, message)
    response = render_page(request, "calendars/feeds.html", context)
    # The secret is in this response only: never cached.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def feed_create(request):
    body = None
    body_value = (request.POST.get("body") or "").strip()
    errors: dict[str, str] = {}
    if body_value:
        try:
            body_id = int(body_value)
        except ValueError:
            body_id = None
        body = Body.objects.filter(pk=body_id).first() if body_id else None
        if body is None:
            errors["body"] = gettext("Choose a value from the list.")
    if not errors:
        try:
            feed, raw = services.feed_create(
                actor=request.user, body=body, name=request.POST.get("name", "")
            )
        except ValidationError as exc:
            errors = {
                key: " ".join(str(m) for m in msgs)
                for key, msgs in exc.message_dict.items()
            }
        else:
            return _show_new(
                request,
                feed,
                raw,
                gettext(
                    "The feed was created. Copy its address now: it is shown once."
                ),
            )
    context = _feeds_context(request, form_errors=errors, form_data=request.POST)
    return render_page(request, "calendars/feeds.html", context, status=400)


def _own_feed(request, pk) -> FeedToken:
    feed = (
        FeedToken.objects.select_related("body")
        .filter(pk=pk, owner=request.user, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise Http404
    return feed


@login_required
@require_POST
def feed_revoke(request, pk: int):
    feed = _own_feed(request, pk)
    services.feed_revoke(actor=request.user, feed=feed)
    messages.success(
        request,
        gettext("The feed %(prefix)s… was revoked: its address no longer works.")
        % {"prefix": feed.prefix},
    )
    return redirect("calendars:feeds")


@login_required
@require_POST
def feed_regenerate(request, pk: int):
    feed = _own_feed(request, pk)
    try:
        new, raw = services.feed_regenerate(actor=request.user, feed=feed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("calendars:feeds")
    except PermissionDenied:
        messages.error(
            request,
            gettext(
                "You no longer hold a seat in this body: the feed cannot be "
                "renewed. Revoke it."
            ),
        )
        return redirect("calendars:feeds")
    return _show_new(
        request,
        new,
        raw,
        gettext(
            "A new address was made and the old one stopped working. Copy the "
            "new one now: it is shown once."
        ),
    )


@require_GET
def feed(request, secret: str):
    """The ICS feed: no login (calendar clients cannot sign in); the secret
    is the key. What the owner may see today, from 60 days back to 365 days
    ahead, cancelled activities included (``STATUS:CANCELLED``)."""
    token = services.feed_resolve(secret)
    if token is None:
        raise Http404
    today = timezone.localdate()
    start = today - datetime.timedelta(days=FEED_PAST_DAYS)
    end = today + datetime.timedelta(days=FEED_FUTURE_DAYS)
    body_ids = None if token.body_id is None else [token.body_id]
    events = events_between(token.owner, start, end, body_ids=body_ids)
    name = (
        token.body.name
        if token.body_id
        else gettext("Calendar of %(name)s") % {"name": token.owner}
    )
    data = ics.calendar_bytes(
        events, name=name, method="PUBLISH", base_url=settings.SITE_URL
    )
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="dieuphoi.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
