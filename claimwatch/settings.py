"""Claimwatch settings, read from the environment.

With nothing set, Claimwatch runs on the embedded default: SQLite and Celery's
filesystem broker under ``var/``. With ``DATABASE_URL`` and ``REDIS_URL`` (or
``CELERY_BROKER_URL``) it runs on PostgreSQL and Redis. Bad values stop start-up
with a message naming the variable.
"""

import ipaddress
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLAIMWATCH_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of true/false, yes/no, on/off, 1/0."
    )


def envint(name: str, default: str, *, minimum: int = 0) -> int:
    value = os.environ.get(name, default).strip()
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envurl(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a URL of a supported kind ({', '.join(schemes)})."
        )
    return value


DEBUG = envbool("DEBUG", "false")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string "
            "(bin/start does this for you in var/secret_key)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105 (DEBUG only)
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is shorter than 50 characters.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Demo users' password for seed_demo; generated and printed when unset.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "")
# The demo pages' new article (manage.py demo_pages, docs/discovery.md "The demo") appears on
# Hindustan Times' feed this many seconds after the page server starts.
DEMO_NEW_ARTICLE_AFTER = envint("DEMO_NEW_ARTICLE_AFTER", "60")
# Absolute links (mails, feeds, ClaimReview, the embed snippet). Without SITE_URL, the
# address the local server listens on: bin/start's PORT.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or (
    f"http://127.0.0.1:{envint('PORT', '8000', minimum=1)}"
)
# Who publishes the fact checks: the author of every ClaimReview (with SITE_URL).
SITE_NAME = os.environ.get("SITE_NAME", "").strip() or "Claimwatch"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "claims",
    "sources",
    "monitoring",
    "intake",
    "publishing",
    "desk",
    "discovery",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "claimwatch.middleware.RefuseNulMiddleware",  # before anything looks a URL up
    "claimwatch.middleware.PrivateCacheMiddleware",  # Cache-Control: private by default
    "claimwatch.middleware.MethodPageMiddleware",  # a page for a visit to a form's target
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the others, so that a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
    "claimwatch.throttle.ThrottleMiddleware",  # spraying and password-reset mails
    # Last, so its process_exception sees a view's error first (claimwatch/unavailable.py).
    "claimwatch.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "claimwatch.urls"
WSGI_APPLICATION = "claimwatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "desk.context_processors.desk",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL, else SQLite under var/.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(
            f"DATABASE_URL={DATABASE_URL!r} is not a postgres:// or sqlite:// URL."
        )
    # 0: one connection per request, closed at its end. The web server of the Procfile
    # (runserver) runs each request in a new thread, so a kept connection is never reused
    # and they pile up: the soak (docs/reliability.md) ran PostgreSQL out of its 100
    # connections with 20 users at 60. Raise it only under a server with long-lived threads.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("DATABASE_CONN_MAX_AGE", "0"),
            conn_health_checks=True,
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "claimwatch.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: WAL lets readers go on
    # while one writes, IMMEDIATE takes the write lock at BEGIN (no lock upgrade that
    # fails half-way), and the timeout waits for a lock instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/claims/"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+address pair after repeated failures,
# never a whole address (behind a proxy many users share one; claimwatch/throttle.py).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5", minimum=1)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", "15", minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Spraying: failures from one address across every username (claimwatch/throttle.py).
LOGIN_IP_FAILURE_LIMIT = envint("LOGIN_IP_FAILURE_LIMIT", "20", minimum=1)
PASSWORD_RESET_LIMIT = envint("PASSWORD_RESET_LIMIT", "5", minimum=1)  # an hour
# A browser that logged in as a user before keeps a signed cookie naming them, and is not
# held up by the spraying throttle for that user (claimwatch/throttle.py).
LOGIN_KNOWN_BROWSER_DAYS = envint("LOGIN_KNOWN_BROWSER_DAYS", "180", minimum=1)
AXES_VERBOSE = False
# The client's address: the peer's, or X-Forwarded-For's when the peer is one of these
# proxies (addresses or networks, comma-separated; claimwatch/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "claimwatch.client_ip.client_ip"
try:
    TRUSTED_PROXIES = tuple(
        ipaddress.ip_network(entry, strict=False) for entry in envlist("TRUSTED_PROXIES", "")
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc} (e.g. 127.0.0.1,10.0.0.0/8).") from None
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"


