"""The bulk downloads at /data/: the catalogue page, the data dictionary, CSV / JSON / IATI XML, streamed."""

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rest_framework.throttling import AnonRateThrottle

from . import conditional, selectors
from .datasets import DATASETS, KIND_LABELS, dataset_rows, pledge_rows
from .exports import csv_stream, json_stream
from .iati import iati_stream

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


class DownloadThrottle(AnonRateThrottle):
    """Anonymous downloads per client address (``DEFAULT_THROTTLE_RATES["opendata_download"]``), counted in the
    default cache like the API's throttling."""

    scope = "opendata_download"


def _throttled(request) -> HttpResponse | None:
    throttle = DownloadThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    response = HttpResponse(
        _("Too many downloads from your address. Try again in a minute."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    if wait is not None:
        response["Retry-After"] = str(max(1, int(wait)))
    return response


def _query(request) -> str:
    return request.GET.urlencode()


@require_safe
def index(request):
    """The catalogue: each dataset in CSV and JSON, the IATI file, the API, the licence; the marketplace's filters
    (bound to the query string) narrow every download."""
    pledge_filter = selectors.pledge_filter(request.GET)
    errors = pledge_filter.is_bound and not pledge_filter.is_valid()
    query = "" if errors else _query(request)
    suffix = f"?{query}" if query else ""
    datasets = [
        {
            "dataset": dataset,
            "links": [
                (
                    fmt.upper(),
                    reverse("opendata-download", kwargs={"dataset": dataset.slug, "fmt": fmt}) + suffix,
                )
                for fmt in FORMATS
            ],
        }
        for dataset in DATASETS.values()
    ]
    return render(
        request,
        "opendata/index.html",
        {
            "filter": pledge_filter,
            "filtered": bool(query) and selectors.pledge_filter_is_used(request.GET),
            "datasets": datasets,
            "iati_url": reverse("opendata-iati") + suffix,
            "licence": settings.P2C_DATA_LICENCE,
            "iati_prefix": settings.P2C_IATI_PREFIX,
        },
        status=400 if errors else 200,
    )


@require_safe
def dictionary(request):
    """The data dictionary: every column of every dataset, its type, meaning and source."""
    return render(
        request,
        "opendata/dictionary.html",
        {
            "datasets": DATASETS.values(),
            "kinds": KIND_LABELS,
            "licence": settings.P2C_DATA_LICENCE,
            "groups_date": selectors.groups_date(),
        },
    )


def _attachment(response, name: str):
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def download(request, dataset: str, fmt: str):
    """A dataset as CSV or JSON, streamed; the marketplace's filters in the query string apply (an unknown value
    shows the catalogue page with the error, status 400). 304 when the client's copy is current."""
    if dataset not in DATASETS or fmt not in FORMATS:
        raise Http404(_("No such download."))
    if (response := _throttled(request)) is not None:
        return response
    etag, last_modified = conditional.validators(request)
    if (response := conditional.not_modified(request, etag, last_modified)) is not None:
        return conditional.stamp(response, etag, last_modified)
    rows, errors = dataset_rows(dataset, request.GET)
    if errors:
        return index(request)
    columns = DATASETS[dataset].columns
    if fmt == "csv":
        body = csv_stream(rows, columns)
    else:
        dictionary_url = settings.SITE_URL + reverse("opendata-dictionary") + f"#{dataset}"
        body = json_stream(rows, columns, dataset=dataset, dictionary_url=dictionary_url)
    if request.method == "HEAD":
        body = []
    response = StreamingHttpResponse(body, content_type=FORMATS[fmt])
    name = f"p2c-{dataset}-{timezone.localdate().isoformat()}.{fmt}"
    return conditional.stamp(_attachment(response, name), etag, last_modified)


@require_safe
def iati_activities(request):
    """The published pledges (filtered like the marketplace when asked) as IATI 2.03 activity XML, streamed."""
    if (response := _throttled(request)) is not None:
        return response
    etag, last_modified = conditional.validators(request)
    if (response := conditional.not_modified(request, etag, last_modified)) is not None:
        return conditional.stamp(response, etag, last_modified)
    pledge_filter = selectors.pledge_filter(request.GET)
    if pledge_filter.is_bound and not pledge_filter.is_valid():
        return index(request)
    body = [] if request.method == "HEAD" else iati_stream(pledge_rows(pledge_filter.qs))
    response = StreamingHttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="activities.xml"'
    return conditional.stamp(response, etag, last_modified)
