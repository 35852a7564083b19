"""The annual report's PDF: contents, tags (PDF/UA), page numbers across chunks, fonts, safety."""

import re
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from weasyprint import HTML

from organisations.models import Organisation
from pledges.models import Pledge
from reports import charts
from reports.models import AnnualReport, AnnualReportForeword
from reports.rendering import (
    format_count,
    format_share,
    format_usd,
    format_usd_whole,
    html_to_pdf,
    render_annual_report_pdf,
    report_locale,
)
from reports.selectors import headline_figures, pledge_snapshot_rows, report_cutoff
from reports.services import annual_report_start, read_snapshot
from tests.factories import OrganisationFactory, published_pledge

from .helpers import (
    embedded_file_names,
    font_names,
    image_count,
    pdf_reader,
    pdf_text,
    squeezed,
    structure_pages,
    uncovered_characters,
    untagged_pages,
    utc,
    xmp_metadata,
)

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


def page_numbers(reader) -> list[str | None]:
    """The number printed at the end of each page (the footer), None where there is none."""
    numbers = []
    for page in reader.pages:
        match = re.search(r"(\d+)\s*$", page.extract_text() or "")
        numbers.append(match.group(1) if match else None)
    return numbers


def test_pdf_metadata_title_language_and_a4_pages(django_capture_on_commit_callbacks):
    published_pledge(published_at=IN_2025)

    report, pdf = render_report(django_capture_on_commit_callbacks)
    reader = pdf_reader(pdf)

    assert reader.metadata.title == "Partner2Connect Digital Coalition — Annual report 2025"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert report.pdf_pages == len(reader.pages) >= 7  # cover, summary, breakdowns..., methodology, annex
    cover = reader.pages[0].extract_text()
    assert "P2C annual report 2025 · revision 1" in cover  # the running title, shown once on the cover
    assert not re.search(r"revision 1\s+1\s*$", cover)  # but no footer (running title + number) there
    assert re.search(r"revision 1\s+2\s*$", reader.pages[1].extract_text())
    assert reader.pages[-1].extract_text().rstrip().endswith(str(len(reader.pages)))


def test_pdf_is_tagged_for_accessibility_on_every_page_across_annex_chunks(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.P2C_REPORT_ANNEX_CHUNK_ROWS = 2
    for day in range(1, 6):
        published_pledge(title=f"Tagged pledge {day}", published_at=utc(2025, 3, day))

    _report, pdf = render_report(django_capture_on_commit_callbacks)
    reader = pdf_reader(pdf)
    root = reader.trailer["/Root"]

    assert "pdfuaid:part" in xmp_metadata(reader)
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert untagged_pages(reader) == []
    assert structure_pages(reader) == set(range(len(reader.pages)))
    # Another reader (poppler) opens the merged file without complaint and sees it tagged, with metadata.
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert info.stderr == ""
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)
    assert re.search(r"^Metadata Stream:\s+yes$", info.stdout, re.M)
    assert re.search(rf"^Pages:\s+{len(reader.pages)}$", info.stdout, re.M)


def test_page_numbers_continue_across_annex_chunks(django_capture_on_commit_callbacks, settings):
    settings.P2C_REPORT_ANNEX_CHUNK_ROWS = 2
    pledges = [
        published_pledge(title=f"Chunked pledge {n}", published_at=utc(2025, 4, n)) for n in range(1, 6)
    ]

    _report, pdf = render_report(django_capture_on_commit_callbacks)
    reader = pdf_reader(pdf)
    text = pdf_text(pdf)

    numbers = page_numbers(reader)
    assert numbers[1:] == [str(n) for n in range(2, len(reader.pages) + 1)]
    assert text.count("Annex: pledges covered") == 1
    assert [p.public_id for p in pledges] == sorted(p.public_id for p in pledges)
    positions = [text.index(p.public_id) for p in pledges]
    assert positions == sorted(positions)  # the annex keeps the public ID order across chunks


