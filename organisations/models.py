"""Organisations that pledge (pledging entities and partners), the people who act for them, invitations,
requests to join and the Secretariat's verification."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .names import name_acronym, name_key


class Organisation(models.Model):
    """A pledging entity: government, company, civil society, academia, international organisation, UN entity.

    ``verification`` is set by the Secretariat only (``services.organisation_verify`` /
    ``organisation_reject``); pledges of an organisation that is not verified cannot be published.
    ``name_key`` and ``name_acronym`` are derived from ``name`` on save and drive duplicate detection.
    """

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
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, max_length=200)
    verification = models.CharField(
        _("verification"), max_length=20, choices=Verification.choices, default=Verification.PENDING
    )
    verification_reason = models.TextField(
        _("verification note"),
        blank=True,
        max_length=5000,
        help_text=_("The Secretariat's reason for its last decision, shown to the organisation's owners."),
    )
    verification_decided_at = models.DateTimeField(_("verification decided"), null=True, blank=True)
    verification_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verification decided by"),
    )
    name_key = models.CharField(
        _("normalised name"), max_length=250, blank=True, db_index=True, editable=False
    )
    name_acronym = models.CharField(_("acronym"), max_length=60, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "name_key", "name_acronym"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)[:250]
        self.name_acronym = name_acronym(self.name)[:60]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key", "name_acronym"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("organisations:detail", kwargs={"slug": self.slug})

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED


class FormerSlug(models.Model):
    """The address of an organisation that was merged into another: its old profile URL redirects here."""

    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="former_slugs")

    class Meta:
        verbose_name = _("former address")
        verbose_name_plural = _("former addresses")

    def __str__(self):
        return self.slug


class Membership(models.Model):
    """A person's role in an organisation.

    Roles: owner (everything, including members), editor (pledges and progress), reporter (progress reports
    only), viewer (reads the organisation's drafts and decisions). An organisation keeps at least one owner
    (``services`` refuse the change that would leave none, except when an account is deleted: then staff
    appoint a new owner in the admin).
    """

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EDITOR = "editor", _("Editor")
        REPORTER = "reporter", _("Reporter")
        VIEWER = "viewer", _("Viewer")

    # Higher rank wins when two memberships of one person meet (merging organisations).
    RANK = {"owner": 4, "editor": 3, "reporter": 2, "viewer": 1}

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    def merge_rank(self) -> int:
        """Which of two clashing memberships survives a merge of organisations: the higher role."""
        return self.RANK.get(self.role, 0)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an invitation token; only the digest is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation by email to join an organisation with a role.

    The link carries a random token; only its SHA-256 digest is stored (``token_hash``). It can be used once
    (accepted or declined) and expires ``settings.P2C_INVITATION_DAYS`` (14) days after it was (re)sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"), max_length=20, choices=Membership.Role.choices, default=Membership.Role.EDITOR
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        """Pending and not expired: the link can still be accepted or declined."""
        return self.status == self.Status.PENDING and not self.is_expired


class JoinRequest(models.Model):
    """A signed-in person's request to join an existing organisation, decided by one of its owners."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(
        _("message to the owners"),
        blank=True,
        max_length=1000,
        help_text=_("Optional: who you are and your role in the organisation."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    role = models.CharField(_("role given"), max_length=20, choices=Membership.Role.choices, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(status="pending"),
                name="one_pending_join_request",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"
