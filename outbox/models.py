"""One row per task queued with ``p2c.outbox.enqueue_on_commit``.

The row is written in the same transaction as the change that needs the task (a moderation decision, an annual
report), so the task is never lost when the broker is down: ``drain_outbox`` sends it later. ``done_at`` is set
by the task itself, atomically, which makes a second delivery of the same row a no-op.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to run once: its registered name, JSON arguments and delivery state.

    States: pending (``sent_at`` empty) → sent to the broker (``sent_at``, ``send_count``) → running
    (``claimed_by`` is the Celery task ID of the run holding it until ``claimed_until``) → done (``done_at``).
    A row sent ``P2C_OUTBOX_MAX_SENDS`` times without finishing is given up (``given_up_at``) and reported.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent to the broker"), null=True, blank=True)
    send_count = models.PositiveIntegerField(_("times sent"), default=0)
    claimed_by = models.CharField(_("run by task ID"), max_length=255, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    given_up_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at__isnull=True), name="outbox_pending_idx"),
            models.Index(fields=["done_at"], name="outbox_done_idx"),
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"

    @property
    def state(self) -> str:
        """A one-word state for the admin: done, given up, running, sent or pending."""
        if self.done_at:
            return "done"
        if self.given_up_at:
            return "given up"
        if self.claimed_by and self.claimed_until and self.claimed_until > timezone.now():
            return "running"
        return "sent" if self.sent_at else "pending"