def test_hostile_markup_in_every_text_field_is_shown_escaped_and_pulls_in_no_local_file(
    django_capture_on_commit_callbacks,
):
    organisation = OrganisationFactory(name=HOSTILE_TITLE[:200])
    partner = OrganisationFactory(name="Partner " + HOSTILE_TITLE[:150])
    pledge = published_pledge(organisation, title=HOSTILE_TITLE, published_at=IN_2025, partners=[partner])
    Pledge.objects.filter(pk=pledge.pk).update(summary=HOSTILE_TITLE, description=HOSTILE_TITLE)
    Organisation.objects.filter(pk=organisation.pk).update(description=HOSTILE_TITLE)
    AnnualReportForeword.objects.create(year=2025, language="en", text=HOSTILE_TITLE, signed_by=HOSTILE_TITLE)
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""

    report, pdf = render_report(django_capture_on_commit_callbacks)
    reader = pdf_reader(pdf)
    text = pdf_text(pdf)

    assert squeezed(HOSTILE_TITLE) in squeezed(text)  # title, organisation, foreword: shown as text
    assert squeezed(text).count(squeezed('<img src="file:///etc/passwd">')) >= 3
    assert "root:x:0:0" not in text
    if len(hostname) >= 6:
        assert hostname not in text
    assert embedded_file_names(reader) == []
    assert image_count(reader) == 0
    assert b"root:x:0:0" not in pdf
    assert read_snapshot(report)["rows"][0]["summary"] == HOSTILE_TITLE  # the snapshot keeps the raw text


def test_url_fetcher_refuses_local_files_even_in_unescaped_html():
    reader = pdf_reader(html_to_pdf(RAW_HOSTILE_HTML))

    assert embedded_file_names(reader) == []
    assert image_count(reader) == 0


def test_url_fetcher_serves_the_reports_own_chart_and_nothing_else():
    svg = charts.bar_chart_svg(labels=["Access"], values=[3], value_labels=["3"], salt="t")
    html = (
        '<html lang="en"><title>t</title><body><img src="p2c-report:chart-a" alt="chart">'
        '<img src="file:///etc/passwd" alt="x"><img src="data:image/png;base64,iVBORw0KGgo=" alt="y"></body></html>'
    )

    text = pdf_text(html_to_pdf(html, resources={"p2c-report:chart-a": (svg, "image/svg+xml")}))

    assert "Access" in text  # the chart's label, drawn as vector text
    assert "root:x" not in text


def test_weasyprint_default_fetcher_would_embed_the_local_file():
    # The control for the test above: without our fetcher, WeasyPrint 70 attaches /etc/hostname.
    if not Path("/etc/hostname").exists():
        pytest.skip("this machine has no /etc/hostname")

    reader = pdf_reader(HTML(string=RAW_HOSTILE_HTML).write_pdf())

    assert embedded_file_names(reader) != []


def test_charts_are_vector_graphics_followed_by_their_tables(django_capture_on_commit_callbacks):
    published_pledge(pledge_types=("financial", "policy"), value="100", published_at=IN_2025)
    svg = charts.bar_chart_svg(
        labels=["Financial", "Policy"], values=[1, 1], value_labels=["1", "1"], salt="s"
    )

    _report, pdf = render_report(django_capture_on_commit_callbacks)
    text = " ".join(pdf_text(pdf).split())

    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<text" in svg and b"<image" not in svg  # text stays text, no raster inside
    assert image_count(pdf_reader(pdf)) == 0  # no raster image anywhere in the report
    assert "Pledges by pledge type" in text  # the chart's caption
    assert "By pledge type Pledge type Pledges Share of pledges Value (USD)" in text  # its table


def test_chart_svg_is_the_same_for_the_same_figures():
    first = charts.bar_chart_svg(labels=["A", "B"], values=[1, 2], value_labels=["1", "2"], salt="x")

    assert charts.bar_chart_svg(labels=["A", "B"], values=[1, 2], value_labels=["1", "2"], salt="x") == first


def test_foreword_of_the_year_and_language_is_in_the_pdf(django_capture_on_commit_callbacks):
    AnnualReportForeword.objects.create(
        year=2025, language="en", text="Connectivity is a right.\n\nWe thank every pledger.", signed_by="ITU"
    )
    AnnualReportForeword.objects.create(year=2024, language="en", text="Last year's words.")

    report, pdf = render_report(django_capture_on_commit_callbacks)
    text = pdf_text(pdf)

    assert "Foreword" in text
    assert "Connectivity is a right." in text
    assert "We thank every pledger." in text
    assert "Last year's words." not in text
    assert read_snapshot(report)["foreword"]["signed_by"] == "ITU"


