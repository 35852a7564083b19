"""The Secretariat's annual report: one row per revision, rendered to PDF by a Celery task."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class AnnualReport(models.Model):
    """One revision of the annual report for ``year`` (e.g. 2025 r2).

    ``cutoff`` is 31 December of ``year``, 23:59:59 in the reporting time zone (``P2C_TIME_ZONE``), stored in
    UTC. ``figures`` holds the headline figures computed from the frozen snapshot; the snapshot (JSON and CSV)
    and the PDF are private files served only to staff.
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
    figures = models.JSONField(_("headline figures"), default=dict, blank=True)
    snapshot_json = models.FileField(_("snapshot (JSON)"), storage=_private_storage, blank=True)
    snapshot_csv = models.FileField(_("snapshot (CSV)"), storage=_private_storage, blank=True)
    pdf = models.FileField(_("PDF"), storage=_private_storage, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("rendering started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-revision"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(fields=["year", "language", "revision"], name="one_row_per_revision")
        ]

    def __str__(self):
        return f"{self.year} r{self.revision} ({self.language})"
