"""The Secretariat's admin for its operations: registry imports (upload, dry-run report, import), old platform
IDs, internal notes (also shown on organisations, pledges and progress reports), announcements with who received
them, the terms of use and privacy notice, consents, the retention rule, and an "Export selected to CSV" action
on every list for anyone who may view it.

What each staff role sees and may do comes from its model permissions (``secretariat.roles``).
"""

import csv

from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Organisation
from p2c.exceptions import ApplicationError
from pledges.models import Pledge
from progress.models import ProgressReport

from . import selectors
from .announcements import announcement_recipients, announcement_send
from .consent import legal_document_next_version, legal_document_publish
from .forms import AnnouncementForm, AnnouncementTextForm, RegistryUploadForm
from .models import (
    Announcement,
    AnnouncementDelivery,
    AnnouncementText,
    Consent,
    InternalNote,
    LegacyPledge,
    LegalDocument,
    NotificationPreferences,
    PublicationConsent,
    RegistryImport,
    RetentionNotice,
    RetentionPolicy,
)
from .registry.files import FileRefused
from .registry.layout import COLUMNS, PARTNER_COLUMNS
from .registry.services import registry_import_start, registry_import_upload

REPORT_PAGE_SIZE = 200
REFRESH_SECONDS = 3


# --- "Export selected to CSV" on every list ------------------------------------------------------------------

# Never exported: secrets and credentials.
EXPORT_EXCLUDED = {"password", "token_hash", "secret", "key"}
EXPORT_EXCLUDED_BY_MODEL = {"mfa.Authenticator": {"data"}}


class _Echo:
    def write(self, value):
        return value


