"""``make run``: migrate, load the demo data, then run web and worker together.

Ctrl-C (SIGINT) or SIGTERM is forwarded to every child; when any child exits,
the others are stopped and the command exits with that child's status.

What it prints is what a user needs: the demo logins (once), the address to
open and where the e-mails go. Unless the environment says otherwise, the
children write e-mails as files under ``var/mail`` (nothing is sent) and put
links in them to the address and port they run on (``SITE_URL``).
"""

import os
import signal
import subprocess
import sys
import time
from importlib import import_module
from io import StringIO

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

# Long-running processes started beside the web server and the job worker:
# (name, manage.py arguments). A process whose command is not installed is
# skipped with a warning, so entries can be listed before their app lands.
# The scheduler fires the daily jobs once a day and reaps stale jobs.
EXTRA_PROCESSES: list[tuple[str, list[str]]] = [
    ("scheduler", ["schedule_daily", "--loop"]),
]

DB_TASK_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_TASK_BACKEND = "django_tasks_rq.RQBackend"
STOP_TIMEOUT_SECONDS = 10
POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Migrate, load demo data, then run the web server and the job worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT") or 8000)
        )
        parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
        parser.add_argument(
            "--no-seed", action="store_true", help="Do not load the demo data."
        )
        parser.add_argument(
            "--seed",
            action="store_true",
            help="Load the demo data even with DEBUG off (never in production).",
        )

    def handle(self, *args, **options):
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_seed"]:
            self.seed(force=options["seed"])
        self.print_logins()
        for line in self.configure_children(
            os.environ, options["host"], options["port"]
        ):
            self.stdout.write(line)
        specs = self.process_specs(options["host"], options["port"])
        return_code = self.supervise(specs)
        if return_code:
            sys.exit(return_code)

    # -- steps ---------------------------------------------------------------

    def seed(self, *, force: bool) -> None:
        if not (settings.DEBUG or force):
            self.stdout.write(
                "DEBUG is off: demo data not loaded (use --seed to load it anyway)."
            )
            return
        if "seed_demo" not in get_commands():
            self.stderr.write(
                self.style.WARNING("seed_demo is not installed: no demo data loaded.")
            )
            return
        # The seed's own report (and its copy of the logins) stays quiet: the
        # logins are printed once, below.
        call_command("seed_demo", stdout=StringIO())
        self.stdout.write("Demo data loaded.")

    @staticmethod
    def site_url(host: str, port: int) -> str:
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - compared, never bound to  # nosec B104
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}"

    def configure_children(self, environ, host: str, port: int) -> list[str]:
        """Set the children's e-mail and link settings in ``environ`` (unless
        already set) and return the lines telling the user about them."""
        url = self.site_url(host, port)
        environ.setdefault("SITE_URL", url)
        # Failed jobs still show; the start and end of each one do not.
        environ.setdefault("JOBS_LOG_LEVEL", "WARNING")
        lines = [f"Open {environ['SITE_URL']}/ in a browser (Ctrl-C stops everything)."]
        environ.setdefault(
            "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
        )
        if environ["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
            mail_dir = environ.setdefault(
                "EMAIL_FILE_PATH", str(settings.BASE_DIR / "var" / "mail")
            )
            os.makedirs(mail_dir, exist_ok=True)
            lines.append(
                f"E-mails are not sent: each is written to a file in {mail_dir}"
            )
        else:
            lines.append(f"E-mails go through {environ['EMAIL_BACKEND']}.")
        return lines

    def print_logins(self) -> None:
        try:
            logins = getattr(import_module("dieuphoi.org.seed"), "DEMO_LOGINS", None)
        except ImportError:
            logins = None
        if not logins:
            return
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins:"))
        width = max(len(username) for username, _, _ in logins)
        for username, password, role in logins:
            self.stdout.write(f"  {username:<{width}}  {password}  {role}")

    def process_specs(self, host: str, port: int) -> list[tuple[str, list[str]]]:
        specs = [("web", ["runserver", f"{host}:{port}", "--noreload"])]
        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        commands = get_commands()
        if backend == DB_TASK_BACKEND:
            # No reloader: it would fork a grandchild that signals do not reach,
            # and the web server runs without one too. jobs_worker is db_worker
            # with a heartbeat, so a killed worker's job is re-queued.
            worker = "jobs_worker" if "jobs_worker" in commands else "db_worker"
            specs.append(("worker", [worker, "--no-reload"]))
        elif backend == RQ_TASK_BACKEND:
            rq_worker = ["rqworker", "--job-class", "django_tasks_rq.Job"]
            specs.append(("worker", [*rq_worker, "--with-scheduler"]))
        else:
            self.stdout.write(f"Job backend {backend}: no worker process started.")
        for name, argv in EXTRA_PROCESSES:
            if argv[0] in commands:
                specs.append((name, argv))
            else:
                self.stderr.write(
                    self.style.WARNING(f"{name}: command {argv[0]} not installed.")
                )
        return specs

    # -- process supervision -------------------------------------------------

    def spawn(self, argv: list[str]) -> subprocess.Popen:
        manage_py = str(settings.BASE_DIR / "manage.py")
        # Own process group: a terminal's Ctrl-C reaches only this command,
        # which forwards it once to each child.
        return subprocess.Popen(  # noqa: S603 - fixed argv, no shell  # nosec B603
            [sys.executable, manage_py, *argv], start_new_session=True
        )

    def supervise(self, specs: list[tuple[str, list[str]]]) -> int:
        children: dict[str, subprocess.Popen] = {}
        stopping: list[int] = []

        def forward(signum, frame):
            stopping.append(signum)
            for proc in children.values():
                if proc.poll() is None:
                    proc.send_signal(signum)

        previous = {
            sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for name, argv in specs:
                children[name] = self.spawn(argv)
                self.stdout.write(f"started {name} (pid {children[name].pid})")
            while not stopping:
                exited = [
                    (name, proc.returncode)
                    for name, proc in children.items()
                    if proc.poll() is not None
                ]
                if exited:
                    name, code = exited[0]
                    self.stderr.write(f"{name} exited with status {code}; stopping.")
                    self.stop(children)
                    return code or 1
                time.sleep(POLL_SECONDS)
            # The signal has already been forwarded: only wait for the exits.
            self.stop(children, signum=None)
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stop(children)

    def stop(self, children: dict, signum: int | None = signal.SIGTERM) -> None:
        """Send ``signum`` to live children, wait, then kill what is left."""
        for proc in children.values():
            if signum is not None and proc.poll() is None:
                proc.send_signal(signum)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for proc in children.values():
            remaining = max(0.0, deadline - time.monotonic())
            try:
                proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
