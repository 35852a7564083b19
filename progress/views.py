"""Views of the progress app: the progress report form, evidence downloads, pledge health, following a pledge
and best practices. Objects are fetched scoped to what the user may see (a wrong ID is a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from p2c.exceptions import ApplicationError
from p2c.once import FIELD as FORM_TOKEN
from p2c.once import form_token_new, form_token_spend
from pledges.models import Pledge

from . import health, selectors, services
from .forms import BestPracticeForm, DeliverableProgressFormSet, GalleryFilterForm, ProgressReportForm
from .images import CONTENT_TYPES
from .models import Evidence, ProgressReport

GALLERY_PAGE_SIZE = 12
FIGURES_CACHE_SECONDS = 600


def _initial_from(report: ProgressReport | None, pledge: Pledge) -> dict:
    if report is None:
        return {
            "disbursed_currency": pledge.value_currency_id,
            "evidence_visibility": Evidence.Visibility.PUBLIC,
        }
    return {
        "implementation_status": report.implementation_status,
        "percent_complete": report.percent_complete,
        "people_reached": report.people_reached,
        "disbursed_amount": report.disbursed_amount,
        "disbursed_currency": report.disbursed_currency_id or pledge.value_currency_id,
        "challenges": report.challenges,
        "links": report.links,
        "is_final": report.is_final,
        "evidence_visibility": Evidence.Visibility.PUBLIC,
    }


def _report_form(request, *, pledge: Pledge, report: ProgressReport | None):
    """The report form for a new report (``report`` None) or an editable one; saves, and submits on request."""
    user = request.user
    can_final = user.has_perm("progress.file_final_report", pledge)
    previous = selectors.previous_report(pledge=pledge, exclude=report)
    if report is not None:
        initial = {**_initial_from(report, pledge), "narrative": report.narrative}
    else:
        initial = _initial_from(previous, pledge)
        if can_final and request.GET.get("final") == "1":
            initial.update(is_final=True, implementation_status="completed", percent_complete=100)
    rows = selectors.deliverable_rows_for_form(pledge=pledge, previous=previous, report=report)
    formset_initial = [
        {
            "deliverable_id": r["deliverable"].pk,
            "status": r["status"],
            "actual_value": r["actual_value"],
            "note": r["note"],
        }
        for r in rows
    ]
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ProgressReportForm(data, files, initial=initial, can_file_final=can_final)
    formset = DeliverableProgressFormSet(
        data,
        prefix="deliverables",
        initial=formset_initial,
        deliverable_ids=[r["deliverable"].pk for r in rows],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if report is None and not form_token_spend(request.POST.get(FORM_TOKEN)):
            messages.info(request, _("This progress report was already received; it was not saved twice."))
            return redirect("progress:mine")
        deliverables = list(pledge.deliverables.all())
        try:
            report = services.progress_report_save(
                pledge=pledge,
                by=user,
                report=report,
                content=form.content(formset.rows(deliverables)),
                evidence=form.uploads(),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            if request.POST.get("action") != "submit":
                messages.success(
                    request, _("Your report is saved as a draft. You can come back to it at any time.")
                )
                return redirect("progress:edit", pk=report.pk)
            try:
                services.progress_report_submit(report=report, by=user)
            except ApplicationError as error:
                missing = error.extra.get("missing", [])
                messages.warning(
                    request,
                    _("Your report is saved but cannot be submitted yet. Still needed: %(missing)s.")
                    % {"missing": "; ".join(missing)}
                    if missing
                    else error.message,
                )
                return redirect("progress:edit", pk=report.pk)
            messages.success(
                request,
                _(
                    "Your report was submitted to the P2C Secretariat. It shows on the pledge's page once the "
                    "Secretariat publishes it."
                ),
            )
            return redirect("progress:edit", pk=report.pk)
    return render(
        request,
        "progress/form.html",
        {
            "form": form,
            "formset": formset,
            "deliverable_forms": list(zip(formset.forms, [r["deliverable"] for r in rows], strict=False)),
            "pledge": pledge,
            "report": report,
            "previous": previous,
            "form_token": request.POST.get(FORM_TOKEN) or form_token_new(),
        },
    )


@login_required
def progress_create(request, public_id):
    """Start a progress report on a published pledge of one of the member's organisations, prefilled from the
    previous report (``?final=1``: the final report, for owners and editors). With a report already in
    progress, that one opens instead."""
    pledge = get_object_or_404(selectors.pledges_reportable_by(request.user), public_id=public_id)
    existing = selectors.open_report(pledge=pledge)
    if existing is not None:
        messages.info(request, _("A report on this pledge is already in progress: here it is."))
        return redirect("progress:edit", pk=existing.pk)
    return _report_form(request, pledge=pledge, report=None)


@login_required
def progress_edit(request, pk):
    """A progress report of one of the member's organisations: the form while it is a draft or returned (for
    owners, editors and reporters), else the report as it stands with the Secretariat's decision."""
    report = get_object_or_404(
        selectors.reports_visible_to(request.user).select_related(
            "pledge", "pledge__lead_organisation", "period", "disbursed_currency", "decided_by"
        ),
        pk=pk,
    )
    # has_perm alone would let any superuser through (Django grants them every permission): writing a report
    # is for its organisation's owners, editors and reporters only.
    can_edit = (
        request.user.has_perm("progress.edit_report", report)
        and selectors.reports_writable_by(request.user).filter(pk=report.pk).exists()
    )
    if request.method == "POST":
        if not can_edit:
            if (
                request.user.has_perm("progress.view_report", report)
                and report.status in ProgressReport.FILED_STATUSES
            ):
                messages.info(
                    request, _("This report is %(status)s.") % {"status": report.get_status_display()}
                )
                return redirect("progress:edit", pk=report.pk)
            raise PermissionDenied
        return _report_form(request, pledge=report.pledge, report=report)
    if can_edit:
        return _report_form(request, pledge=report.pledge, report=report)
    return render(
        request,
        "progress/report.html",
        {
            "report": report,
            "pledge": report.pledge,
            "evidence": report.evidence.all(),
            "figures": report.deliverable_progress.all(),
            "can_propose": request.user.has_perm("progress.propose_best_practice", report),
        },
    )


