"""The marketplace filters (django-filter), shared with later exports and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.models import Country, CountryGroup, FocusArea, PledgeType, StakeholderType
from reference.selectors import countries_in_group_on

from .models import Pledge

SORTS = {
    "newest": ("-published_at", "-id"),
    "oldest": ("published_at", "id"),
    "title": ("title", "id"),
}
SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "title": _("Title (A–Z)"),
    "value": _("Highest value"),
}


class PledgeFilter(django_filters.FilterSet):
    """Filters of published pledges. Unknown values are ignored (the form reports them), never passed on."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    focus_area = django_filters.ModelMultipleChoiceFilter(
        field_name="focus_areas__slug",
        to_field_name="slug",
        queryset=FocusArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Focus area"),
    )
    pledge_type = django_filters.ModelMultipleChoiceFilter(
        field_name="pledge_types__slug",
        to_field_name="slug",
        queryset=PledgeType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Pledge type"),
    )
    stakeholder_type = django_filters.ModelMultipleChoiceFilter(
        field_name="lead_organisation__stakeholder_type__slug",
        to_field_name="slug",
        queryset=StakeholderType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Stakeholder type"),
    )
    country = django_filters.ModelChoiceFilter(
        field_name="beneficiary_countries",
        to_field_name="iso2",
        queryset=Country.objects.all(),
        label=_("Beneficiary country"),
        empty_label=_("Any country"),
    )
    group = django_filters.ModelChoiceFilter(
        method="in_group",
        to_field_name="code",
        queryset=CountryGroup.objects.all(),
        label=_("Targets LDC / LLDC / SIDS"),
        empty_label=_("Any"),
    )

    class Meta:
        model = Pledge
        fields = []

    def search(self, queryset, name, value):
        """Case-insensitive match in title, summary, description, organisation names and country names/codes."""
        terms = value.split()[:8]
        for term in terms:
            condition = (
                Q(title__icontains=term)
                | Q(summary__icontains=term)
                | Q(description__icontains=term)
                | Q(lead_organisation__name__icontains=term)
                | Q(partners__organisation__name__icontains=term)
                | Q(beneficiary_countries__name__icontains=term)
            )
            if len(term) in (2, 3):
                condition |= Q(beneficiary_countries__iso2__iexact=term) | Q(
                    beneficiary_countries__iso3__iexact=term
                )
            queryset = queryset.filter(id__in=Pledge.objects.filter(condition).values("id"))
        return queryset

    def in_group(self, queryset, name, value):
        """Pledges with at least one beneficiary country in the group today (dated membership)."""
        countries = countries_in_group_on(group_code=value.code, on_date=timezone.localdate())
        return queryset.filter(id__in=Pledge.objects.filter(beneficiary_countries__in=countries).values("id"))

    def filter_queryset(self, queryset):
        # Multi-valued joins can repeat a pledge: keep each once.
        return super().filter_queryset(queryset).distinct()
