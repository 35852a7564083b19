"""Progress: reporting periods, pledgers' progress reports with deliverable figures and evidence files,
reminders sent, followers of pledges and best practices.

State changes go through ``progress.services`` (reports, best practices, follows) and ``progress.reminders``
(the reminder schedule); the models hold the data and its invariants.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Bounds of a disbursed amount: the same as a pledge's estimated value (issue "complete pledge").
MONEY_MAX = 10**13


def private_storage():
    """The storage of files that are never given a public URL (``STORAGES["private"]``)."""
    return storages["private"]


def reporting_today(now: dt.datetime | None = None) -> dt.date:
    """The calendar date of ``now`` (default: the current time) in the platform's reporting time zone
    (``settings.P2C_TIME_ZONE``, DESIGN.md "Time"). Reporting periods and reminders count in this zone."""
    return timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(settings.P2C_TIME_ZONE)).date()


class ImplementationStatus(models.TextChoices):
    """How implementation stands, for a whole pledge or one deliverable (issue "self-reported progress")."""

    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    DELAYED = "delayed", _("Delayed")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


class ReportingPeriod(models.Model):
    """A reporting period opened by the Secretariat: every published pledge owes one progress report for it.

    ``opens_on`` and ``closes_on`` are calendar dates in ``settings.P2C_TIME_ZONE``, both included. A pledge owes
    a report for the period when it is published (status "published") and was published on or before
    ``closes_on`` (``selectors.pledges_owing_report``).
    """

    name = models.CharField(_("name"), max_length=100, unique=True, help_text=_("e.g. “2026 annual report”"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"), help_text=_("The last day on which reports are on time."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="period_closes_after_it_opens"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.opens_on and self.closes_on:
            if self.closes_on < self.opens_on:
                raise ValidationError({"closes_on": _("A period cannot close before it opens.")})
            overlapping = ReportingPeriod.objects.filter(
                opens_on__lte=self.closes_on, closes_on__gte=self.opens_on
            ).exclude(pk=self.pk)
            other = overlapping.first()
            if other is not None:
                raise ValidationError(
                    _("This period overlaps “%(name)s” (%(opens)s – %(closes)s): periods may not overlap.")
                    % {"name": other.name, "opens": other.opens_on, "closes": other.closes_on}
                )

    def is_open_on(self, date: dt.date) -> bool:
        return self.opens_on <= date <= self.closes_on


class ProgressReportQuerySet(models.QuerySet):
    def published(self):
        """Reports the public sees (published by the Secretariat)."""
        return self.filter(status=ProgressReport.Status.PUBLISHED)

    def filed(self):
        """Reports handed in: submitted for review or published (a draft or a returned report is not)."""
        return self.filter(status__in=ProgressReport.FILED_STATUSES)


class ProgressReport(models.Model):
    """A pledger's self-report on a pledge, for a reporting period (or out of cycle when ``period`` is empty).

    Workflow (``progress.services``): draft → submitted → published, or → changes requested (returned with a
    reason) → submitted again. Only published reports are public. ``is_final`` marks the final report with which
    the lead organisation marks its pledge completed. ``disbursed_usd`` is ``disbursed_amount`` in US dollars at
    ``usd_rate`` (a dated, sourced exchange rate).
    """

    ImplementationStatus = ImplementationStatus

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Returned for changes")
        PUBLISHED = "published", _("Published")

    OPEN_STATUSES = ("draft", "submitted", "changes_requested")
    EDITABLE_STATUSES = ("draft", "changes_requested")
    FILED_STATUSES = ("submitted", "published")

    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.CASCADE, related_name="progress_reports")
    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reporting period"),
    )
    is_final = models.BooleanField(
        _("final report"), default=False, help_text=_("The report with which the pledge is marked completed.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    implementation_status = models.CharField(
        _("implementation status"), max_length=20, choices=ImplementationStatus.choices
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("% complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    narrative = models.TextField(
        _("narrative"), max_length=10000, blank=True, help_text=_("What was done in the period, for whom.")
    )
    challenges = models.TextField(
        _("challenges"),
        max_length=5000,
        blank=True,
        help_text=_("What slowed the work down, and what helps."),
    )
    links = models.TextField(
        _("links"), max_length=5000, blank=True, help_text=_("Web addresses, one per line (at most 10).")
    )
    people_reached = models.PositiveBigIntegerField(
        _("people reached"), null=True, blank=True, validators=[MaxValueValidator(10**10)]
    )
    disbursed_amount = models.DecimalField(
        _("money disbursed"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MONEY_MAX)],
        help_text=_("Since the pledge started, in the currency below."),
    )
    disbursed_currency = models.ForeignKey(
        "reference.Currency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currency"),
    )
    disbursed_usd = models.DecimalField(
        _("money disbursed in USD"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    usd_rate = models.ForeignKey(
        "reference.ExchangeRate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exchange rate used"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(
        _("Secretariat's reason"),
        max_length=5000,
        blank=True,
        help_text=_("Why the report was returned (or a note on publication); the pledgers see it."),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        indexes = [models.Index(fields=["pledge", "status", "-published_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="percent_at_most_100"),
            models.UniqueConstraint(
                fields=["pledge"],
                condition=Q(status__in=("draft", "submitted", "changes_requested")),
                name="one_open_report_per_pledge",
            ),
            models.UniqueConstraint(
                fields=["pledge", "period"], condition=Q(period__isnull=False), name="one_report_per_period"
            ),
            models.CheckConstraint(
                condition=Q(disbursed_amount__isnull=True) | Q(disbursed_currency__isnull=False),
                name="disbursed_amount_has_currency",
            ),
        ]

    def __str__(self):
        return (
            f"{self.pledge.public_id} – {self.period or self.created_at.date()} ({self.get_status_display()})"
        )

    def get_absolute_url(self):
        return reverse("progress:edit", kwargs={"pk": self.pk})

    @property
    def reported_at(self) -> dt.datetime:
        """When the report became public (``published_at``); for an unpublished report, when it was started."""
        return self.published_at or self.created_at

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class DeliverableProgress(models.Model):
    """What a progress report says about one deliverable of the pledge: its status and the actual value reached
    against the deliverable's target. The deliverable's title, target and unit are copied when the report is
    saved, so a published report keeps what it was measured against even if the pledge is revised later."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="deliverable_progress")
    deliverable = models.ForeignKey(
        "pledges.Deliverable", on_delete=models.SET_NULL, null=True, blank=True, related_name="progress"
    )
    title = models.CharField(_("deliverable"), max_length=300)
    target_value = models.DecimalField(
        _("target value"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), null=True, blank=True)
    due_date = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ImplementationStatus.choices, blank=True)
    actual_value = models.DecimalField(
        _("actual value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MONEY_MAX)],
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("deliverable progress")
        verbose_name_plural = _("deliverable progress")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "deliverable"],
                condition=Q(deliverable__isnull=False),
                name="one_row_per_deliverable_and_report",
            )
        ]

    def __str__(self):
        return self.title