@login_required
@require_POST
def evidence_remove(request, pk, evidence_pk):
    """Remove an evidence file from a draft or returned report."""
    evidence = get_object_or_404(
        Evidence.objects.filter(report__in=selectors.reports_writable_by(request.user)).select_related(
            "report"
        ),
        pk=evidence_pk,
        report_id=pk,
    )
    try:
        services.evidence_remove(evidence=evidence, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” was removed.") % {"name": evidence.original_name})
    return redirect("progress:edit", pk=pk)


@require_GET
def evidence_download(request, pk):
    """Download an evidence file: public files of published reports for everyone, the rest for the pledge's
    organisation and the Secretariat only (else 404). Always as an attachment, never shown inline."""
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user).select_related("report"), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600" if evidence.is_public else "private, no-store"
    return response


@login_required
@require_GET
def my_progress(request):
    """The member's progress reports: the pledges they may report on, with the report in progress, and their
    organisations' latest reports."""
    pledges = list(
        selectors.pledges_reportable_by(request.user)
        .select_related("lead_organisation")
        .order_by("lead_organisation__name", "public_id")[:200]
    )
    open_reports = {
        r.pledge_id: r
        for r in ProgressReport.objects.filter(pledge__in=pledges, status__in=ProgressReport.OPEN_STATUSES)
    }
    return render(
        request,
        "progress/mine.html",
        {
            "rows": [(p, open_reports.get(p.pk)) for p in pledges],
            "reports": selectors.workspace_reports(request.user),
            "period": selectors.period_latest(),
        },
    )


@login_required
def best_practice_propose(request, pk):
    """Propose a best practice from a published progress report of one of the member's organisations."""
    report = get_object_or_404(selectors.reports_writable_by(request.user).select_related("pledge"), pk=pk)
    if not request.user.has_perm("progress.propose_best_practice", report):
        messages.info(request, _("A best practice can be proposed once the report is published."))
        return redirect("progress:edit", pk=report.pk)
    form = BestPracticeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practice = services.best_practice_propose(
                report=report,
                by=request.user,
                title=data["title"],
                story=data["story"],
                results=data["results"],
                lessons=data["lessons"],
                image=data.get("image"),
                image_alt=data.get("image_alt", ""),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Thank you: the P2C Secretariat will review your best practice and may feature it."),
            )
            return redirect(practice)
    return render(request, "progress/best_practice_form.html", {"form": form, "report": report})


@require_GET
def best_practice_gallery(request):
    """The public gallery of featured best practices, filtered by focus area, region and stakeholder type."""
    form = GalleryFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "focus_area": data["focus_area"].slug if data.get("focus_area") else "",
            "region": data["region"].m49_code if data.get("region") else "",
            "stakeholder_type": data["stakeholder_type"].slug if data.get("stakeholder_type") else "",
        }
    page = Paginator(selectors.best_practices_gallery(**filters), GALLERY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "progress/gallery.html",
        {"form": form, "page": page, "query_without_page": query.urlencode()},
    )


@require_GET
def best_practice_detail(request, pk):
    """A best practice: public once featured; before that, for its organisation and the Secretariat only."""
    practice = get_object_or_404(
        selectors.best_practices_visible_to(request.user).select_related(
            "pledge", "pledge__lead_organisation", "report"
        ),
        pk=pk,
    )
    return render(request, "progress/best_practice.html", {"practice": practice, "pledge": practice.pledge})


@require_GET
def best_practice_image(request, pk):
    """The image of a best practice (re-encoded on upload), for those who may see the best practice."""
    practice = get_object_or_404(selectors.best_practices_visible_to(request.user), pk=pk)
    if not practice.image:
        raise Http404
    try:
        handle = practice.image.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    extension = practice.image.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def follow(request, public_id):
    """Follow (``action=follow``) or unfollow (``action=unfollow``) a public pledge."""
    pledge = get_object_or_404(Pledge.objects.published(), public_id=public_id)
    if request.POST.get("action") == "unfollow":
        services.pledge_unfollow(pledge=pledge, user=request.user)
        messages.success(request, _("You no longer follow this pledge."))
    else:
        services.pledge_follow(pledge=pledge, user=request.user)
        messages.success(
            request, _("You follow this pledge: you will get an email when new progress is published.")
        )
    return redirect(pledge)


@require_GET
def pledge_health(request, public_id):
    """Why a public pledge has its health status: the rules applied to it, and the roll-up of % complete."""
    pledge = get_object_or_404(
        Pledge.objects.published().select_related("lead_organisation"), public_id=public_id
    )
    return render(
        request,
        "progress/health.html",
        {"pledge": pledge, "health": selectors.pledge_health(pledge=pledge), "rules": health.health_rules()},
    )


def _platform_figures():
    key = f"p2c:progress:platform-figures:{get_language()}"
    figures = cache.get(key)
    if figures is None:
        figures = selectors.platform_progress_figures()
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


@require_GET
def health_rules(request):
    """How pledge health is worked out (the rules, as applied by ``progress.health``), with the platform's
    figures: health of the public pledges and the reporting rate of the latest period (cached 10 minutes)."""
    figures = _platform_figures()
    statuses = [
        {**row, "label": health.Health.LABELS[row["status"]]} for row in figures["health"]["statuses"]
    ]
    return render(
        request,
        "progress/health_rules.html",
        {
            "rules": health.health_rules(),
            "figures": figures,
            "statuses": statuses,
            "recent_days": health.RECENT_REPORT_DAYS,
        },
    )
