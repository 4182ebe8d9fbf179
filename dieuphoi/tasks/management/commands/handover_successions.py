"""Hand the open tasks of succeeded agencies over to their successors.

Runs every recorded ``AgencySuccession`` dated on or before ``--until``
(default today) that has one successor and ends its predecessors; a split
(a choice per task) or a transfer of functions to an agency that lives on
is left for the secretariat's "Preview handover" page and listed as
skipped. Idempotent: a second run hands nothing over twice.
"""

from django.core.management.base import BaseCommand, CommandError

from dieuphoi.tasks.handover import handover_all, needs_decision
from dieuphoi.tasks.selectors import parse_date


class Command(BaseCommand):
    help = "Hand open tasks over to successor agencies (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--until", help="Successions effective on or before this date."
        )

    def handle(self, *args, until=None, **options):
        try:
            day = parse_date(until) if until else None
        except ValueError:
            raise CommandError(
                "--until: enter a date as YYYY-MM-DD or dd/mm/yyyy."
            ) from None
        results = handover_all(until=day)
        for result in results:
            succession = result.succession
            if needs_decision(succession):
                self.stdout.write(
                    f"{succession}: a split or a transfer of functions; hand "
                    "its tasks over from its page."
                )
            elif result.total:
                self.stdout.write(
                    f"{succession}: {len(result.tasks)} task(s) handed over "
                    f"({result.leads} lead, {result.parts} co-operating, "
                    f"{result.merged} merged)."
                )
        total = sum(len(r.tasks) for r in results)
        self.stdout.write(self.style.SUCCESS(f"Handover done: {total} task(s)."))
