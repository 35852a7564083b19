"""The admin of accounts: users, their email addresses (allauth) and their second factors (allauth.mfa).

Escalation guards (the Administrator role may change users, ``secretariat.roles``):

- only a superuser sees and changes "superuser status" and a user's own permissions; anyone else who may change
  users gives staff members one of the staff roles (the role groups) and nothing else;
- only a superuser changes or deletes a superuser's account, email addresses or second factors (others see
  them read-only);
- nobody reads a second factor's secrets (the TOTP secret, the recovery codes' seed): an authenticator can
  only be listed and deleted (which resets the person's second factor).
"""

import allauth.account.admin  # noqa: F401  (registers EmailAddress first, replaced below)
import allauth.mfa.admin  # noqa: F401  (registers Authenticator first, replaced below)
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .models import User

SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


def _role_names() -> list[str]:
    from secretariat.roles import ROLE_PERMISSIONS

    return list(ROLE_PERMISSIONS)


def _guards_superuser(request, account) -> bool:
    """True when ``account`` is a superuser's and the person asking is not one: they may not change it."""
    return account is not None and account.is_superuser and not request.user.is_superuser


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return tuple(
            (
                name,
                {**options, "fields": tuple(f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS)},
            )
            for name, options in fieldsets
        )

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return tuple(f for f in filters if f not in SUPERUSER_ONLY_FIELDS)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=_role_names())
            kwargs.setdefault("help_text", _("The staff roles this person has."))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return not _guards_superuser(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _guards_superuser(request, obj) and super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        # A non-superuser's form offers the role groups only: other groups the person is in stay as they are.
        kept = []
        if change and not request.user.is_superuser:
            kept = list(form.instance.groups.exclude(name__in=_role_names()))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)


class EmailAddressAdminForm(forms.ModelForm):
    """allauth's email address form; a non-superuser cannot give a superuser an address (``request`` is set by
    ``EmailAddressAdmin.get_form``)."""

    request = None

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if self.request is not None and _guards_superuser(self.request, user):
            raise forms.ValidationError(_("Only a superuser can change a superuser's account."))
        return user


class EmailAddressAdmin(allauth.account.admin.EmailAddressAdmin):
    form = EmailAddressAdminForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def has_change_permission(self, request, obj=None):
        owner = obj.user if obj is not None else None
        return not _guards_superuser(request, owner) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        owner = obj.user if obj is not None else None
        return not _guards_superuser(request, owner) and super().has_delete_permission(request, obj)

    def make_verified(self, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.exclude(user__is_superuser=True)
        return super().make_verified(request, queryset)

    make_verified.short_description = allauth.account.admin.EmailAddressAdmin.make_verified.short_description


admin.site.unregister(EmailAddress)
admin.site.register(EmailAddress, EmailAddressAdmin)


class AuthenticatorAdmin(admin.ModelAdmin):
    """Second factors: who has which, since when, last used. Their ``data`` (the TOTP secret, the recovery
    codes' seed, the security key's public key) is never shown, listed or exported; staff with the delete
    permission may delete one to reset a person's second factor."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    exclude = ("data",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        owner = obj.user if obj is not None else None
        return not _guards_superuser(request, owner) and super().has_delete_permission(request, obj)


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, AuthenticatorAdmin)
