"""Progress reports: a pledger's self-report on a published pledge."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ProgressReport(models.Model):
    """A self-report on a pledge: implementation status, % complete (0–100) and a narrative."""

    class ImplementationStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ON_TRACK = "on_track", _("On track")
        DELAYED = "delayed", _("Delayed")
        COMPLETED = "completed", _("Completed")
        DISCONTINUED = "discontinued", _("Discontinued")

    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.CASCADE, related_name="progress_reports")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    implementation_status = models.CharField(
        _("implementation status"), max_length=20, choices=ImplementationStatus.choices
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("% complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    narrative = models.TextField(_("narrative"), max_length=10000)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.CheckConstraint(condition=models.Q(percent_complete__lte=100), name="percent_at_most_100")
        ]

    def __str__(self):
        return f"{self.pledge.public_id} – {self.created_at:%Y-%m-%d}"