def _csv_safe(value) -> str:
    """A cell that a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.action(description=gettext_lazy("Export selected to CSV"), permissions=["view"])
def export_selected_csv(modeladmin, request, queryset):
    """Stream the selected rows as CSV (every plain field, secrets left out); for anyone who may view them."""
    model = modeladmin.model
    excluded = EXPORT_EXCLUDED | EXPORT_EXCLUDED_BY_MODEL.get(model._meta.label, set())
    fields = [f for f in model._meta.concrete_fields if f.name not in excluded]
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow([f.name for f in fields])
        for obj in queryset.order_by("pk").iterator(chunk_size=1000):
            yield writer.writerow([_csv_safe(f.value_from_object(obj)) for f in fields])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{model._meta.model_name}-{stamp}.csv"'
    return response


admin.site.add_action(export_selected_csv, "export_selected_csv")


def _require_change_permission_for_undeclared_actions() -> None:
    """An admin action that declares no permissions (e.g. allauth's "Mark as verified", the outbox's "Send
    again") would be offered to everyone who may view the list; such actions change data, so they require the
    model's change permission (the Analyst role reads everything and changes nothing)."""
    for model_admin in admin.site._registry.values():
        for action in model_admin.actions or ():
            function = action if callable(action) else getattr(type(model_admin), action, None)
            if function is not None and not hasattr(function, "allowed_permissions"):
                function.allowed_permissions = ("change",)


_require_change_permission_for_undeclared_actions()


# --- internal notes ------------------------------------------------------------------------------------------


class InternalNoteInline(GenericTabularInline):
    """Staff-only notes on the object, newest first: existing notes read-only, a new one added at the bottom
    with its author and time recorded."""

    model = InternalNote
    extra = 1
    fields = ("text", "author", "created_at")
    readonly_fields = ("author", "created_at")
    can_delete = False
    verbose_name = gettext_lazy("internal note (staff only)")
    verbose_name_plural = gettext_lazy("internal notes (staff only)")

    def has_change_permission(self, request, obj=None):
        return False  # a note is kept as written; a correction is a new note

    def get_formset(self, request, obj=None, **kwargs):
        base = super().get_formset(request, obj, **kwargs)

        class NoteFormSet(base):
            def save_new(self, form, commit=True):
                form.instance.author = request.user
                return super().save_new(form, commit=commit)

        return NoteFormSet


def _add_note_inline(model) -> None:
    model_admin = admin.site._registry.get(model)
    if model_admin is not None and InternalNoteInline not in model_admin.inlines:
        model_admin.inlines = [*model_admin.inlines, InternalNoteInline]


for _model in (Organisation, Pledge, ProgressReport):
    _add_note_inline(_model)


@admin.register(InternalNote)
class InternalNoteAdmin(admin.ModelAdmin):
    """Every note, to search them; notes are written on the organisation, pledge or report itself."""

    list_display = ("created_at", "subject_link", "author", "excerpt")
    list_filter = ("content_type",)
    search_fields = ("text", "author__email")
    list_select_related = ("author", "content_type")
    fields = ("subject_link", "text", "author", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("on"))
    def subject_link(self, obj):
        url = reverse(
            f"admin:{obj.content_type.app_label}_{obj.content_type.model}_change", args=[obj.object_id]
        )
        return format_html('<a href="{}">{} #{}</a>', url, obj.content_type.name, obj.object_id)

    @admin.display(description=gettext_lazy("note"))
    def excerpt(self, obj):
        return obj.text[:120]


# --- registry imports --------------------------------------------------------------------------------------


@admin.register(RegistryImport)
class RegistryImportAdmin(admin.ModelAdmin):
    """Upload a file ("Add registry import"), read the dry run's report of every row, then import."""

    list_display = (
        "original_name",
        "status",
        "row_count",
        "create_count",
        "update_count",
        "refused_count",
        "uploaded_by",
        "created_at",
        "imported_at",
    )
    list_filter = ("status",)
    search_fields = ("original_name",)
    list_select_related = ("uploaded_by",)

    def delete_model(self, request, obj):
        files = [f.name for f in (obj.file, obj.partners_file) if f.name]
        super().delete_model(request, obj)
        self._delete_files(files)

    def delete_queryset(self, request, queryset):
        files = [f.name for obj in queryset for f in (obj.file, obj.partners_file) if f.name]
        super().delete_queryset(request, queryset)
        self._delete_files(files)

    @staticmethod
    def _delete_files(names):
        storage = RegistryImport._meta.get_field("file").storage
        for name in names:
            storage.delete(name)

    def get_urls(self):
        return [
            path(
                "<int:pk>/import/",
                self.admin_site.admin_view(self.import_view),
                name="secretariat_registryimport_import",
            ),
        ] + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        """The upload form with the column layout; a bad file gets its reason by the field."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RegistryUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                record = registry_import_upload(
                    uploaded=form.cleaned_data["file"],
                    partners_uploaded=form.cleaned_data.get("partners_file"),
                    by=request.user,
                )
            except FileRefused as refused:
                field = "file"
                if form.cleaned_data.get("partners_file") and getattr(refused, "partners", False):
                    field = "partners_file"
                form.add_error(field, refused.message)
            else:
                return HttpResponseRedirect(
                    reverse("admin:secretariat_registryimport_change", args=[record.pk])
                )
        return TemplateResponse(
            request,
            "admin/secretariat/registryimport/upload.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Import the existing registry: upload a file"),
                "form": form,
                "columns": COLUMNS,
                "partner_columns": PARTNER_COLUMNS,
                "opts": self.model._meta,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The dry run's report: counts, notes on the file, every row (refused first), the import button."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = get_object_or_404(RegistryImport, pk=object_id)
        action = request.GET.get("action", "")
        if action not in ("", "create", "update", "refused"):
            action = ""
        rows = selectors.report_rows(record.report, action=action)
        page = Paginator(rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "admin/secretariat/registryimport/report.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Registry import: %(name)s") % {"name": record.original_name},
                "record": record,
                "page": page,
                "action_filter": action,
                "can_import": record.can_import and self.has_change_permission(request, record),
                "refresh_seconds": REFRESH_SECONDS if record.is_busy else None,
                "opts": self.model._meta,
                "original": record,
            },
        )

    def import_view(self, request, pk):
        """POST: start the import of a checked file (in the worker; the report page follows it)."""
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        record = get_object_or_404(RegistryImport, pk=pk)
        try:
            registry_import_start(registry_import=record, by=request.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            record.refresh_from_db()
            if record.status == RegistryImport.Status.IMPORTED:
                self.message_user(
                    request,
                    _("Imported: %(created)d pledge(s) created, %(updated)d updated.")
                    % {"created": record.create_count, "updated": record.update_count},
                    messages.SUCCESS,
                )
            elif record.status == RegistryImport.Status.FAILED:
                self.message_user(request, record.error, messages.ERROR)
            else:
                self.message_user(request, _("The import has started."), messages.INFO)
        return HttpResponseRedirect(reverse("admin:secretariat_registryimport_change", args=[pk]))


@admin.register(LegacyPledge)
class LegacyPledgeAdmin(admin.ModelAdmin):
    list_display = ("old_id", "pledge", "old_path", "registry_import", "created_at")
    search_fields = ("old_id", "old_path", "pledge__public_id", "pledge__title")
    list_select_related = ("pledge", "registry_import")
    readonly_fields = ("old_id", "old_path", "pledge", "registry_import", "created_at")

    def has_add_permission(self, request):
        return False


# --- announcements -------------------------------------------------------------------------------------------


class AnnouncementTextInline(admin.StackedInline):
    model = AnnouncementText
    form = AnnouncementTextForm
    extra = 1
    min_num = 1

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == Announcement.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class DeliveryInline(admin.TabularInline):
    """Who received the announcement (or why not), in which language, when."""

    model = AnnouncementDelivery
    extra = 0
    can_delete = False
    fields = ("email", "status", "language", "sent_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("recipients")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Write the message (one text per language), choose the pledges, check how many people it reaches, send
    it with the "Send" action; the recipients are listed once it went out."""

    form = AnnouncementForm
    list_display = ("name", "status", "created_at", "queued_at", "finished_at", "sent_count")
    list_filter = ("status",)
    search_fields = ("name", "texts__subject")
    filter_horizontal = ("focus_areas", "regions", "stakeholder_types")
    inlines = [AnnouncementTextInline, DeliveryInline]
    actions = ["send"]
    readonly_fields = ("status", "recipients_preview", "created_by", "created_at", "queued_at", "finished_at")
    fieldsets = (
        (None, {"fields": ("name", "status")}),
        (
            gettext_lazy("Focal points of which pledges"),
            {
                "fields": (
                    "focus_areas",
                    "regions",
                    "stakeholder_types",
                    "reporting_status",
                    "reporting_period",
                    "recipients_preview",
                )
            },
        ),
        (gettext_lazy("Dates"), {"fields": ("created_by", "created_at", "queued_at", "finished_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Announcement.Status.DRAFT:
            return (
                *self.readonly_fields,
                "name",
                "focus_areas",
                "regions",
                "stakeholder_types",
                "reporting_status",
                "reporting_period",
            )
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("people it reaches now"))
    def recipients_preview(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the announcement to see how many people it reaches.")
        return len(announcement_recipients(obj))

    @admin.display(description=gettext_lazy("sent to"))
    def sent_count(self, obj):
        return obj.deliveries.filter(status=AnnouncementDelivery.Status.SENT).count()

    @admin.action(description=gettext_lazy("Send the selected announcements"), permissions=["change"])
    def send(self, request, queryset):
        for announcement in queryset:
            try:
                announcement_send(announcement=announcement, by=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{announcement}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(name)s is being sent by the worker.") % {"name": announcement.name},
                    messages.SUCCESS,
                )


# --- terms, privacy notice, consent --------------------------------------------------------------------------


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin):
    """Write a new version (a draft), then publish it with the action: everyone is asked to accept it. A
    published version cannot be changed."""

    list_display = ("kind", "version", "title", "published_at", "created_at")
    list_filter = ("kind",)
    fields = ("kind", "version", "title", "body", "published_at", "created_by", "created_at")
    readonly_fields = ("version", "published_at", "created_by", "created_at")
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.version = legal_document_next_version(kind=obj.kind)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(
        description=gettext_lazy("Publish the selected drafts (everyone is asked to accept them)"),
        permissions=["publish"],
    )
    def publish(self, request, queryset):
        for document in queryset:
            try:
                legal_document_publish(document=document, by=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{document}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %(d)s") % {"d": document}, messages.SUCCESS)

    def has_publish_permission(self, request):
        return request.user.has_perm("secretariat.change_legaldocument")


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "document", "accepted_at")
    list_filter = ("document",)
    search_fields = ("user__email",)
    list_select_related = ("user", "document")
    readonly_fields = ("user", "document", "accepted_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PublicationConsent)
class PublicationConsentAdmin(admin.ModelAdmin):
    list_display = ("organisation", "given_by", "given_at")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation", "given_by")
    readonly_fields = ("organisation", "given_by", "given_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    """People's own choices: shown to staff, changed only by the people themselves (``/my/notifications/``)."""

    list_display = ("user", "decisions", "reminders", "partnership", "announcements", "digests", "language")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "decisions",
        "reminders",
        "partnership",
        "announcements",
        "digests",
        "language",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- retention -------------------------------------------------------------------------------------------------


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "enabled",
        "unverified_account_days",
        "draft_days",
        "warning_days",
        "updated_at",
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RetentionPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionNotice)
class RetentionNoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "user", "pledge", "warned_at", "delete_after")
    list_filter = ("kind",)
    list_select_related = ("user", "pledge")
    readonly_fields = ("kind", "user", "pledge", "warned_at", "delete_after")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
