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
        """Pledges the public sees: published, and those completed after publication (not withdrawn)."""
        return self.filter(status__in=Pledge.PUBLIC_STATUSES)


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
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETION_REQUESTED = "completion_requested", _("Completed, awaiting confirmation")
        COMPLETED = "completed", _("Completed")
        CLOSED = "closed", _("Closed")

    # Statuses in which a pledge is public: its page, the marketplace, the figures and the annual report.
    PUBLIC_STATUSES = ("published", "completion_requested", "completed", "closed")

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
    description = models.TextField(
        _("description"),
        max_length=10000,
        blank=True,
        help_text=_("Plain text; line breaks are kept. What will be done, for whom, and how."),
    )
    language = models.CharField(
        _("language of the text"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the title, summary, description and deliverables are written in. They are shown as "
            "written, in every language of the site."
        ),
    )
    website = models.URLField(
        _("website"), max_length=300, blank=True, help_text=_("A page about the pledge or the programme.")
    )
    focus_areas = models.ManyToManyField("reference.FocusArea", blank=True, verbose_name=_("focus areas"))
    pillars = models.ManyToManyField("reference.Pillar", blank=True, verbose_name=_("pillars"))
    pledge_types = models.ManyToManyField("reference.PledgeType", blank=True, verbose_name=_("pledge types"))
    sdgs = models.ManyToManyField("reference.SDG", blank=True, verbose_name=_("SDGs"))
    beneficiary_groups = models.ManyToManyField(
        "reference.BeneficiaryGroup", blank=True, verbose_name=_("beneficiary groups")
    )
    connectivity_targets = models.ManyToManyField(
        "reference.ConnectivityTarget", blank=True, verbose_name=_("2030 connectivity targets")
    )
    campaign = models.ForeignKey(
        "reference.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("announced at"),
        help_text=_("The campaign or event at which the pledge was announced, if any."),
    )
    focal_point = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="focal_point_pledges",
        verbose_name=_("focal point"),
        help_text=_(
            "The member who answers for the pledge. Shown to the Secretariat and partners, not publicly."
        ),
    )
    is_global = models.BooleanField(_("global"), default=False, help_text=_("Implemented worldwide."))
    beneficiary_countries = models.ManyToManyField(
        "reference.Country", blank=True, related_name="pledges", verbose_name=_("beneficiary countries")
    )
    regions = models.ManyToManyField(
        "reference.Region",
        blank=True,
        related_name="pledges",
        verbose_name=_("whole regions"),
        help_text=_(
            "Only where the pledge covers whole UN M49 regions or sub-regions, e.g. Sub-Saharan Africa."
        ),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    value_amount = models.DecimalField(
        _("estimated value"),
        max_digits=16,
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
    seeking_partners = models.BooleanField(
        _("seeking partners"),
        default=False,
        help_text=_("Show the pledge to organisations looking for partners."),
    )
    partnership_needs = models.ManyToManyField(
        "reference.PartnershipNeed", blank=True, verbose_name=_("partners sought for")
    )
    seeking_note = models.CharField(
        _("what kind of partner, where"),
        max_length=300,
        blank=True,
        help_text=_("e.g. an implementing partner for the northern districts"),
    )
    # Accent- and case-folded text for search (pledges.search), kept up to date by the services.
    search_title = models.TextField(blank=True, editable=False)
    search_summary = models.TextField(blank=True, editable=False)
    search_organisations = models.TextField(blank=True, editable=False)
    search_body = models.TextField(blank=True, editable=False)
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
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            # The fingerprint of the public data (selectors.pledges_fingerprint) reads MAX(updated_at) of the
            # public pledges: a partial index makes it one index look-up.
            models.Index(
                fields=["updated_at"],
                name="public_pledge_updated_at",
                condition=Q(status__in=["published", "completion_requested", "completed", "closed"]),
            ),
            # The marketplace's default order (newest first) on the public pledges, without a sort.
            models.Index(
                fields=["-published_at", "-id"],
                name="public_pledge_newest",
                condition=Q(status__in=["published", "completion_requested", "completed", "closed"]),
            ),
        ]
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
    """Another organisation in a joint pledge; it confirms or declines its participation.

    An organisation not yet on the platform is invited by email (``invited_email``, ``invited_name``): once its
    person has registered the organisation, they open the invitation link and the row gets ``organisation``.
    ``share_percent`` (0–100) is the partner's share of the pledge's value, when the partners agreed one; the lead
    keeps the rest. ``role`` maps to IATI participating-org roles where they fit (``iati_role``).
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    class Role(models.TextChoices):
        CO_LEAD = "co_lead", _("Co-lead")
        FUNDING = "funding", _("Funding")
        IMPLEMENTING = "implementing", _("Implementing")
        KNOWLEDGE = "knowledge", _("Knowledge")
        ADVOCACY = "advocacy", _("Advocacy")

    # IATI 2.03 OrganisationRole codelist: 1 Funding, 2 Accountable, 3 Extending, 4 Implementing.
    IATI_ROLES = {"co_lead": "2", "funding": "1", "implementing": "4", "knowledge": "3", "advocacy": "3"}

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="partnerships",
        null=True,
        blank=True,
    )
    invited_name = models.CharField(_("organisation name (invited by email)"), max_length=200, blank=True)
    invited_email = models.EmailField(_("email (invited by email)"), blank=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INVITED)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    share_percent = models.DecimalField(
        _("share of the value (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True, null=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "organisation"], name="one_partner_row_per_org"),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(invited_email=""), name="partner_org_or_email"
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_status_display()})"

    @property
    def display_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.invited_name or self.invited_email

    @property
    def iati_role(self) -> str | None:
        return self.IATI_ROLES.get(self.role)


class Deliverable(models.Model):
    """A SMART commitment inside a pledge: what, by when, measured how (indicator, target value and unit).

    ``weight`` (optional, positive) sets the deliverable's share in the pledge's roll-up of % complete; without
    weights all deliverables count equally.
    """

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="deliverables")
    title = models.CharField(_("what"), max_length=300)
    due_date = models.DateField(_("by when"), null=True, blank=True)
    indicator = models.CharField(
        _("indicator"), max_length=300, blank=True, help_text=_("How progress is measured.")
    )
    target_value = models.DecimalField(
        _("target value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(VALUE_MAX)],
    )
    unit = models.CharField(
        _("unit"), max_length=50, blank=True, help_text=_("e.g. schools, people, km of fibre")
    )
    weight = models.PositiveSmallIntegerField(_("weight"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")

    def __str__(self):
        return self.title


class PledgeRevision(models.Model):
    """A pending change to a published pledge: the public keeps seeing the published version until a moderator
    approves it. ``data`` holds the proposed values in the shape of ``pledges.revisions.pledge_as_data``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField(_("proposed values"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=5000)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pledge revision")
        verbose_name_plural = _("pledge revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["pledge"], condition=Q(status="pending"), name="one_pending_revision_per_pledge"
            )
        ]

    def __str__(self):
        return f"{self.pledge.public_id} revision {self.pk} ({self.get_status_display()})"


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


class PartnershipRequest(models.Model):
    """A message from a member of one organisation to the organisation behind a pledge ("express interest").

    Neither side sees the other's email address until the pledging organisation replies; the reply shares the
    contact details of both people.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        REPLIED = "replied", _("Replied")
        DECLINED = "declined", _("Declined")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="partnership_requests")
    from_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="sent_partnership_requests"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(_("message"), max_length=3000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SENT)
    reply = models.TextField(_("reply"), max_length=3000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    abuse_reported_at = models.DateTimeField(_("reported as abuse"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partnership request")
        verbose_name_plural = _("partnership requests")

    def __str__(self):
        return f"{self.from_organisation} → {self.pledge.public_id}"


class ProblemReport(models.Model):
    """ "Report a problem with this pledge": reaches the Secretariat's queue in the admin."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="problem_reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email for a reply"), blank=True)
    message = models.TextField(_("what is wrong"), max_length=3000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")

    def __str__(self):
        return f"{self.pledge.public_id}: {self.message[:60]}"