def test_rendering_the_same_snapshot_again_gives_the_same_figures_and_text(
    django_capture_on_commit_callbacks,
):
    published_pledge(countries=("BD", "KE"), value="1234.5", currency="EUR", published_at=IN_2025)
    published_pledge(countries=("FJ",), value="99", published_at=utc(2024, 2, 2))
    report, first_pdf = render_report(django_capture_on_commit_callbacks)
    snapshot = read_snapshot(report)
    published_pledge(title="Published after the snapshot", value="5", published_at=IN_2025)  # DB moves on
    Pledge.objects.update(title="Renamed since")

    again = render_annual_report_pdf(snapshot=snapshot, revision=report.revision, language="en")

    assert pdf_text(again) == pdf_text(first_pdf)
    assert report.figures == {**report.figures}  # stored figures are plain JSON
    from reports.selectors import report_figures

    assert report_figures(snapshot) == report.figures


def test_pledge_published_at_23_30_on_31_december_utc_minus_5_is_in_that_years_report(
    bogota, django_capture_on_commit_callbacks
):
    late = published_pledge(title="New Year's Eve pledge", published_at=utc(2026, 1, 1, 4, 30))

    report, pdf = render_report(django_capture_on_commit_callbacks, year=2025)
    text = " ".join(pdf_text(pdf).split())

    assert late.public_id in text
    assert "Cut-off December 31, 2025, 23:59:59 (America/Bogota)" in text
    assert report.figures["pledges"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        next_year = annual_report_start(year=2026)
    next_year.refresh_from_db()
    items = {i["key"]: i for i in next_year.figures["year_on_year"]["items"]}
    assert items["pledges"]["previous"] == 1  # counted as 2025 in the 2026 report's comparison too


SCRIPTS = {
    "ar": ("مبادرة الربط الرقمي للمدارس في 2025", "الاتحاد الدولي للاتصالات"),
    "zh-hans": ("数字技能培训计划：连接农村学校", "中国移动通信集团"),
    "ru": ("Подключение сельских школ к интернету", "Министерство цифрового развития"),
}


@pytest.mark.parametrize("language", ["ar", "zh-hans", "ru"])
def test_every_character_of_the_report_has_a_glyph_in_the_font_that_draws_it(
    django_capture_on_commit_callbacks, settings, language
):
    settings.LANGUAGES = [
        ("en", "English"),
        ("ar", "Arabic"),
        ("zh-hans", "Simplified Chinese"),
        ("ru", "Russian"),
    ]
    title, organisation = SCRIPTS[language]
    published_pledge(OrganisationFactory(name=organisation), title=title, value="1500", published_at=IN_2025)
    published_pledge(title="Latin title with Ünïcödé", published_at=utc(2025, 8, 1))

    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025, language=language)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.READY, report.error
    with report.pdf.open("rb") as f:
        pdf = f.read()
    reader = pdf_reader(pdf)
    text = pdf_text(pdf)

    assert reader.trailer["/Root"]["/Lang"] == language
    for word in title.split() + organisation.split():  # words: bidi reordering moves numbers about
        assert word in text
    assert uncovered_characters(pdf) == {}
    fonts = font_names(reader)
    expected = {"ar": "Noto-Sans-Arabic", "zh-hans": "Noto-Sans-CJK-SC", "ru": "Noto-Sans"}[language]
    assert expected in fonts
    assert not any("JP" in name for name in fonts)  # Simplified Chinese forms, not the Japanese variant
    with translation.override(language):
        assert format_count(1500, report_locale(language)) in text


def test_glyph_check_detects_a_character_the_font_lacks():
    # The control for the test above: a character no installed font has is drawn as .notdef.
    pdf = html_to_pdf('<html lang="en"><title>t</title><body><p>A\u0378B</p></body></html>')  # unassigned

    assert uncovered_characters(pdf) != {}


def test_report_with_no_pledges_renders(django_capture_on_commit_callbacks):
    _report, pdf = render_report(django_capture_on_commit_callbacks)

    assert "No pledge was published on or before the cut-off." in pdf_text(pdf)
