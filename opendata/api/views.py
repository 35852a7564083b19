"""The read-only API (``/api/v1/``): published pledges, verified organisations, public progress reports and the
reference data. Anonymous, throttled per client address, cursor-paginated, with ETag / Last-Modified."""

from django.db.models import Prefetch
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, viewsets

from reference.models import (
    SDG,
    BeneficiaryGroup,
    Campaign,
    ConnectivityTarget,
    Country,
    CountryGroup,
    CountryGroupMembership,
    Currency,
    ExchangeRate,
    FocusArea,
    Pillar,
    PledgeType,
    Region,
    StakeholderType,
)

from .. import conditional, selectors
from . import serializers
from .filters import OrganisationFilter, PledgeFilterBackend, ProgressReportFilter


class ConditionalGetMixin:
    """List and detail answer If-None-Match / If-Modified-Since with 304 before reading any row, and carry ETag,
    Last-Modified and Cache-Control."""

    def _conditional(self, request, handler, *args, **kwargs):
        etag, last_modified = conditional.validators(request, variant=request.accepted_media_type or "")
        response = conditional.not_modified(request, etag, last_modified)
        if response is None:
            response = handler(request, *args, **kwargs)
            if response.status_code != 200:
                return response
        return conditional.stamp(response, etag, last_modified)

    def list(self, request, *args, **kwargs):
        return self._conditional(request, super().list, *args, **kwargs)


class ConditionalRetrieveMixin(ConditionalGetMixin):
    def retrieve(self, request, *args, **kwargs):
        return self._conditional(request, super().retrieve, *args, **kwargs)


@method_decorator(vary_on_headers("Accept"), name="dispatch")
class PublicViewSet(ConditionalRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail of public objects. Subclasses set ``cursor_ordering`` (the cursor's fixed
    order; its first field must be unique or nearly so)."""

    cursor_ordering = ("-id",)


@method_decorator(vary_on_headers("Accept"), name="dispatch")
class ListViewSet(ConditionalGetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A read-only list without a detail (rows without a public identifier of their own)."""

    cursor_ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(
        summary="Published pledges", description="Filters: the same query parameters as /pledges/."
    ),
    retrieve=extend_schema(summary="A published pledge by its public ID"),
)
class PledgeViewSet(PublicViewSet):
    """Published pledges with their confirmed partners, taxonomy, countries, value and deliverables."""

    serializer_class = serializers.PledgeSerializer
    lookup_field = "public_id"
    lookup_value_regex = r"P2C-[0-9]{4}-[0-9]{4,6}"
    filter_backends = [PledgeFilterBackend]
    cursor_ordering = ("public_id",)

    def get_queryset(self):
        return (
            selectors.public_pledges()
            .select_related(
                "lead_organisation__stakeholder_type",
                "lead_organisation__country",
                "usd_rate",
                "campaign",
            )
            .prefetch_related(
                Prefetch(
                    "partners",
                    queryset=selectors.confirmed_partners()
                    .select_related("organisation__stakeholder_type", "organisation__country")
                    .order_by("organisation__name", "pk"),
                    to_attr="confirmed_partners",
                ),
                "focus_areas",
                "pillars",
                "pledge_types",
                "sdgs",
                "beneficiary_groups",
                "connectivity_targets",
                "beneficiary_countries",
                "regions",
                "deliverables",
            )
        )


@extend_schema_view(
    list=extend_schema(summary="Verified organisations"),
    retrieve=extend_schema(summary="A verified organisation by its slug"),
)
class OrganisationViewSet(PublicViewSet):
    """Organisations verified by the P2C Secretariat."""

    serializer_class = serializers.OrganisationSerializer
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrganisationFilter
    cursor_ordering = ("slug",)

    def get_queryset(self):
        return selectors.public_organisations().select_related("stakeholder_type", "country")


