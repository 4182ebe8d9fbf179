"""One settings module, driven by environment variables (see .env.example).

Readers are strict: a malformed value stops start-up with ImproperlyConfigured
rather than running with a silently wrong configuration.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("DIEUPHOI_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105 - DEBUG/tests only  # nosec B105
    else:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else ""
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",
    # Login: lockout after repeated failures; TOTP two-factor with recovery codes.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "dieuphoi.core",
    "dieuphoi.accounts",
    "dieuphoi.audit",
    "dieuphoi.org",
    "dieuphoi.workdays",
    "dieuphoi.jobs",
    "dieuphoi.docs",
    "dieuphoi.tasks",
    "dieuphoi.paperwork",
    "dieuphoi.letters",
    "dieuphoi.proposals",
    "dieuphoi.keyprojects",
    "dieuphoi.matters",
    "dieuphoi.activities",
    "dieuphoi.inspections",
    "dieuphoi.calendars",
    "dieuphoi.reports",
    "dieuphoi.notifications",
    "dieuphoi.discussions",
    "dieuphoi.reminders",
    "dieuphoi.api",
    "dieuphoi.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dieuphoi.core.middleware.RequestContextMiddleware",
    # Signed-in responses: Cache-Control: private, no-store.
    "dieuphoi.core.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Vietnamese whatever the browser says; English only by the switch.
    "dieuphoi.core.middleware.LanguageMiddleware",
    # NUL and lone surrogates in the URL, form fields or JSON: 400/422; too big: 413.
    "dieuphoi.core.params.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's, with the device query compiled once.
    "dieuphoi.accounts.middleware.OTPMiddleware",
    # Session lifetimes, two-factor enforcement, refused access audited.
    "dieuphoi.accounts.middleware.LoginPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out attempt into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dieuphoi.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Template partials as Django 6 has them: builtins, and a loader
            # that resolves "template.html#partial-name".
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dieuphoi.core.context_processors.navigation",
                "dieuphoi.notifications.context_processors.badge",
            ],
        },
    },
    {
        # Only the row loops of the busiest pages, included from Django
        # templates by {% jinja %} (dieuphoi.core.jinja).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "dieuphoi.core.jinja.environment",
            "filter_libraries": ["task_tags", "task_rates"],
            "globals": {"active_numbers": "dieuphoi.tasks.rates.active_numbers"},
            "auto_reload": DEBUG,
        },
    },
]

WSGI_APPLICATION = "dieuphoi.wsgi.application"

# Databases: unset DATABASE_URL means the embedded SQLite default.
# database_safe_options() gives every SQLite database the same options, however
# it is named (DATABASE_URL=sqlite:////path, SQLITE_PATH or the default): IMMEDIATE
# transactions avoid "database is locked" upgrades from read to write locks,
# WAL lets readers run beside the single writer, and the busy timeout makes a
# writer wait for the lock instead of failing.
SQLITE_BUSY_TIMEOUT_SECONDS = env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20)
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
    f"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
)
# Seconds to wait for a PostgreSQL connection (libpq connect_timeout): a
# database that does not answer fails a request, and /healthz, quickly.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5)
# /healthz answers 503 when the database has not answered within this many
# seconds (dieuphoi.core.health).
HEALTHZ_TIMEOUT_SECONDS = env_int("HEALTHZ_TIMEOUT_SECONDS", 3)


def database_safe_options(database: dict) -> dict:
    """``database`` (one DATABASES entry) with the options this project needs
    on its engine. Options given explicitly (in the URL's query string) win,
    except that SQLite's pragmas always run, before any init_command given."""
    engine = database.get("ENGINE", "")
    options = dict(database.get("OPTIONS") or {})
    if "sqlite" in engine:
        given = options.get("init_command", "")
        options = {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            **options,
        }
        options["init_command"] = f"{SQLITE_PRAGMAS} {given}".strip()
        database.setdefault("TEST", {}).setdefault(
            "NAME", env_str("SQLITE_TEST_PATH") or None
        )
    elif "postgresql" in engine:
        options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
        database.setdefault("TEST", {})
    database["OPTIONS"] = options
    return database


DATABASE_URL = env_str("DATABASE_URL") or ""
if DATABASE_URL:
    _database = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A persistent connection broken while the database was down is
        # replaced at the next request instead of failing it.
        conn_health_checks=True,
    )
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
        # Kept open between requests, as DATABASE_URL's connections are:
        # opening one runs the pragmas above, about 4 ms of every signed-in
        # request (docs/performance.md, "The signed-in floor").
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }
DATABASES = {"default": database_safe_options(_database)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or IP before any password check.
    "dieuphoi.accounts.lockout.LockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Django's, with the flags the menu needs loaded in the same user query.
    "dieuphoi.core.auth.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing cost is not under test; keep the suite fast.
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *PASSWORD_HASHERS,
    ]

