"""``manage.py load_demo_data``: publicly announced P2C pledges as demo data (``pledges/demo/SOURCES.md``)."""

from django.core.management.base import BaseCommand

from pledges.demo.loader import load_demo_data


class Command(BaseCommand):
    help = (
        "Load the demo data: publicly announced Partner2Connect pledges and their organisations "
        "(pledges/demo/SOURCES.md), published, with no users. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        result = load_demo_data()
        for line in result.summary_lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
