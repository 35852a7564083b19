"""The Secretariat's day-to-day operations: registry imports and the old platform's IDs, internal notes,
announcements, notification preferences, terms of use and privacy notice with people's consent, the
organisations' consent to publication, and the retention rule.

Writes go through ``secretariat.services`` (and ``secretariat.registry`` for imports); models hold the data
and its invariants.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def private_storage():
    """The storage of files that are never given a public URL (``STORAGES["private"]``)."""
    from django.core.files.storage import storages

    return storages["private"]


# --- the registry import ------------------------------------------------------------------------------------


class RegistryImport(models.Model):
    """One uploaded spreadsheet of the former registry: its dry run (a report of every row) and its import.

    ``report`` holds one entry per data row: ``{"line": int, "old_id": str, "title": str, "action":
    "create" | "update" | "refused", "organisation": str, "match": str, "reasons": [str], "public_id": str}``.
    The import runs only when the dry run refused no row, in one transaction (``secretariat.registry``).
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Dry run in progress")
        CHECKED = "checked", _("Dry run done: ready to import")
        REFUSED = "refused", _("Dry run done: rows refused")
        INVALID = "invalid", _("File refused")
        IMPORTING = "importing", _("Import in progress")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Import failed: nothing written")

    file = models.FileField(_("file"), storage=private_storage, upload_to="imports/%Y/%m/", max_length=200)
    partners_file = models.FileField(
        _("partner organisations file"),
        storage=private_storage,
        upload_to="imports/%Y/%m/",
        max_length=200,
        blank=True,
    )
    original_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKING)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    create_count = models.PositiveIntegerField(_("will create"), default=0)
    update_count = models.PositiveIntegerField(_("will update"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    organisations_created = models.PositiveIntegerField(_("new organisations"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)
    notes = models.JSONField(_("notes on the file"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    checked_at = models.DateTimeField(_("dry run done"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duration_seconds = models.FloatField(_("import time (s)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def can_import(self) -> bool:
        return self.status == self.Status.CHECKED and self.row_count > 0


class LegacyPledge(models.Model):
    """A pledge's ID (and address) on the former platform: a second import of the same row updates the pledge,
    and ``/legacy/pledges/<old_id>/`` (or the old address's path) redirects to the pledge's page."""

    old_id = models.CharField(_("ID on the former platform"), max_length=100, unique=True)
    old_path = models.CharField(
        _("address on the former platform (path)"), max_length=500, blank=True, db_index=True
    )
    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.CASCADE, related_name="legacy_ids")
    registry_import = models.ForeignKey(
        RegistryImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="legacy_pledges"
    )
    created_at = models.DateTimeField(_("first imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("former platform ID")
        verbose_name_plural = _("former platform IDs")

    def __str__(self):
        return f"{self.old_id} → {self.pledge_id}"

    def get_absolute_url(self):
        return reverse("secretariat:legacy_pledge", kwargs={"old_id": self.old_id})


# --- internal notes -------------------------------------------------------------------------------------------


class InternalNote(models.Model):
    """A note of the Secretariat on an organisation, a pledge or a progress report: staff only, with its author
    and time. Notes are kept as written (no editing); a correction is a new note."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    text = models.TextField(_("note"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.text[:60]


# --- notification preferences ---------------------------------------------------------------------------


class NotificationPreferences(models.Model):
    """Which kinds of email a person wants (``secretariat.preferences.KINDS``) and the language they read.

    No row means every kind is wanted, in the site's default language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    decisions = models.BooleanField(
        _("Decisions"), default=True, help_text=_("The Secretariat's decisions on your pledges and reports.")
    )
    reminders = models.BooleanField(
        _("Reminders"), default=True, help_text=_("Reminders to report progress on your pledges.")
    )
    partnership = models.BooleanField(
        _("Partnership messages"),
        default=True,
        help_text=_("Messages from organisations that want to partner on your pledges, and their replies."),
    )
    announcements = models.BooleanField(
        _("Announcements"), default=True, help_text=_("News and calls from the P2C Secretariat.")
    )
    digests = models.BooleanField(
        _("Digests"), default=True, help_text=_("Summaries of new pledges and progress.")
    )
    language = models.CharField(
        _("Language of emails"),
        max_length=10,
        blank=True,
        help_text=_("Emails come in this language where a version exists; otherwise in the site's default."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)


# --- announcements ----------------------------------------------------------------------------------------


class Announcement(models.Model):
    """A message from the Secretariat to the focal points of the pledges chosen by focus area, region,
    stakeholder type of the pledging entity and reporting status; each criterion left empty does not narrow.

    Sent once by the worker (``secretariat.announcements``); each person gets it once, in their language where a
    version exists (``AnnouncementText``), with an unsubscribe link.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUED = "queued", _("Queued for sending")
        SENT = "sent", _("Sent")

    class Reporting(models.TextChoices):
        ANY = "", _("Any")
        NOT_REPORTED = "not_reported", _("Not yet reported for the period")
        REPORTED = "reported", _("Reported for the period")

    name = models.CharField(
        _("internal name"), max_length=200, help_text=_("For the Secretariat; recipients see the subject.")
    )
    focus_areas = models.ManyToManyField("reference.FocusArea", blank=True, verbose_name=_("focus areas"))
    regions = models.ManyToManyField(
        "reference.Region",
        blank=True,
        verbose_name=_("regions"),
        help_text=_("Pledges with a beneficiary country in one of these regions or sub-regions."),
    )
    stakeholder_types = models.ManyToManyField(
        "reference.StakeholderType", blank=True, verbose_name=_("stakeholder types")
    )
    reporting_status = models.CharField(
        _("reporting status"), max_length=20, choices=Reporting.choices, default=Reporting.ANY, blank=True
    )
    reporting_period = models.ForeignKey(
        "progress.ReportingPeriod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("reporting period"),
        help_text=_("Required with a reporting status, e.g. pledges that have not yet reported for 2025."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        constraints = [
            models.CheckConstraint(
                condition=Q(reporting_status="") | Q(reporting_period__isnull=False),
                name="announcement_reporting_status_has_period",
            )
        ]

    def __str__(self):
        return self.name


class AnnouncementText(models.Model):
    """The announcement in one of the site's languages (``settings.LANGUAGES``)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=10000, help_text=_("Plain text; line breaks are kept."))

    class Meta:
        ordering = ["language"]
        verbose_name = _("text")
        verbose_name_plural = _("texts (one per language)")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "language"], name="one_text_per_language")
        ]

    def __str__(self):
        return f"{self.language}: {self.subject}"


class AnnouncementDelivery(models.Model):
    """One person's copy of an announcement. The unique (announcement, user) row, claimed with one atomic
    UPDATE before the email goes out, keeps anyone from getting it twice when the task runs twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        OPTED_OUT = "opted_out", _("Not sent: unsubscribed from announcements")
        FAILED = "failed", _("Not sent: the message could not be built (a line break in its subject)")

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="one_delivery_per_person")
        ]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"


# --- terms of use, privacy notice, consent ---------------------------------------------------------------


class LegalDocument(models.Model):
    """A version of the terms of use or of the privacy notice. A published version is never changed: the
    Secretariat writes a new version, and everyone is asked to accept it at their next visit."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of use")
        PRIVACY = "privacy", _("Privacy notice")

    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), max_length=100000, help_text=_("Plain text; blank lines part paragraphs.")
    )
    published_at = models.DateTimeField(
        _("published"), null=True, blank=True, help_text=_("Empty while the version is a draft.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("terms or privacy notice")
        verbose_name_plural = _("terms of use and privacy notice")
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="one_legal_version")]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    def get_absolute_url(self):
        return reverse("secretariat:legal", kwargs={"kind": self.kind})


class Consent(models.Model):
    """A person accepted one version of a legal document, at that time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(LegalDocument, on_delete=models.PROTECT, related_name="consents")
    accepted_at = models.DateTimeField(_("accepted"), auto_now_add=True)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="consent_once")]

    def __str__(self):
        return f"{self.user} – {self.document}"


class PublicationConsent(models.Model):
    """The person registering an organisation agreed that its name and its pledges are published."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="publication_consent"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent to publication")
        verbose_name_plural = _("consents to publication")

    def __str__(self):
        return str(self.organisation)


# --- retention ------------------------------------------------------------------------------------------------


class RetentionPolicy(models.Model):
    """The retention rule the Secretariat sets (one row): accounts whose email address was never confirmed and
    draft pledges untouched for a while are deleted, after a warning email (``secretariat.retention``)."""

    enabled = models.BooleanField(_("apply the rule"), default=True)
    unverified_account_days = models.PositiveIntegerField(
        _("unconfirmed accounts: days"),
        default=30,
        help_text=_("An account whose email address was not confirmed this many days after sign-up."),
    )
    draft_days = models.PositiveIntegerField(
        _("abandoned drafts: days"),
        default=365,
        help_text=_("A draft pledge nobody has changed for this many days."),
    )
    warning_days = models.PositiveIntegerField(
        _("warning: days before deletion"),
        default=14,
        help_text=_("The warning email goes out this many days before the deletion."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rule")

    def __str__(self):
        return str(_("Retention rule"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one row
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "RetentionPolicy":
        """The rule in force (the defaults until the Secretariat saves one)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class RetentionNotice(models.Model):
    """A warning sent before a deletion under the retention rule; the deletion happens on ``delete_after`` if
    the account is still unconfirmed or the draft still untouched since ``warned_at``."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Unconfirmed account")
        DRAFT = "draft", _("Abandoned draft pledge")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    pledge = models.ForeignKey(
        "pledges.Pledge", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    warned_at = models.DateTimeField(_("warned"))
    delete_after = models.DateTimeField(_("deleted after"))

    class Meta:
        ordering = ["delete_after"]
        verbose_name = _("retention warning")
        verbose_name_plural = _("retention warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(kind="account"), name="one_account_retention_notice"
            ),
            models.UniqueConstraint(
                fields=["pledge"], condition=Q(kind="draft"), name="one_draft_retention_notice"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.delete_after:%Y-%m-%d}"