def envjson(name: str, default: str) -> dict:
    value = os.environ.get(name, default)
    try:
        parsed = json.loads(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object.")
    return parsed


# Captures (WARC files named by their SHA-256, sources.captures) go to their own storage:
# var/captures by default, or any Django storage backend, e.g. S3-compatible storage with
# django-storages installed: CAPTURES_STORAGE_BACKEND=storages.backends.s3.S3Storage
# CAPTURES_STORAGE_OPTIONS='{"bucket_name": "claimwatch-captures", "endpoint_url": ...}'.
CAPTURES_STORAGE_BACKEND = os.environ.get(
    "CAPTURES_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
CAPTURES_STORAGE_OPTIONS = envjson("CAPTURES_STORAGE_OPTIONS", "{}")
if CAPTURES_STORAGE_BACKEND == "django.core.files.storage.FileSystemStorage":
    CAPTURES_STORAGE_OPTIONS.setdefault("location", str(VAR_DIR / "captures"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    "captures": {"BACKEND": CAPTURES_STORAGE_BACKEND, "OPTIONS": CAPTURES_STORAGE_OPTIONS},
}
# Retention (sources.captures.captures_prune): captures of sources cited by decided
# claims are kept; the others are pruned, oldest first, down to this many bytes.
CAPTURES_MAX_BYTES = envint("CAPTURES_MAX_BYTES", str(2 * 1024**3), minimum=0)

# Content Security Policy (Django's built-in CSP): nothing from elsewhere, no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Production hardening; `manage.py check --deploy` passes with these when DEBUG is off.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false") or not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false" if DEBUG else "true")
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false" if DEBUG else "true")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if envbool("BEHIND_TLS_PROXY", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Mail (Django's MAILERS): console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": envint("EMAIL_PORT", "587", minimum=1),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", "true"),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
del EMAIL_HOST
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "claimwatch@localhost")

# Celery: Redis from REDIS_URL / CELERY_BROKER_URL, else the filesystem broker under var/.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
_broker_default = REDIS_URL or "filesystem://"
CELERY_BROKER_URL = envurl(
    "CELERY_BROKER_URL", _broker_default, schemes=("redis", "rediss", "filesystem")
)
if REDIS_URL:
    envurl("REDIS_URL", REDIS_URL, schemes=("redis", "rediss"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "false")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Source monitoring (docs/monitoring.md). Checks run in batches of MONITOR_BATCH_SIZE;
# per host at most MONITOR_HOST_CONCURRENCY requests at once and MONITOR_HOST_GAP_MS
# between two, across all workers.
MONITOR_BATCH_SIZE = envint("MONITOR_BATCH_SIZE", "1000", minimum=1)
MONITOR_DISPATCH_MAX_BATCHES = envint("MONITOR_DISPATCH_MAX_BATCHES", "40", minimum=1)
MONITOR_CONCURRENCY = envint("MONITOR_CONCURRENCY", "100", minimum=1)
MONITOR_HOST_CONCURRENCY = envint("MONITOR_HOST_CONCURRENCY", "4", minimum=1)
MONITOR_HOST_GAP_MS = envint("MONITOR_HOST_GAP_MS", "250")
MONITOR_RETRIES = envint("MONITOR_RETRIES", "2")
MONITOR_RETRY_MAX_DELAY = envint("MONITOR_RETRY_MAX_DELAY", "300", minimum=1)
MONITOR_UNREACHABLE_AFTER = envint("MONITOR_UNREACHABLE_AFTER", "3", minimum=1)
MONITOR_ATTEMPTS_KEEP_DAYS = envint("MONITOR_ATTEMPTS_KEEP_DAYS", "30", minimum=1)
# How often a fresh or just-changed source is checked (bin/start's demo uses 1).
MONITOR_FRESH_MINUTES = envint("MONITOR_FRESH_MINUTES", "15", minimum=1)
# A batch's time limits, kept short so that a batch lost with its worker is redone soon
# (the visibility timeout below follows them): the fetching stops 15 s before the soft limit.
MONITOR_SOFT_TIME_LIMIT = envint("MONITOR_SOFT_TIME_LIMIT", "60", minimum=20)
MONITOR_HARD_TIME_LIMIT = MONITOR_SOFT_TIME_LIMIT + 15
# The longest countdown of a retry batch (monitoring.checks.retry_delay: 10 s, 20 s, ...).
MONITOR_RETRY_LONGEST = (
    min(10 * 2 ** (MONITOR_RETRIES - 1), MONITOR_RETRY_MAX_DELAY) if MONITOR_RETRIES else 0
)
# A message is acknowledged after its task ran, and put back if the worker dies meanwhile;
# a worker holds one message at a time. A check run twice writes nothing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that holds more than this many KiB after a task is replaced by a fresh one
# before its next task (0: never). A guard against growth across batches (caches, a
# fragmented heap), not a limit within one batch: a pool process reads about 300 MB once it
# has checked a batch of changed pages (docs/benchmarks.md, "worker memory").
CELERY_WORKER_MAX_MEMORY_PER_CHILD = envint("CELERY_WORKER_MAX_MEMORY_PER_CHILD", "450000") or None
# The broker redelivers the messages of a lost connection; stop their running copies.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
if CELERY_BROKER_URL.startswith(("redis", "rediss")):
    # Redis redelivers an unacknowledged message after this long: it must exceed the
    # longest a message can be held (a retry's countdown, then the hard time limit), and
    # no more, so a batch whose whole worker died (SIGKILL, lost machine) is redone within
    # two minutes with the defaults: 75 + 20 + 10 = 105 s, plus at most one 10 s scan.
    _held = MONITOR_HARD_TIME_LIMIT + MONITOR_RETRY_LONGEST
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = envint(
        "CELERY_VISIBILITY_TIMEOUT", str(_held + 10), minimum=_held + 1
    )
    # Scan for such messages every 10 s (kombu's default scans every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = 10
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
# Periodic tasks, run by the one beat process. Each entry names the task it runs.
CELERY_BEAT_SCHEDULE: dict = {
    "dispatch-due-sources": {
        "task": "monitoring.tasks.dispatch_due_sources",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "prune-check-attempts": {
        "task": "monitoring.tasks.prune_check_attempts",
        "schedule": 24 * 3600.0,
    },
    "prune-captures": {
        "task": "claims.tasks.prune_captures",
        "schedule": 24 * 3600.0,
    },
    # One mail per watcher per period, however many changes it holds (desk.notifications).
    "notify-watchers": {
        "task": "desk.tasks.notify_watchers",
        "schedule": float(envint("NOTIFY_EVERY_SECONDS", "300", minimum=10)),
    },
    # Alerts to Slack, Teams, Telegram, ... that are due, first tries and retries
    # (desk.alerts); each is sent by its own task.
    # The term statistics of look-alikes and matching (claims.similarity), counted anew
    # before the shared copy (kept 10 minutes) runs out.
    "similarity-stats": {
        "task": "claims.tasks.similarity_stats_refresh",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "deliver-alerts": {
        "task": "desk.tasks.deliver_alerts",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# Discovery (docs/discovery.md): outlets' feeds polled every DISCOVERY_POLL_MINUTES (backing
# off on failures), bounded in bytes and items; new articles matched against claims without
# a verdict or decided in the last DISCOVERY_OPEN_DAYS days.
DISCOVERY_POLL_MINUTES = envint("DISCOVERY_POLL_MINUTES", "15", minimum=1)
DISCOVERY_BATCH_SIZE = envint("DISCOVERY_BATCH_SIZE", "50", minimum=1)
DISCOVERY_FEED_MAX_BYTES = envint("DISCOVERY_FEED_MAX_BYTES", str(2 * 1024 * 1024), minimum=1024)
DISCOVERY_FEED_MAX_ITEMS = envint("DISCOVERY_FEED_MAX_ITEMS", "200", minimum=1)
DISCOVERY_OPEN_DAYS = envint("DISCOVERY_OPEN_DAYS", "30", minimum=0)
DISCOVERY_MATCH_MAX_LINES = envint("DISCOVERY_MATCH_MAX_LINES", "100000", minimum=1)
CELERY_BEAT_SCHEDULE["dispatch-due-feeds"] = {
    "task": "discovery.tasks.dispatch_due_feeds",
    "schedule": 60.0,
    "options": {"expires": 55},
}
# Spreadsheet imports (docs/import.md). The editors' page: files up to IMPORT_PAGE_MAX_MB
# with up to IMPORT_PAGE_MAX_ROWS rows, each preview or import run by the worker stopped
# after IMPORT_PAGE_MAX_SECONDS. `manage.py import_claims` takes files up to
# IMPORT_COMMAND_MAX_MB, any number of rows, any time.
IMPORT_PAGE_MAX_MB = envint("IMPORT_PAGE_MAX_MB", "10", minimum=1)
IMPORT_PAGE_MAX_ROWS = envint("IMPORT_PAGE_MAX_ROWS", "20000", minimum=1)
IMPORT_PAGE_MAX_SECONDS = envint("IMPORT_PAGE_MAX_SECONDS", "300", minimum=10)
IMPORT_COMMAND_MAX_MB = envint("IMPORT_COMMAND_MAX_MB", "512", minimum=1)
# Alert channels (desk.alerts): tries per message before giving up, and the longest
# wait between two tries (the wait doubles from a minute up to it).
ALERT_MAX_ATTEMPTS = envint("ALERT_MAX_ATTEMPTS", "8", minimum=1)
ALERT_MAX_BACKOFF_SECONDS = envint("ALERT_MAX_BACKOFF_SECONDS", "3600", minimum=60)

# Django's cache: Redis when REDIS_URL is set; else files under var/cache/, which the
# web server, the worker and beat share (a change made by the worker empties the cache
# the web server reads). It holds the public pages, the public rate-limit counters and
# running imports' progress. CACHE_KEY_PREFIX keeps two installations on one Redis apart.
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "cw")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that does not answer costs a request a second, not a worker
            # (claimwatch.cache_safe serves the public pages without it).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
# Public pages (/p/, publishing.public_views): how long a cached page may live at most
# (changes empty it at once, see publishing.cache), requests per minute from one
# address, and who may frame the embeddable card (space-separated CSP sources).
PUBLIC_CACHE_SECONDS = envint("PUBLIC_CACHE_SECONDS", "300", minimum=0)
PUBLIC_RATE_LIMIT = envint("PUBLIC_RATE_LIMIT", "120", minimum=1)
PUBLIC_EMBED_ANCESTORS = os.environ.get("PUBLIC_EMBED_ANCESTORS", "*").split()

# The guarded fetcher (sources/fetch.py). Loopback and private addresses stay refused
# unless FETCH_ALLOW_PRIVATE is set, which tests and local demos do; nothing else lifts it.
FETCH_ALLOW_PRIVATE = envbool("FETCH_ALLOW_PRIVATE", "false")
# Exactly these private IP:port pairs may be fetched, nothing else of them: the local demo's
# pages (bin/start sets 127.0.0.1:8001). IP literals only, so no name can be made to point there.
FETCH_ALLOW_HOSTS = frozenset(envlist("FETCH_ALLOW_HOSTS", ""))
for _entry in FETCH_ALLOW_HOSTS:
    _ip, _, _port = _entry.rpartition(":")
    try:
        ipaddress.ip_address(_ip)
        if not 0 < int(_port) < 65536:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"FETCH_ALLOW_HOSTS: {_entry!r} is not IP:port (e.g. 127.0.0.1:8001 or ::1:8001)."
        ) from None
FETCH_MAX_BYTES = envint("FETCH_MAX_BYTES", str(5 * 1024 * 1024), minimum=1024)
FETCH_CONNECT_TIMEOUT = envint("FETCH_CONNECT_TIMEOUT", "5", minimum=1)
FETCH_READ_TIMEOUT = envint("FETCH_READ_TIMEOUT", "10", minimum=1)
FETCH_TOTAL_TIMEOUT = envint("FETCH_TOTAL_TIMEOUT", "30", minimum=1)
FETCH_USER_AGENT = os.environ.get(
    "FETCH_USER_AGENT",
    "Claimwatch/1.0 (+https://github.com/claimwatch; source monitor)",
)
# Sources read through headless Chromium (Source.render, sources/render.py): seconds for one
# page, all told, and megabytes its browser's processes may use; past either the check fails.
RENDER_TIMEOUT = envint("RENDER_TIMEOUT", "20", minimum=1)
RENDER_MAX_MB = envint("RENDER_MAX_MB", "1024", minimum=64)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # JSON bounded in size and depth before it is parsed (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claimwatch API",
    "DESCRIPTION": "Claims, evidence, sources, verdicts and timelines.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # What the API refuses, the schema says: a blank where a text is needed (minLength 1),
    # and `version` required on PATCH too (no separate "Patched" shapes without `required`).
    "ENFORCE_NON_BLANK_FIELDS": True,
    "COMPONENT_SPLIT_PATCH": False,
    # The API reads JSON: forms still parse (older scripts), but JSON is what it describes
    # (a form cannot say null, a list or a boolean the way the schema does).
    "PARSER_WHITELIST": ["api.parsers.BoundedJSONParser"],
    # Two fields are called "kind" (an outlet's, a timeline filter's): name the enums apart.
    "ENUM_NAME_OVERRIDES": {"OutletKindEnum": "sources.models.OutletKind.choices"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