# OWASP ASVS 5.0 level 2 (README, "Security"): at least 12 characters, no
# common or breached-pattern passwords, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dieuphoi.accounts.passwords.BreachedPatternValidator"},
]

# Login lockout (django-axes): AXES_FAILURE_LIMIT failures in a row lock the
# username and, separately, the client IP for AXES_COOLOFF_MINUTES; an
# administrator sees and releases locks in the admin ("Access attempts").
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "dieuphoi.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "dieuphoi.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Two-factor login (django-otp, TOTP): required for administrators and the
# roles below when TWO_FACTOR_REQUIRED (on in production; off by default with
# DEBUG or DIEUPHOI_TESTING so the demo logins work); optional for others.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not (DEBUG or TESTING))
TWO_FACTOR_ROLES = env_list("TWO_FACTOR_ROLES", "leader,deputy,secretariat")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "dieuphoi")
# Sessions end after SESSION_IDLE_SECONDS without a request and, in any case,
# SESSION_MAX_SECONDS after login (dieuphoi.accounts.middleware).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_MAX_SECONDS = env_int("SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# Django's database sessions; the read on every request compiled once.
SESSION_ENGINE = "dieuphoi.core.sessions"
# API tokens expire this many days after they are issued.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Internationalisation: Vietnamese by default, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch's choice is kept for a year (not only for the session).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["dieuphoi.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "dieuphoi.core.storage.StaticStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Uploaded files are never served from MEDIA_URL: downloads go through a
# permission-checked view.

# Backups (`manage.py backup`, dieuphoi.ops): where they are written, and
# how many of the newest are kept.
BACKUP_DIR = Path(env_str("BACKUP_DIR") or BASE_DIR / "var" / "backups")
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)
if BACKUP_KEEP < 1:
    raise ImproperlyConfigured(f"BACKUP_KEEP must be 1 or more, got {BACKUP_KEEP}")

