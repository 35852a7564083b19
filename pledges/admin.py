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
from .models import Pledge, PledgePartner, PledgeTransition


class PledgePartnerInline(admin.TabularInline):
    model = PledgePartner
    extra = 0
    fields = ("organisation", "status", "responded_at", "responded_by")
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
                        if service is services.pledge_publish:
                            service(pledge=pledge, by=request.user, note=reason)
                        else:
                            service(pledge=pledge, by=request.user, reason=reason)
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


@admin.register(Pledge)
class PledgeAdmin(SimpleHistoryAdmin):
    list_display = ("public_id", "title", "lead_organisation", "status", "submitted_at", "published_at")
    list_filter = ("status", "focus_areas", "pledge_types", "lead_organisation__stakeholder_type")
    search_fields = ("public_id", "title", "lead_organisation__name")
    list_select_related = ("lead_organisation",)
    ordering = ("submitted_at",)
    actions = [publish, request_changes, reject]
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
    )
    autocomplete_fields = ("lead_organisation",)
    filter_horizontal = ("focus_areas", "pillars", "pledge_types", "beneficiary_countries")
    inlines = [PledgePartnerInline, PledgeTransitionInline]
    fieldsets = (
        (None, {"fields": ("public_id", "lead_organisation", "status", "title", "summary", "description")}),
        (gettext_lazy("Classification"), {"fields": ("focus_areas", "pillars", "pledge_types")}),
        (
            gettext_lazy("Where and when"),
            {"fields": ("is_global", "beneficiary_countries", "start_date", "end_date")},
        ),
        (gettext_lazy("Value"), {"fields": ("value_amount", "value_currency", "value_usd", "usd_rate")}),
        (
            gettext_lazy("Dates"),
            {"fields": ("created_by", "created_at", "updated_at", "submitted_at", "published_at")},
        ),
    )

    def has_add_permission(self, request):
        return False  # pledges are registered by their organisations


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
