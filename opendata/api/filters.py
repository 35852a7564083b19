"""Filters of the API: the marketplace's own ``PledgeFilter`` (imported, never copied) and a few of the API's."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from organisations.models import Organisation
from pledges.filters import PledgeFilter
from pledges.models import Pledge
from progress.models import ProgressReport
from reference.models import Country, StakeholderType

from .. import selectors


class PledgeFilterBackend(DjangoFilterBackend):
    """Applies the marketplace's filters (``pledges.filters.PledgeFilter``: ``q``, ``focus_area``, ``pledge_type``,
    ``stakeholder_type``, ``country``, ``group``, and any the marketplace adds) with the same query parameters as
    ``/pledges/``. An unknown value is a 400 that names the parameter.

    On a list of pledges it filters the pledges; on another list (progress reports) it keeps the rows whose
    pledge matches (``pledge_scope_field`` of the view, e.g. ``"pledge"``).
    """

    def get_filterset_class(self, view, queryset=None):
        return PledgeFilter

    def filter_queryset(self, request, queryset, view):
        scope = getattr(view, "pledge_scope_field", None)
        if scope is None:
            return super().filter_queryset(request, queryset, view)
        if not selectors.pledge_filter_is_used(request.query_params):
            return queryset
        pledge_filter = PledgeFilter(
            request.query_params, queryset=Pledge.objects.published(), request=request
        )
        if not pledge_filter.is_valid():
            raise ValidationError(pledge_filter.errors)
        return queryset.filter(**{f"{scope}__in": pledge_filter.qs.values("pk")})


class OrganisationFilter(django_filters.FilterSet):
    """Organisations by stakeholder type (slug) and headquarters country (ISO 3166-1 alpha-2)."""

    stakeholder_type = django_filters.ModelChoiceFilter(
        field_name="stakeholder_type",
        to_field_name="slug",
        queryset=StakeholderType.objects.all(),
        label=_("Stakeholder type (slug)"),
    )
    country = django_filters.ModelChoiceFilter(
        field_name="country",
        to_field_name="iso2",
        queryset=Country.objects.all(),
        label=_("Headquarters country (ISO 3166-1 alpha-2)"),
    )

    class Meta:
        model = Organisation
        fields = []


class ProgressReportFilter(django_filters.FilterSet):
    """Progress reports of one pledge (public ID) or with one implementation status."""

    pledge = django_filters.CharFilter(field_name="pledge__public_id", label=_("Public ID of the pledge"))
    implementation_status = django_filters.ChoiceFilter(
        choices=ProgressReport.ImplementationStatus.choices, label=_("Implementation status")
    )

    class Meta:
        model = ProgressReport
        fields = []
