from django.contrib import admin

from . import models


class MembershipInline(admin.TabularInline):
    model = models.CountryGroupMembership
    extra = 0


@admin.register(models.Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("name", "iso2", "iso3", "m49_code", "region", "sub_region")
    list_filter = ("region", "memberships__group")
    search_fields = ("name", "m49_name", "iso2", "iso3")
    list_select_related = ("region", "sub_region")
    inlines = [MembershipInline]


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "m49_code", "level", "parent")
    list_filter = ("level",)


@admin.register(models.CountryGroupMembership)
class CountryGroupMembershipAdmin(admin.ModelAdmin):
    list_display = ("country", "group", "valid_from", "valid_until", "source")
    list_filter = ("group",)
    search_fields = ("country__name",)
    autocomplete_fields = ("country",)


class PillarInline(admin.TabularInline):
    model = models.Pillar
    extra = 0


@admin.register(models.FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "tagline", "order")
    inlines = [PillarInline]


@admin.register(models.ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "date", "usd_per_unit", "source")
    list_filter = ("currency",)
    autocomplete_fields = ("currency",)


@admin.register(models.Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


for model in (models.CountryGroup, models.Pillar, models.PledgeType, models.StakeholderType, models.SDG):
    admin.site.register(model)


for model in (models.BeneficiaryGroup, models.ConnectivityTarget, models.Campaign):
    admin.site.register(model)
