"""Print the progress figures (pledge health and reporting rate) of the platform or of one organisation."""

import json

from django.core.management.base import BaseCommand, CommandError

from organisations.models import Organisation
from progress import selectors
from progress.health import Health
from progress.models import ReportingPeriod


class Command(BaseCommand):
    help = (
        "Print pledge health and the reporting rate: a table, or JSON with --json "
        "(progress.selectors.platform_progress_figures / organisation_progress_figures)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="slug of an organisation (default: the whole platform)")
        parser.add_argument(
            "--period", help="name of a reporting period (default: the latest that has opened)"
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        period = None
        if options["period"]:
            period = ReportingPeriod.objects.filter(name=options["period"]).first()
            if period is None:
                raise CommandError(f"No reporting period named {options['period']!r}.")
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation with the slug {options['organisation']!r}.")
            figures = selectors.organisation_progress_figures(organisation=organisation, period=period)
        else:
            figures = selectors.platform_progress_figures(period=period)
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        health = figures["health"]
        self.stdout.write(f"Public pledges: {health['pledges']}")
        for row in health["statuses"]:
            share = f"{row['share']}%" if row["share"] is not None else "-"
            self.stdout.write(f"  {Health.LABELS[row['status']]!s:<18} {row['pledges']:>5}  {share:>6}")
        self.stdout.write(
            f"Mean % complete (pledges with a figure): {health['mean_percent_complete'] or '-'}"
        )
        reporting = figures["reporting"]
        if reporting is None:
            self.stdout.write("Reporting rate: no reporting period has opened yet.")
        else:
            self.stdout.write(
                f"Reporting period {reporting['period']['name']}: {reporting['filed']} of {reporting['owed']} "
                f"pledges reported ({reporting['reporting_rate'] or '-'}%), {reporting['published']} published."
            )
