"""The outbox in the admin: read-only, to see what is queued, running, done or given up, and send again."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from p2c.outbox import SENT, send_message

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "task_name",
        "args",
        "created_at",
        "sent_at",
        "send_count",
        "state_display",
        "done_at",
    ]
    list_filter = [
        "task_name",
        ("done_at", admin.EmptyFieldListFilter),
        ("given_up_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["task_name", "last_error"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return obj.state

    @admin.action(description=_("Send the selected messages again (unless done)"))
    def send_again(self, request, queryset):
        # Neither done nor held by a live run (sending those again could run them twice).
        rows = queryset.filter(done_at__isnull=True).exclude(claimed_until__gt=timezone.now())
        rows.update(given_up_at=None, sent_at=None, send_count=0, claimed_by="", claimed_until=None)
        sent = sum(1 for pk in rows.values_list("pk", flat=True) if send_message(pk) == SENT)
        self.message_user(
            request,
            ngettext("%(count)d message sent to the broker.", "%(count)d messages sent to the broker.", sent)
            % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )
