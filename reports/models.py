"""The Secretariat's annual report: one row per revision, rendered to PDF by a Celery task, and its foreword."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class AnnualReportQuerySet(models.QuerySet):
    def released(self):
        """Revisions released to the public (ready, with a PDF, ``released_at`` set)."""
        return self.filter(released_at__isnull=False, status=AnnualReport.Status.READY).exclude(pdf="")


class AnnualReport(models.Model):
    """One revision of the annual report for ``year`` and ``language`` (e.g. 2025 r2, English).

    ``cutoff`` is 31 December of ``year``, 23:59:59.999999 in the reporting time zone (``P2C_TIME_ZONE``),
    stored in UTC. ``figures`` holds the figures computed from the frozen snapshot; the snapshot (JSON and
    CSV) and the PDF are private files, served to staff, and the PDF to everyone once ``released_at`` is set.

    Rendering state: ``status`` moves queued → rendering → ready (or failed). While rendering, the worker
    holds a lease (``lease_token``, ``lease_expires_at``), renewed at every step it reports in ``progress``;
    a rendering whose lease has expired counts as abandoned and a redelivered task takes it over
    (``services.annual_report_render``). ``attempts`` counts the renderings started.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField(_("year"))
    revision = models.PositiveSmallIntegerField(_("revision"))
    language = models.CharField(_("language"), max_length=10, default="en")
    cutoff = models.DateTimeField(_("cut-off"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("renderings started"), default=0)
    lease_token = models.CharField(_("lease holder"), max_length=64, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True, editable=False)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    snapshot_json = models.FileField(_("snapshot (JSON)"), storage=_private_storage, blank=True)
    snapshot_csv = models.FileField(_("snapshot (CSV)"), storage=_private_storage, blank=True)
    pdf = models.FileField(_("PDF"), storage=_private_storage, blank=True)
    pdf_pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("rendering started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "language", "-revision"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(fields=["year", "language", "revision"], name="one_row_per_revision")
        ]
        indexes = [models.Index(fields=["year", "language", "-revision"], name="report_year_lang_rev")]

    def __str__(self):
        return f"{self.year} r{self.revision} ({self.language})"

    @property
    def is_released(self) -> bool:
        return self.released_at is not None


class AnnualReportForeword(models.Model):
    """The Secretariat's foreword to the annual report of ``year`` in ``language``, edited in the admin.

    Plain text; blank lines separate paragraphs. ``services.annual_report_start`` copies it into the frozen
    snapshot, so a revision keeps the foreword it was started with and editing it needs a new revision.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(_("language"), max_length=10, default="en")
    signed_by = models.CharField(
        _("signed by"), max_length=200, blank=True, help_text=_("E.g. the name and title of the signatory.")
    )
    text = models.TextField(
        _("text"), max_length=20000, help_text=_("Plain text; leave a blank line between paragraphs.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-year", "language"]
        verbose_name = _("annual report foreword")
        verbose_name_plural = _("annual report forewords")
        constraints = [models.UniqueConstraint(fields=["year", "language"], name="one_foreword_per_report")]

    def __str__(self):
        return f"{self.year} ({self.language})"
