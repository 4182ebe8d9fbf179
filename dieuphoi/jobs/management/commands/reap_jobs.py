from django.core.management.base import BaseCommand

from dieuphoi.jobs.reaper import reap_stale_jobs


class Command(BaseCommand):
    help = "Re-queue (or fail) database jobs stuck in RUNNING whose worker died."

    def handle(self, *args, **options):
        result = reap_stale_jobs()
        self.stdout.write(
            f"Re-queued {len(result.requeued)} job(s), "
            f"marked {len(result.failed)} failed."
        )
