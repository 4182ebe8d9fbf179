"""Hand the open tasks of succeeded agencies over to their successors.

Runs every recorded ``AgencySuccession`` dated on or before ``--until``
(default today) that has one successor and ends its predecessors; a split
(a choice per task) or a transfer of functions to an agency that lives on
is left for the secretariat's "Preview handover" page and listed as
skipped. Then the parts of other provinces' coordination teams that ended
(the 2022 units' teams) go to the team of the unit that succeeded theirs
(``handover.team_handover_all``). Idempotent: a second run hands nothing
over twice.
"""

from django.core.management.base import BaseCommand, CommandError

from dieuphoi.tasks.handover import handover_all, needs_decision, team_handover_all
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
        teams = team_handover_all(until=day)
        for result in teams:
            if result.tasks:
                self.stdout.write(
                    f"{result.team} → {result.successor}: {len(result.tasks)} "
                    f"task(s) handed over ({result.parts} co-operating, "
                    f"{result.merged} merged)."
                )
        total = sum(len(r.tasks) for r in [*results, *teams])
        self.stdout.write(self.style.SUCCESS(f"Handover done: {total} task(s)."))
