"""Load the default registry (domain.md §2, §8) and the demo accounts.

Idempotent: a second run finds every row by its natural key and adds nothing;
what people changed in the app (duties, passwords) is kept.
"""

from django.core.management.base import BaseCommand

from dieuphoi.org.seed import DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Load the Capital Region registry and the demo accounts (idempotent)."

    def handle(self, *args, **options):
        result = seed_all()
        units = len(result.units.old) + len(result.units.new)
        self.stdout.write(
            self.style.SUCCESS(
                f"Registry loaded: {units} unit versions, {len(result.agencies.rows)} "
                f"agency versions, {3 + len(result.bodies.provincial)} bodies."
            )
        )
        rows = [("username", "role", "body", "agency")]
        rows += [
            (
                login.username,
                login.role if login.created else f"{login.role} (existing account)",
                login.body,
                login.agency,
            )
            for login in result.logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for new accounts: {DEMO_PASSWORD})")
        for i, row in enumerate(rows):
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            )
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))

        # Sectors and demo tasks of the Hanoi team (dieuphoi.tasks.seed).
        from dieuphoi.tasks.seed import seed_all as seed_tasks

        tasks = seed_tasks()
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo tasks: {len(tasks.created)} created, {tasks.existing} already there."
            )
        )
        if tasks.focal_points:
            self.stdout.write(
                "Focal points added for the demo tasks (same password): "
                + ", ".join(tasks.focal_points)
            )
