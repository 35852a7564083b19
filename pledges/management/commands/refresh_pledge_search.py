"""Recompute every pledge's folded search texts (after renaming organisations or editing country aliases)."""

from django.core.management.base import BaseCommand

from pledges.models import Pledge
from pledges.search import refresh_search_fields


class Command(BaseCommand):
    help = "Recompute the search texts of every pledge."

    def handle(self, *args, **options):
        n = 0
        for pledge in Pledge.objects.select_related("lead_organisation").iterator(chunk_size=500):
            refresh_search_fields(pledge)
            n += 1
        self.stdout.write(f"Search texts refreshed for {n} pledges.")