class Evidence(models.Model):
    """An evidence file of a progress report: a PDF, an image or an Office document, detected from its content
    (``progress.evidence``), at most 10 MB, stored on the private storage under a generated name and served as a
    download by a permission-checked view. ``visibility`` says whether the public may download it once its
    report is published, or only the Secretariat and the pledge's organisation."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public once the report is published")
        SECRETARIAT = "secretariat", _("P2C Secretariat only")

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF document")
        IMAGE = "image", _("Image")
        OFFICE = "office", _("Office document")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), storage=private_storage, upload_to="evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))
    visibility = models.CharField(
        _("who may see it"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("progress:evidence", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        return (
            self.visibility == self.Visibility.PUBLIC
            and self.report.status == ProgressReport.Status.PUBLISHED
        )


class ReminderSent(models.Model):
    """One reminder to one person about one pledge's report for one period, at one step of the schedule.

    The unique constraint on (period, pledge, user, step) is what keeps a reminder from going out twice: the
    row is written in the same transaction that queues the email (``progress.reminders``). ``emailed_at`` is
    set by the task once the email is handed to the mail server.
    """

    class Step(models.TextChoices):
        OPENED = "opened", _("Period opened")
        DUE_14 = "due_14", _("14 days before the period closes")
        DUE_3 = "due_3", _("3 days before the period closes")
        # Overdue reminders are "overdue_1", "overdue_2", ... (one per week after the period closed).

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders")
    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("step"), max_length=20)
    created_at = models.DateTimeField(_("due at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "pledge", "user", "step"], name="one_reminder_per_person_pledge_step"
            )
        ]

    def __str__(self):
        return f"{self.period} · {self.pledge_id} · {self.user_id} · {self.step}"


class PledgeFollow(models.Model):
    """A signed-in person follows a pledge: they get an email when new progress on it is published."""

    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed")
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["pledge", "user"], name="follow_a_pledge_once")]

    def __str__(self):
        return f"{self.user} → {self.pledge}"


class BestPractice(models.Model):
    """A practice worth sharing, proposed by the pledgers from a published progress report and featured (or
    not) by the Secretariat. Featured best practices show in the public gallery and the annual report.

    ``image`` is optional, re-encoded by Pillow (``progress.images``) and stored on the private storage: it is
    served by a view that shows it only when the best practice is featured (or to its organisation and staff).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        FEATURED = "featured", _("Featured")
        DECLINED = "declined", _("Not featured")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="best_practices")
    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.CASCADE, related_name="best_practices")
    title = models.CharField(_("title"), max_length=200)
    story = models.TextField(_("story"), max_length=5000, help_text=_("What was done, where, with whom."))
    results = models.TextField(_("results"), max_length=3000, help_text=_("What changed, with figures."))
    lessons = models.TextField(
        _("lessons learnt"), max_length=3000, help_text=_("What others should know to do the same.")
    )
    image = models.ImageField(
        _("image"), storage=private_storage, upload_to="best-practices/", blank=True, max_length=200
    )
    image_alt = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    featured_at = models.DateTimeField(_("featured"), null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-featured_at", "-created_at"]
        verbose_name = _("best practice")
        verbose_name_plural = _("best practices")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("progress:best_practice", kwargs={"pk": self.pk})
