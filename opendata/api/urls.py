"""Routes of the API under /api/v1/ (namespace ``opendata-api``)."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(use_regex_path=True)
router.include_format_suffixes = False
router.register("pledges", views.PledgeViewSet, basename="pledge")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("progress-reports", views.ProgressReportViewSet, basename="progress-report")
_BASENAMES = {
    "countries": "country",
    "regions": "region",
    "country-groups": "country-group",
    "focus-areas": "focus-area",
    "pillars": "pillar",
    "pledge-types": "pledge-type",
    "stakeholder-types": "stakeholder-type",
    "sdgs": "sdg",
    "beneficiary-groups": "beneficiary-group",
    "connectivity-targets": "connectivity-target",
    "campaigns": "campaign",
    "currencies": "currency",
    "exchange-rates": "exchange-rate",
}
for prefix, viewset in views.REFERENCE_VIEWSETS.items():
    router.register(f"reference/{prefix}", viewset, basename=_BASENAMES[prefix])

app_name = "opendata-api"
urlpatterns = router.urls
