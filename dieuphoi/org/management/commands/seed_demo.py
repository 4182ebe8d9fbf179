"""Load the default registry (domain.md §2, §8), the demo accounts, and then
the demo data of every other app that has one.

Idempotent: a second run finds every row by its natural key and adds nothing;
what people changed in the app (duties, passwords) is kept. Everything runs in
one transaction: a failure leaves the database as it was.

Other apps join in by exposing ``seed_all()`` in ``dieuphoi.<app>.seed``; they
run after the registry, in ``INSTALLED_APPS`` order, since they build on it.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from dieuphoi.org.seed import DEMO_PASSWORD, seed_all


def app_seeders():
    """``[(app label, seed_all)]`` of the other project apps that have one."""
    seeders = []
    for config in apps.get_app_configs():
        if not config.name.startswith("dieuphoi.") or config.name == "dieuphoi.org":
            continue
        module_name = f"{config.name}.seed"
        if find_spec(module_name) is None:
            continue
        seed = getattr(import_module(module_name), "seed_all", None)
        if callable(seed):
            seeders.append((config.label, seed))
    return seeders


def _handover_demo() -> list[str]:
    """Demo tasks of the agencies merged on 01/03/2025 and the parts of the
    provincial teams that ended with the 2025 province mergers, handed over
    to their successors like ``manage.py handover_successions`` (idempotent)."""
    from dieuphoi.tasks.handover import (
        handover_all,
        seed_handover_demo,
        team_handover_all,
    )

    seed_handover_demo()
    results = [*handover_all(), *team_handover_all()]
    codes = [t.code for r in results for t in r.tasks]
    return list(dict.fromkeys(codes))


class Command(BaseCommand):
    help = "Load the Capital Region registry and the demo data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            result = seed_all()
            others = []
            for label, seed in app_seeders():
                seed()
                others.append(label)
            # After the tasks' demo data: their open work of the agencies
            # merged in 2025 goes to the successors.
            handed = _handover_demo() if "tasks" in others else []
        units = len(result.units.old) + len(result.units.new)
        self.stdout.write(
            self.style.SUCCESS(
                f"Registry loaded: {units} unit versions, {len(result.agencies.rows)} "
                f"agency versions, {3 + len(result.bodies.provincial)} bodies."
            )
        )
        if others:
            self.stdout.write(f"Demo data also loaded for: {', '.join(others)}.")
        if handed:
            self.stdout.write(
                f"Handed over to the 2025 successors: {', '.join(handed)}."
            )
        self.print_logins(result.logins)

    def print_logins(self, logins) -> None:
        rows = [("username", "role", "body", "agency")]
        rows += [
            (
                login.username,
                login.role if login.created else f"{login.role} (existing account)",
                login.body,
                login.agency,
            )
            for login in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for new accounts: {DEMO_PASSWORD})")
        for i, row in enumerate(rows):
            self.stdout.write(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
