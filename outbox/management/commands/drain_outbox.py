"""``python manage.py drain_outbox``: send the queued tasks the broker missed (e.g. after a Redis outage)."""

from django.core.management.base import BaseCommand, CommandError

from p2c.outbox import outbox_drain


class Command(BaseCommand):
    help = (
        "Send to the broker every outbox row that is still due: never sent (the broker was down when its "
        "transaction committed) or sent long ago and never finished. Safe to run at any time, in parallel with "
        "Celery beat: a row already done or being sent is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="Send at most this many rows (default 500)."
        )

    def handle(self, *args, limit, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        result = outbox_drain(limit=limit)
        self.stdout.write(f"sent {result.sent}, given up {result.given_up}, purged {result.purged}")
        if result.broker_error:
            raise CommandError("The broker refused a message; the rest stays queued. Is Redis running?")
