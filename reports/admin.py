"""The Secretariat's admin for annual reports: start a revision, follow its status and progress, download
its files, release it to the public archive; edit the foreword.

Reports are never edited through a form: "Add annual report" leads to the start form (year and language),
which calls ``services.annual_report_start``. The PDF and the snapshots live on the private storage and are
served by the download view below, to staff only (``admin_view``) with the model's view permission. The
list refreshes itself every few seconds while a revision is queued or rendering.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from p2c.exceptions import ApplicationError

from .models import AnnualReport, AnnualReportForeword
from .rendering import format_count, format_usd, report_locale
from .selectors import reporting_time_zone
from .services import (
    annual_report_check_year,
    annual_report_release,
    annual_report_start,
    annual_report_withdraw,
)

# Seconds between automatic reloads of the list while a revision is queued or rendering.
REFRESH_SECONDS = 5

# file kind in the URL -> (model field, content type, file extension)
DOWNLOADS = {
    "pdf": ("pdf", "application/pdf", "pdf"),
    "json": ("snapshot_json", "application/json", "json"),
    "csv": ("snapshot_csv", "text/csv; charset=utf-8", "csv"),
}


class AnnualReportStartForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), help_text=_("The calendar year the report covers."))
    language = forms.ChoiceField(label=_("Language"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = settings.LANGUAGE_CODE

    def clean_year(self):
        year = self.cleaned_data["year"]
        try:
            annual_report_check_year(year=year)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return year


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "year",
        "revision",
        "language",
        "status_label",
        "released_at",
        "cutoff",
        "created_at",
        "finished_at",
        "figures_summary",
        "download_links",
    )
    list_display_links = ("__str__",)
    list_filter = ("status", "year", "language", ("released_at", admin.EmptyFieldListFilter))
    ordering = ("-year", "language", "-revision")
    actions = ("release", "withdraw")
    change_list_template = "admin/reports/annualreport/change_list.html"
    fields = (
        "year",
        "revision",
        "language",
        "status_label",
        "progress",
        "attempts",
        "lease_expires_at",
        "cutoff",
        "figures_summary",
        "download_links",
        "pdf_pages",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "released_at",
        "released_by",
    )
    readonly_fields = fields

    # --- permissions: reports are read-only rows; "add" means "start a new revision" ---------------------

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:reports_annualreport_start"))

    def delete_model(self, request, obj):
        files = [f.name for f in (obj.pdf, obj.snapshot_json, obj.snapshot_csv) if f.name]
        super().delete_model(request, obj)
        self._delete_files(files)

    def delete_queryset(self, request, queryset):
        files = [
            name
            for report in queryset
            for name in (report.pdf.name, report.snapshot_json.name, report.snapshot_csv.name)
            if name
        ]
        super().delete_queryset(request, queryset)
        self._delete_files(files)

    @staticmethod
    def _delete_files(names):
        storage = AnnualReport._meta.get_field("pdf").storage
        for name in names:
            storage.delete(name)

    # --- columns --------------------------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        """Status, with the progress while rendering and the error (in full on the report's page) if failed."""
        label = obj.get_status_display()
        if obj.status == AnnualReport.Status.RENDERING and obj.progress:
            return format_html("{} <small>({})</small>", label, obj.progress)
        if obj.error and obj.status in (AnnualReport.Status.FAILED, AnnualReport.Status.QUEUED):
            return format_html('{}<br><small class="errornote">{}</small>', label, obj.error[:300])
        return label

    # --- actions -------------------------------------------------------------------------------------

    @admin.action(
        description=_("Release the selected revisions to the public archive"), permissions=["release"]
    )
    def release(self, request, queryset):
        released = 0
        for report in queryset:
            try:
                annual_report_release(report=report, by=request.user)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                released += 1
        if released:
            self.message_user(
                request,
                ngettext(
                    "%(n)d revision released: the latest released revision of a year and language is the one "
                    "the public archive serves.",
                    "%(n)d revisions released: the latest released revision of a year and language is the one "
                    "the public archive serves.",
                    released,
                )
                % {"n": released},
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Withdraw the selected revisions from the public archive"), permissions=["release"]
    )
    def withdraw(self, request, queryset):
        for report in queryset:
            annual_report_withdraw(report=report, by=request.user)
        self.message_user(request, gettext("Withdrawn from the public archive."), messages.SUCCESS)

    def has_release_permission(self, request):
        """Releasing publishes: staff who may add (start) annual reports and change them (the Analyst role
        starts reports but changes nothing, ``secretariat.roles``) may release them."""
        return (
            request.user.is_staff
            and self.has_add_permission(request)
            and request.user.has_perm("reports.change_annualreport")
        )

    def changelist_view(self, request, extra_context=None):
        busy = AnnualReport.objects.filter(
            status__in=[AnnualReport.Status.QUEUED, AnnualReport.Status.RENDERING]
        ).exists()
        extra_context = {**(extra_context or {}), "refresh_seconds": REFRESH_SECONDS if busy else None}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("headline figures"))
    def figures_summary(self, obj):
        figures = obj.figures or {}
        if "pledges" not in figures:
            return "–"
        locale = report_locale(obj.language)
        return gettext("%(pledges)s, %(entities)s, %(value)s") % {
            "pledges": ngettext("%(n)s pledge", "%(n)s pledges", figures["pledges"])
            % {"n": format_count(figures["pledges"], locale)},
            "entities": ngettext(
                "%(n)s pledging entity", "%(n)s pledging entities", figures.get("pledging_entities", 0)
            )
            % {"n": format_count(figures.get("pledging_entities", 0), locale)},
            "value": format_usd(figures.get("value_usd_total", "0"), locale),
        }

    @admin.display(description=_("files"))
    def download_links(self, obj):
        labels = {"pdf": _("PDF"), "json": _("snapshot (JSON)"), "csv": _("snapshot (CSV)")}
        links = [
            (reverse("admin:reports_annualreport_download", args=[obj.pk, kind]), labels[kind])
            for kind, (field, _type, _ext) in DOWNLOADS.items()
            if getattr(obj, field).name
        ]
        if not links:
            return "–"
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    # --- extra views ----------------------------------------------------------------------------------

    def get_urls(self):
        extra = [
            path("start/", self.admin_site.admin_view(self.start_view), name="reports_annualreport_start"),
            path(
                "<int:report_id>/download/<str:kind>/",
                self.admin_site.admin_view(self.download_view),
                name="reports_annualreport_download",
            ),
        ]
        return extra + super().get_urls()

    def start_view(self, request):
        """Form for the year (and language) of a new revision; calls ``annual_report_start``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AnnualReportStartForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = annual_report_start(
                    year=form.cleaned_data["year"], by=request.user, language=form.cleaned_data["language"]
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext(
                        "Annual report %(year)s revision %(revision)s started: %(pledges)s pledges frozen. "
                        "Its PDF is being rendered; its status is shown below."
                    )
                    % {
                        "year": report.year,
                        "revision": report.revision,
                        "pledges": report.figures["pledges"],
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:reports_annualreport_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Start annual report"),
            "form": form,
            "time_zone": reporting_time_zone().key,
        }
        return TemplateResponse(request, "admin/reports/annualreport/start.html", context)

    def download_view(self, request, report_id: int, kind: str):
        """The report's PDF or snapshot as an attachment; 404 for an unknown report, kind or missing file."""
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in DOWNLOADS:
            raise Http404
        report = get_object_or_404(AnnualReport, pk=report_id)
        field_name, content_type, ext = DOWNLOADS[kind]
        field = getattr(report, field_name)
        if not field.name or not field.storage.exists(field.name):
            raise Http404
        suffix = "" if kind == "pdf" else "-snapshot"
        filename = f"p2c-annual-report-{report.year}-{report.language}-r{report.revision}{suffix}.{ext}"
        return FileResponse(
            field.open("rb"), as_attachment=True, filename=filename, content_type=content_type
        )


@admin.register(AnnualReportForeword)
class AnnualReportForewordAdmin(admin.ModelAdmin):
    """The foreword of a year's report in a language; copied into each new revision's snapshot."""

    list_display = ("year", "language", "signed_by", "updated_at")
    list_filter = ("language",)
    fields = ("year", "language", "signed_by", "text")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":
            return forms.ChoiceField(
                label=db_field.verbose_name.capitalize(),
                choices=settings.LANGUAGES,
                initial=settings.LANGUAGE_CODE,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
