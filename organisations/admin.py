from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "stakeholder_type", "country", "verification", "created_at")
    list_filter = ("verification", "stakeholder_type")
    search_fields = ("name", "slug")
    list_select_related = ("stakeholder_type", "country")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("country",)
    inlines = [MembershipInline]
