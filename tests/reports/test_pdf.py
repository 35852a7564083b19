import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from weasyprint import HTML

from pledges.models import Pledge
from reports.models import AnnualReport
from reports.rendering import (
    format_count,
    format_share,
    format_usd,
    format_usd_whole,
    html_to_pdf,
    report_locale,
)
from reports.selectors import headline_figures, pledge_snapshot_rows, report_cutoff
from reports.services import annual_report_start
from tests.factories import OrganisationFactory, published_pledge

from .helpers import embedded_file_names, font_names, image_count, pdf_reader, pdf_text, squeezed, utc

pytestmark = pytest.mark.django_db

IN_2025 = utc(2025, 6, 1, 12, 0)
HOSTILE_TITLE = '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/hostname">'
RAW_HOSTILE_HTML = (
    "<html><head><title>t</title>"
    '<link rel="attachment" href="file:///etc/hostname"></head>'
    '<body><p>x</p><img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/hostname">a</a>'
    "</body></html>"
)


def render_report(django_capture_on_commit_callbacks, year=2025) -> tuple[AnnualReport, bytes]:
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=year)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.READY, report.error
    with report.pdf.open("rb") as f:
        return report, f.read()


def test_pdf_shows_the_headline_figures_as_formatted_and_every_public_id(django_capture_on_commit_callbacks):
    lead, partner = OrganisationFactory.create_batch(2)
    pledges = [
        published_pledge(
            lead, countries=("BD",), value="1234567.89", published_at=IN_2025, partners=[partner]
        ),
        published_pledge(countries=("KE", "MW"), value="1000", currency="EUR", published_at=utc(2025, 2, 3)),
        published_pledge(countries=("FJ",), value="5000", currency="XOF", published_at=utc(2025, 12, 31, 23)),
    ]
    figures = headline_figures(pledge_snapshot_rows(cutoff=report_cutoff(year=2025)))
    locale = report_locale("en")

    report, pdf = render_report(django_capture_on_commit_callbacks)
    text = " ".join(pdf_text(pdf).split())

    assert (
        figures["value_usd_total"] == "1235620.89"
    )  # USD 1,234,567.89 + EUR 1,000 at 1.053; XOF not converted
    assert figures["ldc_share"] == "66.7"  # Bangladesh and Malawi, not Fiji
    for expected in (
        "Partner2Connect Digital Coalition — Annual report 2025",
        "Cut-off December 31, 2025, 23:59:59 (UTC)",
        f"Pledges covered {format_count(figures['pledges'], locale)}",
        format_usd(figures["value_usd_total"], locale),
        f"{format_share(figures['ldc_share'], locale)} of pledges target LDCs",
        "Pledging entities: lead organisations and confirmed partners "
        + format_count(figures["pledging_entities"], locale),
        "Pledges with an amount not converted to US dollars "
        + format_count(figures["pledges_with_value_not_converted"], locale),
        "Pledges targeting at least one LDC " + format_count(figures["ldc_pledges"], locale),
        "European Central Bank",
        "Kenya, Malawi",
        format_usd_whole("1234567.89", locale),  # the first pledge in the annex
    ):
        assert expected in text, expected
    assert "$1,235,620.89" in text
    assert "66.7% of pledges target LDCs" in text
    for pledge in pledges:
        assert pledge.public_id in text
    assert report.figures["pledges"] == figures["pledges"] == 3


def test_pdf_metadata_title_language_and_a4_pages(django_capture_on_commit_callbacks):
    published_pledge(published_at=IN_2025)

    report, pdf = render_report(django_capture_on_commit_callbacks)
    reader = pdf_reader(pdf)

    assert reader.metadata.title == "Partner2Connect Digital Coalition — Annual report 2025"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert len(reader.pages) == 5  # cover, figures, breakdowns, methodology, annex
    assert "1 / 5" not in reader.pages[0].extract_text()  # no page number on the cover
    assert reader.pages[4].extract_text().rstrip().endswith("5 / 5")


def test_hostile_title_is_shown_escaped_and_pulls_in_no_local_file(django_capture_on_commit_callbacks):
    pledge = published_pledge(title=HOSTILE_TITLE, published_at=IN_2025)
    Pledge.objects.filter(pk=pledge.pk).update(summary=HOSTILE_TITLE)
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""

    _report, pdf = render_report(django_capture_on_commit_callbacks)
    reader = pdf_reader(pdf)
    text = pdf_text(pdf)

    assert squeezed(HOSTILE_TITLE) in squeezed(text)
    assert "root:x:0:0" not in text
    if len(hostname) >= 6:
        assert hostname not in text
    assert embedded_file_names(reader) == []
    assert image_count(reader) == 0


def test_url_fetcher_refuses_local_files_even_in_unescaped_html():
    reader = pdf_reader(html_to_pdf(RAW_HOSTILE_HTML))

    assert embedded_file_names(reader) == []
    assert image_count(reader) == 0


def test_weasyprint_default_fetcher_would_embed_the_local_file():
    # The control for the test above: without our fetcher, WeasyPrint 70 attaches /etc/hostname.
    if not Path("/etc/hostname").exists():
        pytest.skip("this machine has no /etc/hostname")

    reader = pdf_reader(HTML(string=RAW_HOSTILE_HTML).write_pdf())

    assert embedded_file_names(reader) != []


def test_arabic_and_chinese_titles_use_the_noto_fonts(django_capture_on_commit_callbacks):
    published_pledge(title="مبادرة الربط الرقمي للمدارس", published_at=IN_2025)
    published_pledge(title="数字技能培训计划", published_at=utc(2025, 7, 1))

    _report, pdf = render_report(django_capture_on_commit_callbacks)
    fonts = font_names(pdf_reader(pdf))
    text = pdf_text(pdf)

    assert "数字技能培训计划" in text
    assert {"Noto-Sans", "Noto-Sans-Arabic", "Noto-Sans-CJK-SC"} <= fonts
    assert covers("Noto Sans CJK SC", "数字技能培训计划")
    assert covers("Noto Sans Arabic", "مبادرة الربط الرقمي للمدارس".replace(" ", ""))


def covers(family: str, text: str) -> bool:
    """Whether the installed font of ``family`` (as fontconfig finds it) has a glyph for every character."""
    found = subprocess.run(
        ["fc-match", "--format=%{file}:%{index}:%{family}", family],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path, index, families = found.split(":", 2)
    assert family in families.split(","), found
    font = TTFont(path, fontNumber=int(index or 0), lazy=True)
    cmap = font.getBestCmap()
    return all(ord(char) in cmap for char in text)


def test_report_with_no_pledges_renders(django_capture_on_commit_callbacks):
    _report, pdf = render_report(django_capture_on_commit_callbacks)

    assert "No pledge was published on or before the cut-off." in pdf_text(pdf)
