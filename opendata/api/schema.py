"""OpenAPI description of the marketplace filters on the API (drf-spectacular extension).

drf-spectacular's own django-filter extension guesses parameter types from the model of the view, which fails for
method filters and for the pledge filters applied to progress reports. The marketplace's filters all take codes
(slugs, ISO codes) or text, one or several: that is described here, from ``PledgeFilter.base_filters`` itself, so a
filter the marketplace adds appears in the API's documentation without a change here.
"""

import django_filters
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.plumbing import build_array_type, build_basic_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from pledges.filters import PledgeFilter

# Where each known filter's codes are listed (the reference data endpoints of the API).
CODE_LISTS = {
    "focus_area": "/api/v1/reference/focus-areas/",
    "pledge_type": "/api/v1/reference/pledge-types/",
    "stakeholder_type": "/api/v1/reference/stakeholder-types/",
    "country": "/api/v1/reference/countries/",
    "group": "/api/v1/reference/country-groups/",
}


class PledgeFilterBackendExtension(OpenApiFilterExtension):
    target_class = "opendata.api.filters.PledgeFilterBackend"
    match_subclasses = True
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = []
        for name, field in PledgeFilter.base_filters.items():
            multiple = isinstance(field, django_filters.MultipleChoiceFilter)
            schema = build_basic_type(OpenApiTypes.STR)
            description = str(field.label or name)
            if name in CODE_LISTS:
                description += f" (codes: {CODE_LISTS[name]})"
            if multiple:
                schema = build_array_type(schema)
                description += "; repeat the parameter for several (any of them)"
            parameters.append(
                build_parameter_type(
                    name=name,
                    location=OpenApiParameter.QUERY,
                    schema=schema,
                    description=description,
                    explode=True if multiple else None,
                    style="form" if multiple else None,
                )
            )
        return parameters