@extend_schema_view(
    list=extend_schema(
        summary="Public progress reports",
        description="Reports on published pledges, newest first. The marketplace's filters select the pledges.",
    ),
    retrieve=extend_schema(summary="A public progress report by its number"),
)
class ProgressReportViewSet(PublicViewSet):
    """Progress reports on published pledges."""

    serializer_class = serializers.ProgressReportSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = [PledgeFilterBackend, DjangoFilterBackend]
    filterset_class = ProgressReportFilter
    pledge_scope_field = "pledge"
    cursor_ordering = ("-created_at", "-id")

    def get_queryset(self):
        return selectors.public_progress_reports().select_related("pledge")


def reference_viewset(
    model,
    serializer,
    *,
    lookup_field: str,
    ordering,
    regex: str = "[^/]+",
    related=(),
    prefetch=(),
    detail=True,
):
    """A read-only viewset of one reference table, looked up by its public code."""
    bases = (PublicViewSet,) if detail else (ListViewSet,)
    name = model._meta.verbose_name_plural
    attrs = {
        "__doc__": f"Reference data: {name}.",
        "serializer_class": serializer,
        "lookup_field": lookup_field,
        "lookup_value_regex": regex,
        "cursor_ordering": ordering,
        "queryset": model.objects.select_related(*related).prefetch_related(*prefetch),
    }
    view = type(f"{model.__name__}ViewSet", bases, attrs)
    schemas = {"list": extend_schema(summary=f"Reference data: {name}", tags=["reference"])}
    if detail:
        schemas["retrieve"] = extend_schema(summary=f"Reference data: one of the {name}", tags=["reference"])
    return extend_schema_view(**schemas)(view)


REFERENCE_VIEWSETS = {
    "countries": reference_viewset(
        Country,
        serializers.CountrySerializer,
        lookup_field="iso2",
        ordering=("iso2",),
        regex="[A-Z]{2}",
        related=("region", "sub_region", "intermediate_region"),
        prefetch=(Prefetch("memberships", queryset=CountryGroupMembership.objects.select_related("group")),),
    ),
    "regions": reference_viewset(
        Region,
        serializers.RegionSerializer,
        lookup_field="m49_code",
        ordering=("m49_code",),
        regex="[0-9]{3}",
        related=("parent",),
    ),
    "country-groups": reference_viewset(
        CountryGroup, serializers.CountryGroupSerializer, lookup_field="code", ordering=("code",)
    ),
    "focus-areas": reference_viewset(
        FocusArea,
        serializers.FocusAreaSerializer,
        lookup_field="slug",
        ordering=("slug",),
        prefetch=("pillars",),
    ),
    "pillars": reference_viewset(
        Pillar, serializers.PillarSerializer, lookup_field="slug", ordering=("slug",), related=("focus_area",)
    ),
    "pledge-types": reference_viewset(
        PledgeType, serializers.PledgeTypeSerializer, lookup_field="slug", ordering=("slug",)
    ),
    "stakeholder-types": reference_viewset(
        StakeholderType, serializers.StakeholderTypeSerializer, lookup_field="slug", ordering=("slug",)
    ),
    "sdgs": reference_viewset(
        SDG, serializers.SDGSerializer, lookup_field="number", ordering=("number",), regex="[0-9]{1,2}"
    ),
    "beneficiary-groups": reference_viewset(
        BeneficiaryGroup, serializers.BeneficiaryGroupSerializer, lookup_field="slug", ordering=("slug",)
    ),
    "connectivity-targets": reference_viewset(
        ConnectivityTarget, serializers.ConnectivityTargetSerializer, lookup_field="slug", ordering=("slug",)
    ),
    "campaigns": reference_viewset(
        Campaign, serializers.CampaignSerializer, lookup_field="slug", ordering=("slug",)
    ),
    "currencies": reference_viewset(
        Currency, serializers.CurrencySerializer, lookup_field="code", ordering=("code",), regex="[A-Z]{3}"
    ),
    "exchange-rates": reference_viewset(
        ExchangeRate, serializers.ExchangeRateSerializer, lookup_field="pk", ordering=("id",), detail=False
    ),
}


class ApiDocsView(SpectacularSwaggerSplitView):
    """The API's documentation (Swagger UI), its assets served from our static files (drf-spectacular-sidecar)."""

    template_name = "opendata/api_docs.html"
    url_name = "opendata-schema"
    title = "P2C Pledging Platform API"
