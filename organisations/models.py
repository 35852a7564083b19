"""Organisations that pledge (pledging entities and partners) and the people who act for them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Organisation(models.Model):
    """A pledging entity: government, company, civil society, academia, international organisation, UN entity."""

    class Verification(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    stakeholder_type = models.ForeignKey(
        "reference.StakeholderType", on_delete=models.PROTECT, verbose_name=_("stakeholder type")
    )
    country = models.ForeignKey(
        "reference.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("country"),
        help_text=_("Where the organisation has its headquarters. Leave empty for international bodies."),
    )
    website = models.URLField(_("website"), blank=True, max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    verification = models.CharField(
        _("verification"), max_length=20, choices=Verification.choices, default=Verification.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisations:detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A person's role in an organisation.

    Roles: owner (everything, including members), editor (pledges and progress), reporter (progress reports
    only), viewer (reads the organisation's drafts and decisions).
    """

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EDITOR = "editor", _("Editor")
        REPORTER = "reporter", _("Reporter")
        VIEWER = "viewer", _("Viewer")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
