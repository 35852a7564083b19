"""The public archive of released annual reports: ``/reports/`` and ``/reports/<year>/<language>/``."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import get_language_info
from django.views.decorators.http import require_GET

from . import selectors


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


@require_GET
def archive(request):
    """Released annual reports by year and language, with links to their PDFs (older revisions too)."""
    entries = [
        {**entry, "language_name": _language_name(entry["language"])}
        for entry in selectors.released_archive()
    ]
    return render(request, "reports/archive.html", {"entries": entries, "languages": settings.LANGUAGES})


@require_GET
def download(request, year: int, language: str, revision: int | None = None):
    """The PDF of the latest released revision of ``year`` in ``language`` (or of ``revision``); else 404.

    Only released revisions are served here, whoever asks (``reports.download_annual_report``); staff get the
    others from the admin.
    """
    report = selectors.released_report_for(year=year, language=language, revision=revision)
    if report is None or not request.user.has_perm("reports.download_annual_report", report):
        raise Http404
    storage = report.pdf.storage
    if not storage.exists(report.pdf.name):
        raise Http404
    filename = f"p2c-annual-report-{report.year}-{report.language}-r{report.revision}.pdf"
    response = FileResponse(
        report.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Content-Language"] = report.language
    return response
