"""The Secretariat's moderation of pledges in the Django admin.

Decisions are admin actions that call the services (``pledge_publish``, ``pledge_request_changes``,
``pledge_reject``); each asks for a reason on an intermediate page and reports refused transitions.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from p2c.exceptions import ApplicationError

from . import services
from .forms import ReasonForm
from .models import (
    Deliverable,
    PartnershipRequest,
    Pledge,
    PledgePartner,
    PledgeRevision,
    PledgeTransition,
    ProblemReport,
)


class PledgePartnerInline(admin.TabularInline):
    model = PledgePartner
    extra = 0
    fields = (
        "organisation",
        "invited_name",
        "invited_email",
        "status",
        "role",
        "share_percent",
        "responded_at",
        "responded_by",
    )
    readonly_fields = ("responded_at", "responded_by")
    autocomplete_fields = ("organisation",)


class PledgeTransitionInline(admin.TabularInline):
    model = PledgeTransition
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _decision_action(service, *, name: str, label, needs_reason: bool):
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if request.POST.get("confirm") else None)
        if request.POST.get("confirm") and form.is_valid():
            reason = form.cleaned_data["reason"]
            if needs_reason and not reason.strip():
                form.add_error("reason", _("Please give a reason: the pledging organisation will see it."))
            else:
                done = 0
                for pledge in queryset:
                    try:
                        if needs_reason:
                            service(pledge=pledge, by=request.user, reason=reason)
                        else:
                            service(pledge=pledge, by=request.user, note=reason)
                        done += 1
                    except ApplicationError as error:
                        modeladmin.message_user(
                            request, f"{pledge.public_id}: {error.message}", messages.ERROR
                        )
                if done:
                    modeladmin.message_user(
                        request,
                        _("%(action)s: %(n)d pledge(s).") % {"action": label, "n": done},
                        messages.SUCCESS,
                    )
                return None
        return TemplateResponse(
            request,
            "admin/pledges/decision.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": label,
                "pledges": queryset,
                "form": form,
                "action": name,
                "needs_reason": needs_reason,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": modeladmin.model._meta,
            },
        )

    action.__name__ = name
    action.short_description = label
    action.allowed_permissions = ("change",)
    return action


publish = _decision_action(
    services.pledge_publish, name="publish", label=gettext_lazy("Publish"), needs_reason=False
)
request_changes = _decision_action(
    services.pledge_request_changes,
    name="request_changes",
    label=gettext_lazy("Request changes"),
    needs_reason=True,
)
reject = _decision_action(
    services.pledge_reject, name="reject", label=gettext_lazy("Reject"), needs_reason=True
)
confirm_completion = _decision_action(
    services.pledge_confirm_completion,
    name="confirm_completion",
    label=gettext_lazy("Confirm completion"),
    needs_reason=False,
)
decline_completion = _decision_action(
    services.pledge_decline_completion,
    name="decline_completion",
    label=gettext_lazy("Decline completion"),
    needs_reason=True,
)
close = _decision_action(
    services.pledge_close, name="close", label=gettext_lazy("Close (read-only)"), needs_reason=False
)


class CountryListFilter(admin.SimpleListFilter):
    """Filter the moderation queue by beneficiary country (only countries that have pledges)."""

    title = gettext_lazy("beneficiary country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        from reference.models import Country

        return [
            (c.iso2, c.name)
            for c in Country.objects.filter(pledges__isnull=False).distinct().order_by("name")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(beneficiary_countries__iso2=self.value()).distinct()
        return queryset


class UnmatchedNeedsFilter(admin.SimpleListFilter):
    """Published pledges seeking partners for which matchmaking finds no complementary pledge."""

    title = gettext_lazy("seeking partners")
    parameter_name = "seeking"

    def lookups(self, request, model_admin):
        return [("all", _("Seeking partners")), ("unmatched", _("Seeking, no match found"))]

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset.filter(seeking_partners=True)
        if self.value() == "unmatched":
            from .partnering import unmatched_needs

            return queryset.filter(pk__in=[p.pk for p in unmatched_needs()])
        return queryset


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0
    fields = ("title", "due_date", "indicator", "target_value", "unit", "weight", "order")


@admin.register(Pledge)
class PledgeAdmin(SimpleHistoryAdmin):
    list_display = (
        "public_id",
        "title",
        "lead_organisation",
        "status",
        "waiting",
        "submitted_at",
        "published_at",
    )
    list_filter = (
        "status",
        "focus_areas",
        "pledge_types",
        "lead_organisation__stakeholder_type",
        CountryListFilter,
        UnmatchedNeedsFilter,
    )
    search_fields = ("public_id", "title", "lead_organisation__name")
    list_select_related = ("lead_organisation",)
    raw_id_fields = ("focal_point",)
    actions = [publish, request_changes, reject, confirm_completion, decline_completion, close]
    readonly_fields = (
        "public_id",
        "status",
        "submitted_at",
        "published_at",
        "created_at",
        "updated_at",
        "value_usd",
        "usd_rate",
        "created_by",
        "likely_duplicates",
        "organisation_verification",
    )
    autocomplete_fields = ("lead_organisation",)
    filter_horizontal = (
        "focus_areas",
        "pillars",
        "pledge_types",
        "beneficiary_countries",
        "regions",
        "sdgs",
        "beneficiary_groups",
        "connectivity_targets",
    )
    inlines = [DeliverableInline, PledgePartnerInline, PledgeTransitionInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "public_id",
                    "lead_organisation",
                    "organisation_verification",
                    "status",
                    "likely_duplicates",
                    "title",
                    "summary",
                    "description",
                    "language",
                    "website",
                    "focal_point",
                )
            },
        ),
        (
            gettext_lazy("Classification"),
            {
                "fields": (
                    "focus_areas",
                    "pillars",
                    "pledge_types",
                    "sdgs",
                    "beneficiary_groups",
                    "connectivity_targets",
                    "campaign",
                )
            },
        ),
        (
            gettext_lazy("Where and when"),
            {"fields": ("is_global", "beneficiary_countries", "regions", "start_date", "end_date")},
        ),
        (gettext_lazy("Value"), {"fields": ("value_amount", "value_currency", "value_usd", "usd_rate")}),
        (
            gettext_lazy("Dates"),
            {"fields": ("created_by", "created_at", "updated_at", "submitted_at", "published_at")},
        ),
    )

    def has_add_permission(self, request):
        return False  # pledges are registered by their organisations

    def has_delete_permission(self, request, obj=None):
        return False  # a pledge's record and its moderation history are kept; withdraw or reject instead

    def get_queryset(self, request):
        from django.db.models import F

        # The moderation queue: the longest-waiting submissions first.
        return super().get_queryset(request).order_by(F("submitted_at").asc(nulls_last=True), "id")

    @admin.display(description=gettext_lazy("waiting"))
    def waiting(self, obj):
        from django.utils import timezone
        from django.utils.timesince import timesince

        if obj.status == Pledge.Status.SUBMITTED and obj.submitted_at:
            return timesince(obj.submitted_at, timezone.now())
        return "—"

    @admin.display(description=gettext_lazy("likely duplicates"))
    def likely_duplicates(self, obj):
        from django.utils.html import format_html_join

        from .selectors import likely_duplicates

        found = likely_duplicates(obj)
        if not found:
            return "—"
        return format_html_join(", ", "{} ({})", ((p.public_id, p.title) for p in found))

    @admin.display(description=gettext_lazy("organisation verification"))
    def organisation_verification(self, obj):
        org = obj.lead_organisation
        if org.verification == org.Verification.VERIFIED:
            return org.get_verification_display()
        return _("%(status)s: its pledges cannot be published until the organisation is verified.") % {
            "status": org.get_verification_display()
        }


@admin.register(PledgeRevision)
class PledgeRevisionAdmin(admin.ModelAdmin):
    """Pending changes to published pledges, with the differences field by field; approve or reject them."""

    list_display = ("pledge", "status", "created_by", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("pledge__public_id", "pledge__title")
    list_select_related = ("pledge", "created_by")
    readonly_fields = (
        "pledge",
        "status",
        "created_by",
        "created_at",
        "decided_by",
        "decided_at",
        "reason",
        "differences",
    )
    exclude = ("data",)
    actions = ["approve", "reject_revision"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("differences from the published version"))
    def differences(self, obj):
        from django.utils.html import format_html, format_html_join

        from .revisions import pledge_as_data, revision_differences

        before = obj.data if obj.status != PledgeRevision.Status.PENDING else pledge_as_data(obj.pledge)
        changes = (
            revision_differences(before, obj.data) if obj.status == PledgeRevision.Status.PENDING else []
        )
        if not changes:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            ((c["label"], c["before"], c["after"]) for c in changes),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("field"),
            _("published"),
            _("proposed"),
            rows,
        )

    @admin.action(description=gettext_lazy("Approve the selected revisions"), permissions=["change"])
    def approve(self, request, queryset):
        for revision in queryset:
            try:
                services.pledge_revision_approve(revision=revision, by=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{revision}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("Approved: %(r)s") % {"r": revision}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Reject the selected revisions"), permissions=["change"])
    def reject_revision(self, request, queryset):
        reason = request.POST.get("reason", "").strip() or _("The Secretariat did not approve these changes.")
        for revision in queryset:
            try:
                services.pledge_revision_reject(revision=revision, by=request.user, reason=reason)
            except ApplicationError as error:
                self.message_user(request, f"{revision}: {error.message}", messages.ERROR)


@admin.register(PledgeTransition)
class PledgeTransitionAdmin(admin.ModelAdmin):
    list_display = ("at", "pledge", "from_status", "to_status", "by")
    list_filter = ("to_status",)
    search_fields = ("pledge__public_id", "pledge__title", "reason")
    list_select_related = ("pledge", "by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AbuseListFilter(admin.SimpleListFilter):
    title = gettext_lazy("reported as abuse")
    parameter_name = "abuse"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(abuse_reported_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(abuse_reported_at__isnull=True)
        return queryset


@admin.register(PartnershipRequest)
class PartnershipRequestAdmin(admin.ModelAdmin):
    """Partnership messages between organisations; staff act on those reported as abuse."""

    list_display = ("created_at", "from_organisation", "pledge", "status", "abuse_reported_at")
    list_filter = (AbuseListFilter, "status")
    search_fields = ("pledge__public_id", "from_organisation__name", "message")
    list_select_related = ("pledge", "from_organisation")
    readonly_fields = (
        "pledge",
        "from_organisation",
        "sender",
        "message",
        "status",
        "reply",
        "replied_by",
        "replied_at",
        "abuse_reported_at",
        "created_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """The queue of "report a problem with this pledge" messages, with status and assignee."""

    list_display = ("created_at", "pledge", "status", "assignee", "email")
    list_filter = ("status", "assignee")
    list_editable = ("status", "assignee")
    search_fields = ("pledge__public_id", "pledge__title", "message", "email")
    list_select_related = ("pledge", "assignee")
    readonly_fields = ("pledge", "reporter", "email", "message", "created_at")

    def has_add_permission(self, request):
        return False
