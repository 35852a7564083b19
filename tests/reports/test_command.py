"""``manage.py annual_report`` end to end. These tests commit (the rendering is queued on commit), so they use
transactional test databases."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports import rendering
from reports.models import AnnualReport
from reports.tasks import render_annual_report
from tests.factories import published_pledge

from .helpers import pdf_text, utc

pytestmark = [pytest.mark.django_db(transaction=True)]


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command("annual_report", *args, stdout=out)
    return out.getvalue().splitlines()


def test_command_renders_the_report_and_prints_the_pdf_path_last():
    pledge = published_pledge(title="Schools online", published_at=utc(2025, 5, 5))

    lines = run("--year", "2025")

    path = Path(lines[-1])
    assert path.is_absolute()
    assert path.suffix == ".pdf"
    assert path.is_file()
    assert pledge.public_id in pdf_text(path.read_bytes())
    assert lines[0] == (
        "Annual report 2025 revision 1 (en) started. "
        "Pledges published on or before 2025-12-31T23:59:59.999999+00:00: 1."
    )
    assert "Status: Ready" in lines
    report = AnnualReport.objects.get()
    assert report.status == AnnualReport.Status.READY
    assert Path(report.pdf.path) == path


def test_running_the_command_twice_makes_revision_2():
    run("--year", "2025")
    second = run("--year", "2025")

    assert Path(second[-1]).name.endswith("-r2.pdf")
    assert sorted(AnnualReport.objects.values_list("revision", flat=True)) == [1, 2]


def test_command_refuses_a_bad_year():
    with pytest.raises(CommandError, match="between 2015 and"):
        run("--year", "1999")

    assert not AnnualReport.objects.exists()


def test_command_reports_a_failed_rendering(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(rendering, "render_annual_report_pdf", broken)

    with pytest.raises(CommandError, match="RuntimeError: template exploded"):
        run("--year", "2025")

    assert AnnualReport.objects.get().status == AnnualReport.Status.FAILED


def test_command_gives_up_after_the_timeout_when_no_worker_renders(monkeypatch):
    monkeypatch.setattr(
        render_annual_report, "apply_async", lambda *args, **kwargs: None
    )  # queued, never picked up

    with pytest.raises(CommandError, match="still queued after 0.3 seconds"):
        run("--year", "2025", "--timeout", "0.3", "--poll-interval", "0.1")
