"""Representations of the API: public fields only, stable identifiers (public IDs, ISO codes, slugs).

No serializer here reads a user, an email address, a focal point or an invitation. Reference data is named by its
code; the codes are listed under ``/api/v1/reference/``.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organisations.models import Organisation
from pledges.models import Deliverable, Pledge, PledgePartner
from progress.models import ProgressReport
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


class SiteUrlField(serializers.ReadOnlyField):
    """The absolute address of the object's page on the platform (``get_absolute_url`` under ``SITE_URL``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return f"{settings.SITE_URL}{value.get_absolute_url()}"


SiteUrlField = extend_schema_field(OpenApiTypes.URI)(SiteUrlField)


def _slugs(**kwargs):
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


class OrganisationRefSerializer(serializers.ModelSerializer):
    """An organisation named inside another object."""

    stakeholder_type = _slugs()
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = ["slug", "name", "stakeholder_type", "country"]


class PartnerSerializer(serializers.ModelSerializer):
    """A partner of a joint pledge that confirmed its participation."""

    organisation = OrganisationRefSerializer(read_only=True)
    iati_role = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="IATI OrganisationRole code of the role, when it maps to one.",
    )
    share_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True, coerce_to_string=True
    )

    class Meta:
        model = PledgePartner
        fields = ["organisation", "role", "iati_role", "share_percent"]


class UsdRateSerializer(serializers.ModelSerializer):
    """The exchange rate used for the US dollar equivalent."""

    currency = serializers.CharField(source="currency_id", read_only=True)

    class Meta:
        model = ExchangeRate
        fields = ["currency", "usd_per_unit", "date", "source"]


class ValueSerializer(serializers.Serializer):
    """The estimated value: as pledged, and in US dollars at the stated rate."""

    amount = serializers.DecimalField(
        source="value_amount", max_digits=16, decimal_places=2, allow_null=True, read_only=True
    )
    currency = serializers.CharField(source="value_currency_id", allow_null=True, read_only=True)
    usd = serializers.DecimalField(
        source="value_usd", max_digits=20, decimal_places=2, allow_null=True, read_only=True
    )
    usd_rate = UsdRateSerializer(read_only=True, allow_null=True)


class DeliverableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deliverable
        fields = ["title", "due_date", "indicator", "target_value", "unit", "weight"]


class PledgeSerializer(serializers.ModelSerializer):
    """A published pledge."""

    url = SiteUrlField()
    lead_organisation = OrganisationRefSerializer(read_only=True)
    partners = PartnerSerializer(source="confirmed_partners", many=True, read_only=True)
    focus_areas = _slugs(many=True)
    pillars = _slugs(many=True)
    pledge_types = _slugs(many=True)
    sdgs = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    beneficiary_groups = _slugs(many=True)
    connectivity_targets = _slugs(many=True)
    campaign = _slugs(allow_null=True)
    beneficiary_countries = serializers.SlugRelatedField(slug_field="iso2", many=True, read_only=True)
    regions = serializers.SlugRelatedField(slug_field="m49_code", many=True, read_only=True)
    value = ValueSerializer(source="*", read_only=True)
    deliverables = DeliverableSerializer(many=True, read_only=True)

    class Meta:
        model = Pledge
        fields = [
            "public_id",
            "url",
            "title",
            "summary",
            "description",
            "language",
            "website",
            "status",
            "lead_organisation",
            "partners",
            "focus_areas",
            "pillars",
            "pledge_types",
            "sdgs",
            "beneficiary_groups",
            "connectivity_targets",
            "campaign",
            "is_global",
            "beneficiary_countries",
            "regions",
            "start_date",
            "end_date",
            "value",
            "deliverables",
            "published_at",
            "updated_at",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    """A verified organisation."""

    url = SiteUrlField()
    stakeholder_type = _slugs()
    country = serializers.SlugRelatedField(slug_field="iso2", read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "url",
            "name",
            "stakeholder_type",
            "country",
            "website",
            "description",
            "updated_at",
        ]


@extend_schema_field(OpenApiTypes.DATETIME)
class ReportedAtField(serializers.ReadOnlyField):
    """When the report became public (``published_at`` once reports are reviewed, else ``created_at``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        moment = getattr(value, "published_at", None) or value.created_at
        return serializers.DateTimeField().to_representation(moment)


class ProgressReportSerializer(serializers.ModelSerializer):
    """A public progress report on a published pledge."""

    pledge = serializers.SlugRelatedField(slug_field="public_id", read_only=True)
    reported_at = ReportedAtField()

    class Meta:
        model = ProgressReport
        fields = ["id", "pledge", "implementation_status", "percent_complete", "narrative", "reported_at"]


# --- reference data -----------------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="m49_code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["m49_code", "name", "level", "parent"]


class MembershipSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CountryGroupMembership
        fields = ["group", "valid_from", "valid_until", "source"]


class CountrySerializer(serializers.ModelSerializer):
    """A country of the UNSD M49 list with its regions and its dated LDC / LLDC / SIDS memberships."""

    region = serializers.SlugRelatedField(slug_field="m49_code", read_only=True, allow_null=True)
    sub_region = serializers.SlugRelatedField(slug_field="m49_code", read_only=True, allow_null=True)
    intermediate_region = serializers.SlugRelatedField(slug_field="m49_code", read_only=True, allow_null=True)
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Country
        fields = [
            "iso2",
            "iso3",
            "m49_code",
            "name",
            "region",
            "sub_region",
            "intermediate_region",
            "memberships",
        ]


class CountryGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = CountryGroup
        fields = ["code", "m49_code", "name"]


class PillarSerializer(serializers.ModelSerializer):
    focus_area = _slugs()

    class Meta:
        model = Pillar
        fields = ["slug", "name", "focus_area", "provisional", "source_note", "order"]


class FocusAreaSerializer(serializers.ModelSerializer):
    pillars = _slugs(many=True)

    class Meta:
        model = FocusArea
        fields = ["slug", "name", "tagline", "order", "pillars"]


class PledgeTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PledgeType
        fields = ["slug", "name", "order"]


class StakeholderTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StakeholderType
        fields = ["slug", "name", "order"]


class SDGSerializer(serializers.ModelSerializer):
    class Meta:
        model = SDG
        fields = ["number", "name"]


class BeneficiaryGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = BeneficiaryGroup
        fields = ["slug", "name", "order"]


class ConnectivityTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConnectivityTarget
        fields = ["slug", "name", "source_note", "order"]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["slug", "name", "year"]


class CurrencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Currency
        fields = ["code", "name"]


class ExchangeRateSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="currency_id", read_only=True)

    class Meta:
        model = ExchangeRate
        fields = ["currency", "date", "usd_per_unit", "source"]
