"""The Secretariat's admin for organisations: verification (verify / reject with a reason), merging duplicates,
appointing an owner, members, invitations and requests to join, with the audit trail (django-simple-history).

Actions and views call ``organisations.services`` and are allowed by the rules in ``organisations.permissions``
(``verify_organisation``, ``merge_organisations``, ``appoint_owner``).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from p2c.exceptions import ApplicationError

from . import services
from .forms import AppointOwnerForm, MergeForm, StaffReasonForm
from .models import FormerSlug, Invitation, JoinRequest, Membership, Organisation
from .selectors import organisation_can_publish


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


class HasOwnerFilter(admin.SimpleListFilter):
    title = gettext_lazy("owner")
    parameter_name = "has_owner"

    def lookups(self, request, model_admin):
        return [("no", gettext_lazy("No owner left")), ("yes", gettext_lazy("Has an owner"))]

    def queryset(self, request, queryset):
        owned = Q(memberships__role=Membership.Role.OWNER)
        if self.value() == "no":
            return queryset.exclude(owned)
        if self.value() == "yes":
            return queryset.filter(owned).distinct()
        return queryset


def _decision_action(*, name: str, label, needs_reason: bool):
    def action(modeladmin, request, queryset):
        if not request.user.has_perm("organisations.verify_organisation"):
            raise PermissionDenied
        form = StaffReasonForm(request.POST if request.POST.get("confirm") else None)
        if request.POST.get("confirm") and form.is_valid():
            reason = form.cleaned_data["reason"]
            if needs_reason and not reason.strip():
                form.add_error("reason", _("Please give a reason: the organisation's owners will see it."))
            else:
                done = 0
                for organisation in queryset:
                    try:
                        if name == "verify":
                            services.organisation_verify(
                                organisation=organisation, by=request.user, note=reason
                            )
                        else:
                            services.organisation_reject(
                                organisation=organisation, by=request.user, reason=reason
                            )
                        done += 1
                    except ApplicationError as error:
                        modeladmin.message_user(request, error.message, messages.ERROR)
                if done:
                    modeladmin.message_user(
                        request,
                        _("%(action)s: %(n)d organisation(s). Their owners are told by email.")
                        % {"action": label, "n": done},
                        messages.SUCCESS,
                    )
                return None
        return TemplateResponse(
            request,
            "admin/organisations/organisation/decision.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": label,
                "organisations": queryset,
                "form": form,
                "action": name,
                "needs_reason": needs_reason,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": modeladmin.model._meta,
            },
        )

    action.__name__ = name
    action.short_description = label
    action.allowed_permissions = ("verify",)
    return action


verify = _decision_action(name="verify", label=gettext_lazy("Verify"), needs_reason=False)
reject = _decision_action(name="reject", label=gettext_lazy("Reject"), needs_reason=True)


@admin.action(description=gettext_lazy("Merge two organisations"), permissions=["merge"])
def merge(modeladmin, request, queryset):
    """Choose which of the two selected organisations survives; the other's pledges, members and history
    move to it (``services.organisation_merge``)."""
    organisations = queryset.order_by("name")
    if organisations.count() != 2:
        modeladmin.message_user(request, _("Select exactly two organisations to merge."), messages.WARNING)
        return None
    form = MergeForm(request.POST if request.POST.get("confirm") else None, organisations=organisations)
    if request.POST.get("confirm") and form.is_valid():
        survivor = form.cleaned_data["survivor"]
        merged = organisations.exclude(pk=survivor.pk).get()
        try:
            result = services.organisation_merge(survivor=survivor, merged=merged, by=request.user)
        except ApplicationError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
            return None
        modeladmin.message_user(
            request,
            _("%(merged)s was merged into %(survivor)s.")
            % {"merged": result.merged_name, "survivor": survivor.name},
            messages.SUCCESS,
        )
        return None
    annotated = organisations.annotate(
        member_count=Count("memberships", distinct=True), pledge_count=Count("led_pledges", distinct=True)
    )
    return TemplateResponse(
        request,
        "admin/organisations/organisation/merge.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Merge two organisations"),
            "organisations": annotated,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "stakeholder_type",
        "country",
        "verification",
        "owner_count",
        "publishable",
        "created_at",
    )
    list_filter = ("verification", HasOwnerFilter, "stakeholder_type")
    search_fields = ("name", "slug", "name_key", "name_acronym")
    list_select_related = ("stakeholder_type", "country")
    autocomplete_fields = ("country",)
    inlines = [MembershipInline]
    actions = [verify, reject, merge]
    readonly_fields = (
        "verification",
        "verification_reason",
        "verification_decided_at",
        "verification_decided_by",
        "publishable",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "stakeholder_type", "country", "website", "description", "logo")}),
        (
            gettext_lazy("Verification"),
            {
                "fields": (
                    "verification",
                    "publishable",
                    "verification_reason",
                    "verification_decided_at",
                    "verification_decided_by",
                )
            },
        ),
        (gettext_lazy("Dates"), {"fields": ("created_at", "updated_at")}),
    )
    change_form_template = "admin/organisations/organisation/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_owners=Count("memberships", filter=Q(memberships__role=Membership.Role.OWNER)))
        )

    @admin.display(description=gettext_lazy("owners"), ordering="_owners")
    def owner_count(self, obj):
        count = getattr(obj, "_owners", None)
        if count == 0:
            return format_html("<strong>{}</strong>", _("none"))
        return count

    @admin.display(description=gettext_lazy("pledges can be published"))
    def publishable(self, obj):
        ok, reason = organisation_can_publish(obj)
        return _("yes") if ok else reason

    def has_verify_permission(self, request):
        return request.user.has_perm("organisations.verify_organisation")

    def has_merge_permission(self, request):
        return request.user.has_perm("organisations.merge_organisations")

    def get_urls(self):
        extra = [
            path(
                "<int:object_id>/appoint-owner/",
                self.admin_site.admin_view(self.appoint_owner_view),
                name="organisations_organisation_appoint_owner",
            )
        ]
        return extra + super().get_urls()

    def appoint_owner_view(self, request, object_id):
        """Staff appoint an owner (an existing member is promoted, or an account is added as owner)."""
        if not request.user.has_perm("organisations.appoint_owner"):
            raise PermissionDenied
        organisation = get_object_or_404(Organisation, pk=object_id)
        form = AppointOwnerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.membership_appoint_owner(organisation=organisation, user=form.user, by=request.user)
            except ApplicationError as error:
                form.add_error("email", error.message)
            else:
                self.message_user(
                    request,
                    _("%(email)s is now an owner of %(name)s.")
                    % {"email": form.user.email, "name": organisation.name},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:organisations_organisation_change", args=[organisation.pk]))
        return TemplateResponse(
            request,
            "admin/organisations/organisation/appoint_owner.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Appoint an owner"),
                "organisation": organisation,
                "form": form,
                "members": Membership.objects.filter(organisation=organisation).select_related("user"),
                "opts": self.model._meta,
            },
        )


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__name", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "status", "sent_at", "expires_at", "invited_by")
    list_filter = ("status", "role")
    search_fields = ("email", "organisation__name")
    list_select_related = ("organisation", "invited_by")
    readonly_fields = (
        "organisation",
        "email",
        "role",
        "status",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "responded_at",
        "accepted_by",
    )
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False  # owners invite from the organisation's members page


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "status", "role", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    readonly_fields = (
        "organisation",
        "user",
        "message",
        "status",
        "role",
        "created_at",
        "decided_at",
        "decided_by",
    )

    def has_add_permission(self, request):
        return False


@admin.register(FormerSlug)
class FormerSlugAdmin(admin.ModelAdmin):
    list_display = ("slug", "organisation")
    search_fields = ("slug", "organisation__name")
    autocomplete_fields = ("organisation",)
