"""Shared by the benchmarks: the environment of a production-like process
on the bench database, and the 200,000-task data set of ``seed_scale``."""

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def bench_env(db: str, **overrides: str) -> dict:
    """DEBUG off, HTTPS redirects off (plain loopback HTTP), and the bench
    database: ``var/bench.sqlite3`` or PostgreSQL ``dieuphoi_bench``
    (``BENCH_SQLITE_PATH`` / ``BENCH_DATABASE_URL`` to change them)."""
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="dieuphoi.settings",
    )
    env.update(overrides)
    env.pop("DIEUPHOI_TESTING", None)
    if db == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = os.environ.get(
            "BENCH_SQLITE_PATH", str(ROOT / "var" / "bench.sqlite3")
        )
    else:
        env["DATABASE_URL"] = os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dieuphoi_bench"
        )
    return env


def manage(env, *args, check=True):
    return subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def prepare(env, db: str, tasks: int, reseed: bool, *, static: bool = False) -> None:
    """Migrate, load the demo data and build (or reuse) the large data set."""
    if db == "postgres":
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
            capture_output=True,
            check=False,
        )
    manage(env, "migrate", "--noinput")
    if static:
        manage(env, "collectstatic", "--noinput")
    manage(env, "seed_demo")
    args = ["seed_scale", "--tasks", str(tasks)]
    if reseed:
        args.append("--reset")
    t0 = time.monotonic()
    out = manage(env, *args)
    print(out.stdout.strip())
    print(f"seed_scale: {time.monotonic() - t0:.1f} s")
