"""The marketplace filters (django-filter), shared with the API and the bulk downloads.

Every parameter is parsed by a form field: unknown values are ignored (and reported by the form), never
passed to the ORM. ``?sort=`` takes a value of ``SORT_LABELS`` only.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.models import (
    SDG,
    BeneficiaryGroup,
    Country,
    CountryGroup,
    FocusArea,
    PartnershipNeed,
    Pillar,
    PledgeType,
    Region,
    StakeholderType,
)
from reference.selectors import countries_in_group_on

from . import search
from .models import Pledge

SORTS = {
    "newest": ("-published_at", "-id"),
    "oldest": ("published_at", "id"),
    "title": ("title", "id"),
}
SORT_LABELS = {
    "relevance": _("Relevance"),
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "title": _("Title (A–Z)"),
    "value": _("Highest value"),
}


class RelatedInFilter(django_filters.ModelMultipleChoiceFilter):
    """One or more values of a many-valued relation of the pledge (OR), as ``id IN (subquery)``: no join in the
    outer query, so a pledge is never repeated and the list needs no DISTINCT (the marketplace's speed on
    100,000 pledges)."""

    def filter(self, qs, value):
        if not value:
            return qs
        relation = self.field_name.rsplit("__", 1)[0]
        return qs.filter(id__in=Pledge.objects.filter(**{f"{relation}__in": value}).values("id"))


class RelatedFilter(django_filters.ModelChoiceFilter):
    """One value of a many-valued relation of the pledge, as ``id IN (subquery)`` (see ``RelatedInFilter``)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(id__in=Pledge.objects.filter(**{self.field_name: value}).values("id"))


class _NumberChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Choices named by a small whole number (an SDG's): a number out of the column's range is an invalid choice
    like any unknown one, before it reaches the database (where it would overflow: OverflowError on SQLite)."""

    largest = 32767  # PositiveSmallIntegerField

    def _check_values(self, value):
        for item in value if isinstance(value, (list, tuple)) else ():
            try:
                number = int(item)
            except (TypeError, ValueError):
                continue  # not a number: Django's own check says so
            if not 0 <= number <= self.largest:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)


class NumberInFilter(RelatedInFilter):
    """``RelatedInFilter`` on a number (``sdgs__number``): out-of-range numbers are invalid choices."""

    field_class = _NumberChoiceField


def _multi(field_name, queryset, to_field, label, filter_class=RelatedInFilter):
    return filter_class(
        field_name=field_name,
        to_field_name=to_field,
        queryset=queryset,
        widget=forms.CheckboxSelectMultiple,
        label=label,
    )


class PledgeFilter(django_filters.FilterSet):
    """Filters of published pledges. Several values of one filter widen the result (OR); filters combine (AND)."""

    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=200)
    focus_area = _multi("focus_areas__slug", FocusArea.objects.all(), "slug", _("Focus area"))
    pillar = _multi("pillars__slug", Pillar.objects.all(), "slug", _("Pillar"))
    pledge_type = _multi("pledge_types__slug", PledgeType.objects.all(), "slug", _("Pledge type"))
    stakeholder_type = _multi(
        "lead_organisation__stakeholder_type__slug",
        StakeholderType.objects.all(),
        "slug",
        _("Stakeholder type"),
        filter_class=django_filters.ModelMultipleChoiceFilter,  # one lead organisation: no repeats
    )
    region = django_filters.ModelChoiceFilter(
        method="in_region",
        to_field_name="m49_code",
        queryset=Region.objects.all(),
        label=_("Region"),
        empty_label=_("Any region"),
    )
    country = RelatedFilter(
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
    sdg = _multi("sdgs__number", SDG.objects.all(), "number", _("SDG"), filter_class=NumberInFilter)
    beneficiary_group = _multi(
        "beneficiary_groups__slug", BeneficiaryGroup.objects.all(), "slug", _("Beneficiary group")
    )
    seeking = django_filters.BooleanFilter(
        method="only_seeking", label=_("Seeking partners"), widget=forms.CheckboxInput
    )
    need = _multi("partnership_needs__slug", PartnershipNeed.objects.all(), "slug", _("Partners sought for"))
    start_year = django_filters.NumberFilter(
        field_name="start_date__year", label=_("Start year"), min_value=2000, max_value=2100
    )

    class Meta:
        model = Pledge
        fields = []

    def search(self, queryset, name, value):
        """Folded, weighted search (``pledges.search``)."""
        return search.search(queryset, value)

    def only_seeking(self, queryset, name, value):
        """Checked: only pledges seeking partners; unchecked (absent): no filtering."""
        return queryset.filter(seeking_partners=True) if value else queryset

    def in_group(self, queryset, name, value):
        """Pledges with at least one beneficiary country in the group today (dated membership)."""
        countries = countries_in_group_on(group_code=value.code, on_date=timezone.localdate())
        return queryset.filter(id__in=Pledge.objects.filter(beneficiary_countries__in=countries).values("id"))

    def in_region(self, queryset, name, value):
        """Pledges in an M49 region or sub-region: by their countries, or naming the region as a whole."""
        inside = (
            Q(beneficiary_countries__region=value)
            | Q(beneficiary_countries__sub_region=value)
            | Q(beneficiary_countries__intermediate_region=value)
            | Q(regions=value)
        )
        return queryset.filter(id__in=Pledge.objects.filter(inside).values("id"))
