"""The working-day calendar page and the days-off endpoint.

Permissions:

- the calendar page and its actions (add or amend a day, confirm a derived
  day, remove a row): administrators (superusers) only; anyone else gets 403
  on the page and on every action. Removing a row that does not exist
  answers 404.
- ``days-off.json``: any signed-in user (public holidays and the government's
  announcements are public information); anonymous users are sent to log in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today

from . import calendar, selectors, services
from .forms import CalendarDayForm, ConfirmForm, RangeForm, YearForm
from .models import CalendarDay


def _require_admin(user) -> None:
    if not user.is_superuser:
        raise PermissionDenied


def _year(request) -> int:
    form = YearForm(request.GET)
    if form.is_valid() and form.cleaned_data["year"]:
        return form.cleaned_data["year"]
    return local_today().year


def _page(request, *, year: int, form: CalendarDayForm, status: int = 200):
    rows = selectors.calendar_day_list(year=year)
    entries = selectors.calendar_entry_list(year=year, rows=rows)
    context = {
        "year": year,
        "years": [year - 1, year + 1],
        "entries": entries,
        "counts": selectors.status_counts(entries),
        "form": form,
        "deadline_rule_label": calendar.deadline_rule_label(),
        "deadline_rule_moves": calendar.deadline_rule() == calendar.NEXT_WORKING_DAY,
    }
    return render_page(
        request, "workdays/calendar.html", context, "calendar-editor", status=status
    )


def _back(year: int):
    return redirect(f"{reverse('workdays:calendar')}?year={year}")


@login_required
@require_GET
def calendar_page(request):
    _require_admin(request.user)
    year = _year(request)
    return _page(request, year=year, form=CalendarDayForm())


@login_required
@require_POST
def day_add(request):
    _require_admin(request.user)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            day = services.calendar_day_set(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Saved %(date)s in the calendar.")
                % {"date": day.date.strftime("%d/%m/%Y")},
            )
            return _back(day.date.year)
    year = form.cleaned_data["date"].year if form.cleaned_data.get("date") else None
    return _page(request, year=year or _year(request), form=form, status=422)


@login_required
@require_POST
def day_confirm(request):
    _require_admin(request.user)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter a valid date as dd/mm/yyyy."))
        return _back(_year(request))
    date = form.cleaned_data["date"]
    try:
        services.calendar_day_confirm(actor=request.user, date=date)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(
            request,
            gettext("Confirmed %(date)s as it is.")
            % {"date": date.strftime("%d/%m/%Y")},
        )
    return _back(date.year)


@login_required
@require_POST
def day_remove(request, pk: int):
    _require_admin(request.user)
    day = get_object_or_404(CalendarDay, pk=pk)
    year = day.date.year
    date_text = day.date.strftime("%d/%m/%Y")
    services.calendar_day_remove(actor=request.user, day=day)
    messages.success(
        request, gettext("Removed %(date)s from the calendar.") % {"date": date_text}
    )
    return _back(year)


@login_required
@require_GET
def days_off(request):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (dd/mm/yyyy accepted): the days off
    and swapped working days of the range, for the date-field warning. Bad
    input answers 422 with ``{"errors": {field: [message]}}``."""
    form = RangeForm(request.GET)
    if not form.is_valid():
        errors = {
            ("from" if field == "from_" else field): messages_
            for field, messages_ in form.errors.items()
        }
        return JsonResponse({"errors": errors}, status=422)
    data = selectors.days_off_range(
        start=form.cleaned_data["from_"], end=form.cleaned_data["to"]
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "private, max-age=300"
    return response
