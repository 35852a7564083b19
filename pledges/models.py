"""Pledges, their partners and their moderation history."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Bounds of a pledged amount (issue "complete pledge": > 0 and <= 10^13, at most 2 decimals).
VALUE_MIN = Decimal("0.01")
VALUE_MAX = 10**13


class PledgeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Pledge.Status.PUBLISHED)


class Pledge(models.Model):
    """A public commitment by one organisation (single) or several (joint).

    ``lead_organisation`` is the pledging entity that registered the pledge and answers for it. ``value_amount``
    is in ``value_currency`` (ISO 4217) as pledged; ``value_usd`` is its US dollar equivalent at
    ``usd_rate`` (a dated, sourced exchange rate). Status moves only through ``pledges.services``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    public_id = models.CharField(_("public ID"), max_length=20, unique=True, editable=False)
    lead_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="led_pledges",
        verbose_name=_("pledging entity"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"), max_length=300, blank=True, help_text=_("At most 300 characters, shown on cards.")
    )
    description = models.TextField(_("description"), max_length=10000, blank=True)
    focus_areas = models.ManyToManyField("reference.FocusArea", blank=True, verbose_name=_("focus areas"))
    pillars = models.ManyToManyField("reference.Pillar", blank=True, verbose_name=_("pillars"))
    pledge_types = models.ManyToManyField("reference.PledgeType", blank=True, verbose_name=_("pledge types"))
    is_global = models.BooleanField(_("global"), default=False, help_text=_("Implemented worldwide."))
    beneficiary_countries = models.ManyToManyField(
        "reference.Country", blank=True, related_name="pledges", verbose_name=_("beneficiary countries")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    value_amount = models.DecimalField(
        _("estimated value"),
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(VALUE_MIN), MaxValueValidator(VALUE_MAX)],
    )
    value_currency = models.ForeignKey(
        "reference.Currency", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("currency")
    )
    value_usd = models.DecimalField(_("value in USD"), max_digits=20, decimal_places=2, null=True, blank=True)
    usd_rate = models.ForeignKey(
        "reference.ExchangeRate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("exchange rate used"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="pledge_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True) | Q(value_currency__isnull=False),
                name="pledge_value_has_currency",
            ),
        ]

    def __str__(self):
        return f"{self.public_id} {self.title}"

    def get_absolute_url(self):
        return reverse("pledges:detail", kwargs={"public_id": self.public_id})

    @property
    def is_joint(self) -> bool:
        return any(True for _ in self.partners.all())


class PledgePartner(models.Model):
    """Another organisation in a joint pledge; it confirms or declines its participation."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="partnerships"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INVITED)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "organisation"], name="one_partner_row_per_org")
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_status_display()})"


class PledgeTransition(models.Model):
    """Audit record of one moderation transition: who moved the pledge from which state to which, and why."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=20, choices=Pledge.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Pledge.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("reason"), blank=True, max_length=5000)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("moderation transition")
        verbose_name_plural = _("moderation transitions")

    def __str__(self):
        return f"{self.pledge.public_id}: {self.from_status} → {self.to_status}"


class PublicIdSequence(models.Model):
    """The last number handed out in a year's public pledge IDs (P2C-<year>-<number>)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("public ID sequence")

    def __str__(self):
        return f"{self.year}: {self.last_number}"
