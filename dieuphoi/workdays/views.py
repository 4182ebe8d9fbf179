"""The working-day calendar page: administrators list, add and remove the
announced days off and swapped working days of a year.

Permissions: administrators (superusers) only; anyone else gets 403 on the
page and on every action. Removing a row that does not exist answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today

from . import selectors, services
from .forms import CalendarDayForm, YearForm
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
    context = {
        "year": year,
        "years": [year - 1, year + 1],
        "rows": rows,
        "package_days": selectors.package_day_list(year=year, rows=rows),
        "form": form,
    }
    return render_page(
        request, "workdays/calendar.html", context, "calendar-editor", status=status
    )


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
            return redirect(f"{reverse('workdays:calendar')}?year={day.date.year}")
    year = form.cleaned_data["date"].year if form.cleaned_data.get("date") else None
    return _page(request, year=year or _year(request), form=form, status=422)


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
    return redirect(f"{reverse('workdays:calendar')}?year={year}")