# Uploads
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
# Days a removed attached file stays restorable before the daily purge.
ATTACHMENT_TRASH_DAYS = env_int("ATTACHMENT_TRASH_DAYS", 30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Background jobs: database backend by default; DUMMY in tests;
# "rq" (scale-out) runs them on Redis at REDIS_URL through django-tasks-rq,
# worked by `manage.py rqworker --job-class django_tasks_rq.Job --with-scheduler`.
TASKS_BACKEND = env_str("TASKS_BACKEND", "dummy" if TESTING else "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}, got {TASKS_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL}}
# Like the database backend, a job enqueued in a transaction is sent only if
# the transaction commits.
RQ = {"COMMIT_MODE": "on_db_commit"}
if TASKS_BACKEND == "rq":
    TASKS["default"]["QUEUES"] = ["default"]
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# The daily scheduler (`manage.py schedule_daily --loop`) fires once per local
# day at or after this time (HH:MM, Asia/Ho_Chi_Minh).
SCHEDULER_RUN_AT = env_str("SCHEDULER_RUN_AT", "06:00")
try:
    _hour, _minute = (int(part) for part in SCHEDULER_RUN_AT.split(":"))
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured(
        f"SCHEDULER_RUN_AT must be HH:MM (24-hour), got {SCHEDULER_RUN_AT!r}"
    ) from exc
# A RUNNING job whose worker has not been seen for this many seconds, or (for
# workers without a heartbeat) that started this many minutes ago, is stale:
# the reaper re-queues it, or marks it failed after JOB_REAP_MAX_ATTEMPTS.
JOB_HEARTBEAT_TIMEOUT_SECONDS = env_int("JOB_HEARTBEAT_TIMEOUT_SECONDS", 90)
JOB_STALE_AFTER_MINUTES = env_int("JOB_STALE_AFTER_MINUTES", 60)
JOB_REAP_MAX_ATTEMPTS = env_int("JOB_REAP_MAX_ATTEMPTS", 3)

# E-mail: Django's own setting names, read from the environment.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "dieuphoi@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Behind a TLS-terminating reverse proxy set
# SECURE_PROXY_SSL_HEADER_ENABLED=true; the proxy must set X-Forwarded-Proto.
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_production = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _production)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _production)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _production)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _production else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _production)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _production)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Domain settings
DUE_SOON_WORKING_DAYS = env_int("DUE_SOON_WORKING_DAYS", 5)
# A task is "at risk" when its progress is more than this many percentage
# points behind the share of its time already elapsed (dieuphoi.tasks.buckets).
TASK_AT_RISK_GAP = env_int("TASK_AT_RISK_GAP", 25)
# Seconds the task summary's counts may be cached per process; any task write
# invalidates them at once (dieuphoi.tasks.cache), so the time only bounds a
# write behind the application's back, as for the counts strip. 0 = no cache.
TASK_SUMMARY_CACHE_SECONDS = env_int(
    "TASK_SUMMARY_CACHE_SECONDS", 0 if TESTING else 300
)
# The agency scorecards' task columns, cached the same way (reports.scorecards).
SCORECARD_CACHE_SECONDS = env_int("SCORECARD_CACHE_SECONDS", 0 if TESTING else 300)
# The same for the list's counts strip (dieuphoi.tasks.cache); both are keyed
# by version stamps every task and registry write replaces, so the time only
# bounds memory and writes made behind the application's back (raw SQL).
TASK_COUNTS_CACHE_SECONDS = env_int("TASK_COUNTS_CACHE_SECONDS", 0 if TESTING else 300)
# And for the list's rendered rows (one page, per scope, filters, date and
# cursor; dieuphoi.tasks.rows.list_rows): about 80 kB an entry.
TASK_ROWS_CACHE_SECONDS = env_int("TASK_ROWS_CACHE_SECONDS", 0 if TESTING else 300)
# The proposals' pipeline board, rendered once per visible scope, filters and
# date; any proposal, round, party or registry write invalidates it
# (dieuphoi.proposals.cache).
PROPOSAL_BOARD_CACHE_SECONDS = env_int(
    "PROPOSAL_BOARD_CACHE_SECONDS", 0 if TESTING else 300
)
# Seconds the header badge's unread count may be cached (keyed by the unread
# set, the day and the task and registry stamps; dieuphoi.notifications.selectors).
NOTIFICATION_BADGE_CACHE_SECONDS = env_int(
    "NOTIFICATION_BADGE_CACHE_SECONDS", 0 if TESTING else 60
)
# Seconds one user's "may I still see these items" answer is kept for the
# notification centre and badge, for item kinds whose rule reads only data
# with a version stamp (tasks, proposals) besides the user's own seats, which
# are in the key (dieuphoi.notifications.registry.visible_to). 0 = always check.
NOTIFICATION_VISIBILITY_CACHE_SECONDS = env_int(
    "NOTIFICATION_VISIBILITY_CACHE_SECONDS", 0 if TESTING else 300
)
# Seconds a page of the centre's rows stays rendered (keyed by each row's id
# and read state: a notification changes only by being read;
# dieuphoi.notifications.rows). 0 = render every time.
NOTIFICATION_ROWS_CACHE_SECONDS = env_int(
    "NOTIFICATION_ROWS_CACHE_SECONDS", 0 if TESTING else 300
)
# Keep the list filters' registry options (agencies, provinces, sectors) in
# each process until the registry stamp changes (dieuphoi.tasks.cache).
REGISTRY_CHOICES_CACHE = env_bool("REGISTRY_CHOICES_CACHE", not TESTING)
# Other processes see a change to the working-day table within this many
# seconds (dieuphoi.workdays.calendar).
WORKDAYS_CACHE_SECONDS = env_int("WORKDAYS_CACHE_SECONDS", 10)
# A deadline that falls on a day off: "next_working_day" (Civil Code 2015,
# Art. 148(5): the period ends at the end of the next working day) or
# "as_written" (the date itself). dieuphoi.workdays.calendar.effective_deadline.
DEADLINE_ON_DAY_OFF = env_str("DEADLINE_ON_DAY_OFF", "next_working_day")
if DEADLINE_ON_DAY_OFF not in ("next_working_day", "as_written"):
    raise ImproperlyConfigured(
        "DEADLINE_ON_DAY_OFF must be next_working_day or as_written, "
        f"got {DEADLINE_ON_DAY_OFF!r}"
    )

