"""Pages of periodic reports (thin: permissions, selectors, services).

| URL name | who |
|---|---|
| ``list`` | anyone signed in: the reports of the bodies they see; none for an outsider |
| ``create`` | a body's managers (leader, deputy, secretariat, specialists), administrators: 403 otherwise |
| ``detail`` | who sees the report's body (404 otherwise) |
| ``edit``, ``compile``, ``document``, ``correct`` | the body's managers: leader, deputy, secretariat, specialists, and administrators (403 for other viewers, 404 for the rest) |

Review, approval, issue and sending happen on the document's page
(``paperwork``): the report follows its paper's state.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.models import local_today
from dieuphoi.jobs.models import JobProgress

from . import periods, permissions, selectors, services
from .forms import ReportCreateForm, ReportFilterForm, ReportTextForm
from .models import Report


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def report_list(request):
    form = ReportFilterForm(request.GET or None)
    filters = selectors.ReportFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.ReportFilters(
            period_type=form.cleaned_data["period_type"] or "",
            year=form.cleaned_data["year"],
            state=form.cleaned_data["state"] or "",
        )
    reports = (
        selectors.report_list(user=request.user, filters=filters)
        if not form.is_bound or form.is_valid()
        else []
    )
    return render(
        request,
        "reports/report_list.html",
        {
            "form": form,
            "reports": reports,
            "can_create": bool(selectors.creatable_bodies(request.user)),
            "limit": selectors.LIST_LIMIT,
        },
    )


def _suggested_period():
    """The monthly period whose cut-off is the latest past one."""
    today = local_today()
    current = periods.period_of(periods.PeriodType.MONTHLY, today)
    if current.end > today:
        current = periods.period_of(
            periods.PeriodType.MONTHLY, current.start - datetime.timedelta(days=1)
        )
    return current


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request):
    bodies = selectors.creatable_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    if request.method == "POST":
        form = ReportCreateForm(request.POST, bodies=bodies)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_create(
                    actor=request.user,
                    body=data["body"],
                    period_type=data["period_type"],
                    year=data["year"],
                    number=data["number"],
                    start=data["start"],
                    end=data["end"],
                    deadline=data["deadline"],
                    title=data["title"],
                )
            except ValidationError as exc:
                # Errors about the period as a whole go above the form.
                for message in add_service_errors(
                    form, exc, rename={"on": "end", "period": None, "state": None}
                ):
                    form.add_error(None, message)
            else:
                messages.success(request, gettext("The report is created."))
                return redirect(report)
    else:
        suggested = _suggested_period()
        form = ReportCreateForm(
            bodies=bodies,
            initial={
                "period_type": suggested.type,
                "year": suggested.year,
                "number": suggested.number,
            },
        )
    examples = []
    today = local_today()
    for kind in periods.enabled_types():
        if kind == periods.PeriodType.AD_HOC:
            continue
        try:
            examples.append(periods.period_of(kind, today))
        except ValidationError:
            continue
    return render(
        request,
        "reports/report_form.html",
        {"form": form, "examples": examples},
        status=400 if form.is_bound and form.errors else 200,
    )


def _watchable_progress(request, report: Report):
    pk = request.GET.get("compiling") or ""
    try:
        progress = JobProgress.objects.filter(pk=pk).first() if pk else None
    except (ValueError, ValidationError):
        return None
    if progress is None:
        return None
    if progress.is_finished and not progress.failed:
        # Done: the page itself shows the result (the figures, the draft).
        return None
    if request.user.is_superuser or progress.owner_id == request.user.pk:
        return progress
    return None


def _last_return(report: Report):
    """The reviewer's last comment when the document came back to draft."""
    from dieuphoi.paperwork.models import Paper, PaperStep

    paper = report.paper
    if paper is None or paper.state != Paper.State.DRAFT:
        return None
    return (
        PaperStep.objects.filter(paper=paper, action="return")
        .select_related("actor")
        .order_by("-id")
        .first()
    )


def _detail_context(request, report: Report, **extra) -> dict:
    from .contributions import contribution_stats

    can_manage = permissions.can_manage_report(request.user, report)
    context = {
        "report": report,
        "period": report.period,
        "figures": report.figures,
        "can_manage": can_manage,
        "stats": contribution_stats(report),
        "progress": _watchable_progress(request, report),
        "returned": _last_return(report),
        "events": audit_timeline(target=report),
        "corrections": list(Report.objects.filter(replaces=report)),
        "editable": can_manage
        and report.state not in (*services.FROZEN, *services.ENDED),
    }
    if context["editable"] and "text_form" not in extra:
        context["text_form"] = ReportTextForm(
            initial={
                "version": report.version,
                "title": report.title,
                "difficulties": report.difficulties,
                "recommendations": report.recommendations,
            }
        )
    context.update(extra)
    return context


@login_required
@require_GET
def report_detail(request, pk: int):
    report = permissions.access_report(user=request.user, pk=pk)
    return render(
        request, "reports/report_detail.html", _detail_context(request, report)
    )


def _managed(request, pk: int) -> Report:
    report = permissions.access_report(user=request.user, pk=pk)
    if not permissions.can_manage_report(request.user, report):
        raise PermissionDenied
    return report


@login_required
@require_POST
def report_edit(request, pk: int):
    report = _managed(request, pk)
    form = ReportTextForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.report_update(
                actor=request.user,
                report=report,
                version=data["version"],
                title=data["title"],
                difficulties=data["difficulties"],
                recommendations=data["recommendations"],
            )
        except Conflict as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            for message in add_service_errors(form, exc, rename={"state": None}):
                form.add_error(None, message)
            status = 400
        else:
            messages.success(request, gettext("The report's text is saved."))
            return redirect(report)
    else:
        status = 400
    report.refresh_from_db()
    return render(
        request,
        "reports/report_detail.html",
        _detail_context(request, report, text_form=form),
        status=status,
    )


def _refused(request, report: Report, exc: ValidationError) -> HttpResponseRedirect:
    messages.error(request, _messages_of(exc))
    return redirect(report)


@login_required
@require_POST
def report_compile(request, pk: int):
    report = _managed(request, pk)
    try:
        progress = services.report_compile_request(actor=request.user, report=report)
    except ValidationError as exc:
        return _refused(request, report, exc)
    url = reverse("reports:detail", args=[report.pk])
    return HttpResponseRedirect(
        f"{url}?{urlencode({'compiling': progress.pk})}#compile"
    )


@login_required
@require_POST
def report_document(request, pk: int):
    report = _managed(request, pk)
    try:
        report = services.report_document(actor=request.user, report=report)
    except ValidationError as exc:
        return _refused(request, report, exc)
    messages.success(
        request,
        gettext("The document is drafted from the figures and the contributions."),
    )
    return redirect("paperwork:detail", report.paper_id)


@login_required
@require_POST
def report_correct(request, pk: int):
    report = _managed(request, pk)
    try:
        correction = services.report_correct(actor=request.user, report=report)
    except ValidationError as exc:
        return _refused(request, report, exc)
    messages.success(
        request,
        gettext("A correction is drafted; it replaces this report when it is issued."),
    )
    return redirect(correction)
