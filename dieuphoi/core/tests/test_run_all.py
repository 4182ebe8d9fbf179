import signal
import sys
import types
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command

from dieuphoi.core.management.commands import run_all


class FakeProcess:
    """A child that exits after ``polls_left`` polls, or when signalled."""

    _next_pid = 1000

    def __init__(self, argv, polls_left=None, returncode=0):
        FakeProcess._next_pid += 1
        self.pid = FakeProcess._next_pid
        self.argv = argv
        self.polls_left = polls_left
        self.exit_code = returncode
        self.returncode = None
        self.signals = []

    def poll(self):
        if self.returncode is None and self.polls_left is not None:
            if self.polls_left <= 0:
                self.returncode = self.exit_code
            self.polls_left -= 1
        return self.returncode

    def send_signal(self, signum):
        self.signals.append(signum)
        self.returncode = -signum

    def wait(self, timeout=None):
        return self.returncode

    def kill(self):
        self.returncode = -9


@pytest.fixture
def quick(monkeypatch, tmp_path):
    monkeypatch.setattr(run_all, "POLL_SECONDS", 0)
    # The children's environment is set in os.environ: keep it to the test.
    monkeypatch.setattr(
        run_all.os, "environ", {"EMAIL_FILE_PATH": str(tmp_path / "mail")}
    )
    calls = []
    monkeypatch.setattr(run_all, "call_command", lambda *a, **kw: calls.append((a, kw)))
    return calls


def run(spawned, **options):
    out, err = StringIO(), StringIO()

    def spawn(self, argv):
        proc = spawned.pop(0)
        proc.argv = argv
        return proc

    code = 0
    with mock.patch.object(run_all.Command, "spawn", spawn):
        try:
            call_command("run_all", stdout=out, stderr=err, **options)
        except SystemExit as exc:
            code = exc.code
    return out.getvalue(), err.getvalue(), code


def test_run_all_migrates_and_stops_everything_when_one_child_dies(quick, settings):
    settings.DEBUG = False
    settings.TASKS = {"default": {"BACKEND": run_all.DB_TASK_BACKEND}}
    web = FakeProcess([], polls_left=None)
    worker = FakeProcess([], polls_left=2, returncode=3)
    scheduler = FakeProcess([], polls_left=None)
    _, err, code = run([web, worker, scheduler], port=8123, host="127.0.0.1")
    assert code == 3
    assert "worker exited with status 3" in err
    assert quick[0][0] == ("migrate",)
    assert web.argv == ["runserver", "127.0.0.1:8123", "--noreload"]
    assert worker.argv == ["jobs_worker", "--no-reload"]
    assert scheduler.argv == ["schedule_daily", "--loop"]
    assert web.signals == [signal.SIGTERM]
    assert scheduler.signals == [signal.SIGTERM]


def test_run_all_skips_the_seed_when_the_command_is_absent(quick, settings):
    settings.DEBUG = True
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    web = FakeProcess([], polls_left=0)
    with mock.patch.object(run_all, "get_commands", return_value={"migrate": "x"}):
        _, err, _ = run([web], port=8000, host="127.0.0.1")
    assert [c[0] for c in quick] == [("migrate",)]
    assert "seed_demo is not installed" in err


def test_run_all_seeds_in_debug_and_prints_the_demo_logins(quick, settings):
    settings.DEBUG = True
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    fake_seed = types.ModuleType("dieuphoi.org.seed")
    fake_seed.DEMO_LOGINS = [("thuky", "demo-pass-1", "Secretariat")]
    web = FakeProcess([], polls_left=None)

    def interrupt_soon(*args):
        # Ctrl-C arrives while the children run.
        run_all.signal.raise_signal(signal.SIGINT)

    commands = {"migrate": "x", "seed_demo": "org"}
    with (
        mock.patch.dict(sys.modules, {"dieuphoi.org.seed": fake_seed}),
        mock.patch.object(run_all, "get_commands", return_value=commands),
        mock.patch.object(run_all.time, "sleep", interrupt_soon),
    ):
        out, _, code = run([web], port=8000, host="127.0.0.1")
    assert code == 0
    assert [c[0] for c in quick] == [("migrate",), ("seed_demo",)]
    assert "thuky" in out
    assert "demo-pass-1" in out
    # the signal was forwarded once, then the child was only waited for
    assert web.signals == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_run_all_never_seeds_with_debug_off_unless_asked(quick, settings):
    settings.DEBUG = False
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    commands = {"migrate": "x", "seed_demo": "org"}
    with mock.patch.object(run_all, "get_commands", return_value=commands):
        out, _, _ = run([FakeProcess([], polls_left=0, returncode=1)])
    assert "demo data not loaded" in out
    assert [c[0] for c in quick] == [("migrate",)]


def test_extra_processes_are_started_only_when_installed(quick, settings, monkeypatch):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    monkeypatch.setattr(
        run_all,
        "EXTRA_PROCESSES",
        [("scheduler", ["run_scheduler"]), ("other", ["not_installed"])],
    )
    commands = {"migrate": "x", "run_scheduler": "tasks"}
    web = FakeProcess([], polls_left=None)
    scheduler = FakeProcess([], polls_left=1, returncode=0)
    with mock.patch.object(run_all, "get_commands", return_value=commands):
        _, err, _ = run([web, scheduler], no_seed=True)
    assert scheduler.argv == ["run_scheduler"]
    assert "other: command not_installed not installed" in err


def test_run_all_prints_the_logins_once_and_where_to_go(quick, settings, tmp_path):
    settings.DEBUG = True
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    fake_seed = types.ModuleType("dieuphoi.org.seed")
    fake_seed.DEMO_LOGINS = [("thuky", "demo-pass-1", "Secretariat")]
    commands = {"migrate": "x", "seed_demo": "org"}
    with (
        mock.patch.dict(sys.modules, {"dieuphoi.org.seed": fake_seed}),
        mock.patch.object(run_all, "get_commands", return_value=commands),
    ):
        out, _, _ = run([FakeProcess([], polls_left=0)], port=8123, host="0.0.0.0")  # noqa: S104
    assert out.count("demo-pass-1") == 1
    # the seed's own report, with its copy of the logins, is not shown
    seed_call = next(c for c in quick if c[0] == ("seed_demo",))
    assert "stdout" in seed_call[1]
    assert "http://127.0.0.1:8123/" in out
    assert str(tmp_path / "mail") in out
    # migrate quietly
    assert next(c for c in quick if c[0] == ("migrate",))[1]["verbosity"] == 0


def test_children_write_mail_to_files_and_link_to_their_port(tmp_path):
    environ = {"EMAIL_FILE_PATH": str(tmp_path / "mail")}
    lines = run_all.Command().configure_children(environ, "127.0.0.1", 8123)
    assert environ["SITE_URL"] == "http://127.0.0.1:8123"
    assert environ["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert (tmp_path / "mail").is_dir()
    assert any(str(tmp_path / "mail") in line for line in lines)


def test_children_keep_what_the_environment_already_says(tmp_path):
    environ = {
        "SITE_URL": "https://dieuphoi.example.vn",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    lines = run_all.Command().configure_children(environ, "0.0.0.0", 9000)  # noqa: S104
    assert environ["SITE_URL"] == "https://dieuphoi.example.vn"
    assert "EMAIL_FILE_PATH" not in environ
    assert "smtp.EmailBackend" in " ".join(lines)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8000"),  # noqa: S104
        ("localhost", "http://localhost:8000"),
        ("::1", "http://[::1]:8000"),
    ],
)
def test_site_url_for_the_address_it_listens_on(host, url):
    assert run_all.Command.site_url(host, 8000) == url