# Notifications and reminders (dieuphoi.notifications, dieuphoi.reminders).
# The absolute address of the site, for links in e-mails.
SITE_URL = (env_str("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"SITE_URL must start with http:// or https://, got {SITE_URL!r}"
    )
# A failed e-mail is retried with back-off (this many seconds, doubling)
# until this many attempts; then it is marked failed for administrators.
NOTIFICATION_EMAIL_MAX_ATTEMPTS = env_int("NOTIFICATION_EMAIL_MAX_ATTEMPTS", 5)
NOTIFICATION_EMAIL_RETRY_SECONDS = env_int("NOTIFICATION_EMAIL_RETRY_SECONDS", 60)
# An e-mail claimed ("sending") longer ago than this is taken to have lost its
# worker: it is sent again with the same Message-ID, or marked failed after
# the last attempt (dieuphoi.notifications.emails).
EMAIL_CLAIM_TIMEOUT_SECONDS = env_int("EMAIL_CLAIM_TIMEOUT_SECONDS", 600)
# The reminder ladder, in working days: reminders this many working days
# before a deadline (and on the day), an urging notice every N working days
# after it, escalation after that many urgings; tasks without a deadline get
# a progress request each month ("monthly", "quarterly" or "off").
try:
    REMINDER_BEFORE_DAYS = [int(n) for n in env_list("REMINDER_BEFORE_DAYS", "5,1")]
except ValueError as exc:
    raise ImproperlyConfigured(
        "REMINDER_BEFORE_DAYS must be comma-separated whole numbers, e.g. 5,1"
    ) from exc
URGING_EVERY_WORKING_DAYS = env_int("URGING_EVERY_WORKING_DAYS", 3)
ESCALATE_AFTER_URGINGS = env_int("ESCALATE_AFTER_URGINGS", 3)
# A task reported done and not confirmed after this many working days
# reminds the body's secretariat (once per report; 0: never).
CONFIRMATION_REMINDER_WORKING_DAYS = env_int("CONFIRMATION_REMINDER_WORKING_DAYS", 3)
if CONFIRMATION_REMINDER_WORKING_DAYS < 0:
    raise ImproperlyConfigured(
        "CONFIRMATION_REMINDER_WORKING_DAYS must be 0 or more, "
        f"got {CONFIRMATION_REMINDER_WORKING_DAYS}"
    )
PROGRESS_REQUEST_EVERY = env_str("PROGRESS_REQUEST_EVERY", "monthly")
# Periodic reports (Decree 09/2019/NĐ-CP Art. 12; domain.md §4): whether
# the nine-month period is offered (local rules add it), and the working
# days after the cut-off by which each type of report is sent (Art. 8(5)(b):
# at least one; the requiring rule sets it, so these are defaults).
REPORT_NINE_MONTH = env_bool("REPORT_NINE_MONTH", True)
REPORT_SUBMIT_WORKING_DAYS = {
    "monthly": env_int("REPORT_SUBMIT_WORKING_DAYS_MONTHLY", 3),
    "quarterly": env_int("REPORT_SUBMIT_WORKING_DAYS_QUARTERLY", 3),
    "half_year": env_int("REPORT_SUBMIT_WORKING_DAYS_HALF_YEAR", 5),
    "nine_month": env_int("REPORT_SUBMIT_WORKING_DAYS_NINE_MONTH", 5),
    "annual": env_int("REPORT_SUBMIT_WORKING_DAYS_ANNUAL", 5),
    "ad_hoc": env_int("REPORT_SUBMIT_WORKING_DAYS_AD_HOC", 3),
}
for _type, _days in REPORT_SUBMIT_WORKING_DAYS.items():
    if _days < 1:
        raise ImproperlyConfigured(
            f"REPORT_SUBMIT_WORKING_DAYS_{_type.upper()} must be 1 or more "
            f"(Decree 09/2019 Art. 8(5)(b)), got {_days}"
        )
if PROGRESS_REQUEST_EVERY not in ("monthly", "quarterly", "off"):
    raise ImproperlyConfigured(
        "PROGRESS_REQUEST_EVERY must be monthly, quarterly or off, "
        f"got {PROGRESS_REQUEST_EVERY!r}"
    )
# An open inter-provincial matter with no log entry for this many working
# days is stale: badged on the list and reminded to its owner.
MATTER_STALE_WORKING_DAYS = env_int("MATTER_STALE_WORKING_DAYS", 10)
if MATTER_STALE_WORKING_DAYS < 1:
    raise ImproperlyConfigured(
        f"MATTER_STALE_WORKING_DAYS must be 1 or more, got {MATTER_STALE_WORKING_DAYS}"
    )
# Reminders handled per transaction by the daily job.
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 1000)

# A 403 or 404 is logged as one line (no traceback); the development
# server's access log leaves out static files (dieuphoi.core.logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "one_line_4xx": {"()": "dieuphoi.core.logging.OneLineClientErrors"},
        "skip_static": {"()": "dieuphoi.core.logging.SkipStaticRequests"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "server": {"class": "logging.StreamHandler", "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler is replaced by the root one (one line
        # per message, not two).
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        # django-axes logs every login; the audit trail records them already.
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["one_line_4xx"]},
        # One line per job start and end; `make run` raises it to WARNING.
        "django_tasks": {"level": env_str("JOBS_LOG_LEVEL", "INFO")},
        "django.server": {
            "handlers": ["server"],
            "filters": ["skip_static"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
