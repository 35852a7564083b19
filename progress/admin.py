"""The Secretariat's admin for progress: reporting periods (with who has and has not reported), the review of
progress reports (publish, or return with a reason), best practices to feature, and the reminders sent.

Decisions are admin actions that call ``progress.services``; reports are read-only here (the pledgers write
them), and their history (django-simple-history) is the audit trail.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from p2c.exceptions import ApplicationError

from . import selectors, services
from .forms import ReasonForm
from .models import BestPractice, DeliverableProgress, Evidence, ProgressReport, ReminderSent, ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("name", "opens_on", "closes_on", "reporting", "who_reported")
    fields = ("name", "opens_on", "closes_on")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        services.reporting_period_save(period=obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        # A period with reports keeps them (PROTECT); an unused one may go.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.reports.exists())

    @admin.display(description=gettext_lazy("reported"))
    def reporting(self, obj):
        rate = selectors.reporting_rate(period=obj)
        return _("%(filed)d of %(owed)d (%(rate)s)") % {
            "filed": rate["filed"],
            "owed": rate["owed"],
            "rate": f"{rate['reporting_rate']}%" if rate["reporting_rate"] is not None else "—",
        }

    @admin.display(description=gettext_lazy("who has reported"))
    def who_reported(self, obj):
        url = reverse("admin:progress_reportingperiod_reporting", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Pledges and their reports"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/reporting/",
                self.admin_site.admin_view(self.reporting_view),
                name="progress_reportingperiod_reporting",
            )
        ] + super().get_urls()

    def reporting_view(self, request, pk):
        """Every pledge that owes a report for the period, with its report's status (``?filed=yes|no``)."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        period = get_object_or_404(ReportingPeriod, pk=pk)
        rows = selectors.period_report_status(period=period)
        filed = request.GET.get("filed")
        if filed == "yes":
            rows = rows.filter(report_status__in=ProgressReport.FILED_STATUSES)
        elif filed == "no":
            # Nothing started (no report: NULL) or not filed; NULL needs its own test in SQL.
            rows = rows.filter(
                Q(report_status__isnull=True) | ~Q(report_status__in=ProgressReport.FILED_STATUSES)
            )
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        labels = dict(ProgressReport.Status.choices)
        return TemplateResponse(
            request,
            "admin/progress/reportingperiod/reporting.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Who has reported for %(period)s") % {"period": period.name},
                "period": period,
                "rate": selectors.reporting_rate(period=period),
                "page": page,
                "rows": [(p, labels.get(p.report_status)) for p in page.object_list],
                "filed": filed or "",
                "opts": self.model._meta,
            },
        )


class DeliverableProgressInline(admin.TabularInline):
    model = DeliverableProgress
    extra = 0
    can_delete = False
    fields = ("title", "due_date", "weight", "target_value", "unit", "status", "actual_value", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ("download", "kind", "size", "visibility", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)


def _decision(modeladmin, request, queryset, *, name: str, label, needs_reason: bool):
    form = ReasonForm(request.POST if request.POST.get("confirm") else None)
    if request.POST.get("confirm") and form.is_valid():
        reason = form.cleaned_data["reason"]
        if needs_reason and not reason.strip():
            form.add_error("reason", _("Please give a reason: the pledging organisation will see it."))
        else:
            done = 0
            for report in queryset.select_related("pledge"):
                try:
                    if needs_reason:
                        services.progress_report_return(report=report, by=request.user, reason=reason)
                    else:
                        services.progress_report_publish(report=report, by=request.user, note=reason)
                    done += 1
                except ApplicationError as error:
                    modeladmin.message_user(
                        request, f"{report.pledge.public_id}: {error.message}", messages.ERROR
                    )
            if done:
                modeladmin.message_user(
                    request,
                    _("%(action)s: %(n)d report(s).") % {"action": label, "n": done},
                    messages.SUCCESS,
                )
            return None
    return TemplateResponse(
        request,
        "admin/progress/decision.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": label,
            "reports": queryset.select_related("pledge", "pledge__lead_organisation", "period"),
            "form": form,
            "action": name,
            "needs_reason": needs_reason,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = (
        "pledge",
        "organisation",
        "period",
        "status",
        "is_final",
        "implementation_status",
        "percent_complete",
        "submitted_at",
        "published_at",
    )
    list_filter = ("status", "period", "is_final", "implementation_status")
    search_fields = ("pledge__public_id", "pledge__title", "pledge__lead_organisation__name", "narrative")
    list_select_related = ("pledge", "pledge__lead_organisation", "period")
    inlines = [DeliverableProgressInline, EvidenceInline]
    actions = ["publish", "return_for_changes"]
    fields = (
        "pledge",
        "period",
        "status",
        "is_final",
        "implementation_status",
        "percent_complete",
        "people_reached",
        "disbursed_amount",
        "disbursed_currency",
        "disbursed_usd",
        "usd_rate",
        "narrative",
        "challenges",
        "links",
        "author",
        "created_at",
        "submitted_at",
        "submitted_by",
        "published_at",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    readonly_fields = fields
    ordering = ("-submitted_at", "-created_at")

    @admin.display(description=gettext_lazy("pledging entity"), ordering="pledge__lead_organisation__name")
    def organisation(self, obj):
        return obj.pledge.lead_organisation.name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        return _decision(self, request, queryset, name="publish", label=_("Publish"), needs_reason=False)

    @admin.action(description=gettext_lazy("Return for changes"), permissions=["change"])
    def return_for_changes(self, request, queryset):
        return _decision(
            self,
            request,
            queryset,
            name="return_for_changes",
            label=_("Return for changes"),
            needs_reason=True,
        )


@admin.register(BestPractice)
class BestPracticeAdmin(SimpleHistoryAdmin):
    list_display = ("title", "pledge", "status", "created_at", "featured_at")
    list_filter = ("status",)
    search_fields = ("title", "story", "pledge__public_id", "pledge__title")
    list_select_related = ("pledge",)
    actions = ["feature", "unfeature"]
    fields = (
        "title",
        "pledge",
        "report",
        "status",
        "story",
        "results",
        "lessons",
        "image_preview",
        "image_alt",
        "proposed_by",
        "created_at",
        "featured_at",
        "decided_by",
    )
    readonly_fields = (
        "pledge",
        "report",
        "status",
        "image_preview",
        "proposed_by",
        "created_at",
        "featured_at",
        "decided_by",
    )

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("image"))
    def image_preview(self, obj):
        if not obj.image:
            return "—"
        url = reverse("progress:best_practice_image", args=[obj.pk])
        return format_html('<img src="{}" alt="{}" style="max-width: 320px">', url, obj.image_alt)

    @admin.action(
        description=gettext_lazy("Feature (public gallery and annual report)"), permissions=["change"]
    )
    def feature(self, request, queryset):
        for practice in queryset:
            services.best_practice_decide(best_practice=practice, by=request.user, feature=True)
        self.message_user(request, _("Featured: %(n)d best practice(s).") % {"n": queryset.count()})

    @admin.action(description=gettext_lazy("Do not feature"), permissions=["change"])
    def unfeature(self, request, queryset):
        for practice in queryset:
            services.best_practice_decide(best_practice=practice, by=request.user, feature=False)
        self.message_user(request, _("Not featured: %(n)d best practice(s).") % {"n": queryset.count()})


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ("period", "pledge", "user", "step", "created_at", "emailed_at")
    list_filter = ("period", "step")
    search_fields = ("pledge__public_id", "user__email")
    list_select_related = ("period", "pledge", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
