"""Settings for both roles, read from the environment (12-factor).

Everything that differs between deployments comes from environment variables
through one ``environ.Env``; what differs between the two roles is read from
the role's row of ``roles.ROLE_TABLE`` (picked by ``TASKMANAGER_ROLE``).
"""

import copy
import logging
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from taskmanager.config.roles import current_profile

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
env_file = env.str("TASKMANAGER_ENV_FILE", default="")
if env_file:
    environ.Env.read_env(env_file)

try:
    ROLE_PROFILE = current_profile()
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
ROLE = ROLE_PROFILE.name
DEBUG = env.bool("DEBUG", default=False)

# A default key would let anyone forge sessions, so only DEBUG may run without one.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"); '
            "only DEBUG=true may run without one."
        )
    SECRET_KEY = "insecure-development-key-used-only-with-DEBUG"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications: each role installs only what it serves -------------------
COMMON_APPS = [
    "django.contrib.staticfiles",
    "django.contrib.messages",
    "taskmanager.health",
]
INSTALLED_APPS = [*COMMON_APPS, *ROLE_PROFILE.apps]

MIDDLEWARE = [
    "taskmanager.config.request_id.RequestIdMiddleware",
    "taskmanager.config.log_context.RequestLogContextMiddleware",
    # Probes reach pods by IP, so health answers before Host validation.
    "taskmanager.health.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *ROLE_PROFILE.middleware,
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = ROLE_PROFILE.urlconf
WSGI_APPLICATION = "taskmanager.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                *ROLE_PROFILE.context_processors,
            ],
        },
    }
]

# /readyz: the role's checks, in order.
READINESS_CHECKS = ROLE_PROFILE.readiness_checks

# --- Database: the API and worker roles share one; the UI has none ----------------


def _url_setting(name: str, default: str = "") -> str:
    """The URL in NAME, or in the file NAME_FILE names (a mounted Secret's key,
    such as CloudNativePG's `<cluster>-app` Secret's `uri`), which wins."""
    path = env.str(f"{name}_FILE", default="")
    if not path:
        return env.str(name, default=default)
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"{name}_FILE={path}: {error.strerror}") from None


if ROLE_PROFILE.has_database:
    DATABASES = {
        "default": env.db_url_config(
            _url_setting("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'data' / 'taskmanager.sqlite3'}")
        )
    }
    # Read-only requests read here when set (config/read_replica.py): a URL of
    # its own, or the primary's database and credentials on another host (a
    # CloudNativePG cluster's `-ro` Service takes the `-rw` one's credentials).
    DATABASE_REPLICA_URL = _url_setting("DATABASE_REPLICA_URL")
    DATABASE_REPLICA_HOST = env.str("DATABASE_REPLICA_HOST", default="")
    replica = None
    if DATABASE_REPLICA_URL and DATABASE_REPLICA_HOST:
        raise ImproperlyConfigured("Set DATABASE_REPLICA_URL or DATABASE_REPLICA_HOST, not both.")
    if DATABASE_REPLICA_URL:
        replica = env.db_url_config(DATABASE_REPLICA_URL)
    elif DATABASE_REPLICA_HOST:
        if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_HOST needs a PostgreSQL DATABASE_URL.")
        replica = {**copy.deepcopy(DATABASES["default"]), "HOST": DATABASE_REPLICA_HOST}
    if replica:
        # Tests create one database; the replica alias reads that same one.
        DATABASES["replica"] = {**replica, "TEST": {"MIRROR": "default"}}
        DATABASE_ROUTERS = ["taskmanager.config.read_replica.ReplicaRouter"]
    for database in DATABASES.values():
        database["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
        database["CONN_HEALTH_CHECKS"] = True
        if database["ENGINE"] == "django.db.backends.postgresql":
            # Django's backend with a health check that needs no round trip
            # while the connection is sound, and cursors that can prepare (config/postgresql/base.py).
            database["ENGINE"] = "taskmanager.config.postgresql"
            database.setdefault("OPTIONS", {}).setdefault(
                "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
            )
    # Runs of one compiled statement on a connection before psycopg prepares it
    # (psycopg's default, 5); empty: never, for a pooler in transaction mode
    # that cannot keep prepared statements. Set on the backend's connections
    # (config/postgresql/base.py), not in OPTIONS: the job queue's own pool
    # takes OPTIONS, and keeps Django's default of never preparing.
    _threshold = env.str("DB_PREPARE_THRESHOLD", default="5").strip()
    if _threshold and not _threshold.isdigit():
        raise ImproperlyConfigured("DB_PREPARE_THRESHOLD: a number of runs (0 or more), or empty for never.")
    DATABASE_PREPARE_THRESHOLD = int(_threshold) if _threshold else None
    # migrate_with_lock: how long one migration statement may wait for a table
    # lock (seconds; every query on that table queues behind the waiting
    # statement meanwhile), how many times to try, and the pause between tries.
    MIGRATION_LOCK_TIMEOUT = env.float("MIGRATION_LOCK_TIMEOUT", default=5.0)
    MIGRATION_ATTEMPTS = env.int("MIGRATION_ATTEMPTS", default=5)
    MIGRATION_RETRY_PAUSE = env.float("MIGRATION_RETRY_PAUSE", default=10.0)
else:
    # The UI role must never open a database connection; with no DATABASES any
    # ORM use fails loudly instead of quietly creating a local file.
    DATABASES = {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: the hook Django calls after every saved password change.
    {"NAME": "taskmanager.accounts.password_change.RevokeTokensOnPasswordChange"},
]

# --- Sessions, cookies, security headers -----------------------------------------
if not ROLE_PROFILE.has_database:
    # Signed cookies keep the UI role free of any database.
    SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
SESSION_COOKIE_NAME = f"taskmanager_{ROLE}_session"
CSRF_COOKIE_NAME = f"taskmanager_{ROLE}_csrftoken"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Who a client is, for the limits on password work (config/client_address.py) --
# Reverse proxies in front of this role that append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Shared by the two roles: the UI signs the end user's address with it, and
# the API believes a forwarded address only with that signature.
TASKMANAGER_FORWARDING_SECRET = env.str("TASKMANAGER_FORWARDING_SECRET", default="")

# --- Internationalisation and time: stored and returned in UTC -------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: collected at build time, served by WhiteNoise -----------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles" / ROLE)))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# WhiteNoise caches content-hashed names forever ("immutable") and anything
# else briefly; only the hashed copies need to ship.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# --- Request size: bodies above this answer 413 --------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=256 * 1024)

# --- The API ---------------------------------------------------------------------
TASKMANAGER_TOKEN_TTL_HOURS = env.int("TASKMANAGER_TOKEN_TTL_HOURS", default=24)
# Limits on password work (accounts/limits.py), as <count>/<s|min|hour|day>.
# Counted in the cache below: per process with the default local-memory
# cache, shared by every pod when CACHE_URL names a shared cache such as Redis.
# Failed logins per username from one client; then per username from all
# clients together, set above what one client can reach in the same time.
TASKMANAGER_LOGIN_RATE = env.str("TASKMANAGER_LOGIN_RATE", default="10/min")
TASKMANAGER_LOGIN_USERNAME_RATE = env.str("TASKMANAGER_LOGIN_USERNAME_RATE", default="1000/hour")
# Logins checked plus accounts created, per client: each costs one password hash.
TASKMANAGER_PASSWORD_HASH_RATE = env.str("TASKMANAGER_PASSWORD_HASH_RATE", default="30/min")
TASKMANAGER_SIGNUP_RATE = env.str("TASKMANAGER_SIGNUP_RATE", default="10/hour")
# Password hashes computed at once per process, and how long (seconds) a
# request waits for a free slot before it is answered 503.
TASKMANAGER_PASSWORD_HASH_CONCURRENCY = env.int("TASKMANAGER_PASSWORD_HASH_CONCURRENCY", default=1)
TASKMANAGER_PASSWORD_HASH_WAIT = env.float("TASKMANAGER_PASSWORD_HASH_WAIT", default=1.0)

if ROLE_PROFILE.has_database:
    from datetime import timedelta

    # The UI role learns it from GET /api/v1/meta/ ("signup_open"); it reads no setting of its own.
    TASKMANAGER_ALLOW_SIGNUP = env.bool("TASKMANAGER_ALLOW_SIGNUP", default=True)

    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
    AUTHENTICATION_BACKENDS = ["taskmanager.accounts.backends.CaseInsensitiveUsernameBackend"]

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "taskmanager.api.authentication.BearerTokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_RENDERER_CLASSES": [
            "drf_orjson_renderer.renderers.ORJSONRenderer",
            "rest_framework.renderers.BrowsableAPIRenderer",
        ],
        "DEFAULT_PARSER_CLASSES": ["taskmanager.api.parsers.BoundedJSONParser"],
        "DEFAULT_CONTENT_NEGOTIATION_CLASS": "taskmanager.api.negotiation.RememberingContentNegotiation",
        "DEFAULT_PAGINATION_CLASS": "taskmanager.api.pagination.TaskPagination",
        "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
        "DEFAULT_SCHEMA_CLASS": "taskmanager.api.schema.ApiAutoSchema",
        "EXCEPTION_HANDLER": "taskmanager.api.errors.exception_handler",
        "DATETIME_FORMAT": "iso-8601",
        "UNAUTHENTICATED_USER": None,
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
    }
    # The API role answers JSON everywhere, the admin's CSRF refusals included.
    CSRF_FAILURE_VIEW = "taskmanager.api.errors.csrf_failure"

    REST_KNOX = {
        "AUTH_HEADER_PREFIX": "Bearer",
        "TOKEN_TTL": timedelta(hours=TASKMANAGER_TOKEN_TTL_HOURS),
        "AUTO_REFRESH": False,
    }
    SPECTACULAR_SETTINGS = {
        "TITLE": "taskmanager API",
        "DESCRIPTION": "Multi-user task manager. Authenticate with `Authorization: Bearer <token>`.",
        "VERSION": "1",
        "SERVE_INCLUDE_SCHEMA": False,
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
    }

# --- The job queue and email: the roles with the database --------------------------
if ROLE_PROFILE.has_database:
    # procrastinate finds each app's jobs in its `jobs` module (reminders/jobs.py).
    PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "jobs"
    # A worker whose heartbeat is older than this (seconds) counts as dead: its
    # jobs left in "doing" (a SIGKILL, a lost node) are put back in the queue.
    # Live workers beat four times within it.
    TASKMANAGER_WORKER_STALLED_AFTER = env.float("TASKMANAGER_WORKER_STALLED_AFTER", default=60.0)
    # After SIGTERM, the running job gets this long (seconds) to finish before it is abandoned.
    TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT = env.float("TASKMANAGER_WORKER_SHUTDOWN_TIMEOUT", default=20.0)
    # Seconds between looks for jobs whose time has come (new jobs are announced at once).
    TASKMANAGER_WORKER_POLL_INTERVAL = env.float("TASKMANAGER_WORKER_POLL_INTERVAL", default=5.0)
    # A failing job runs again up to this many times, the n-th retry after BASE**n seconds.
    TASKMANAGER_JOB_RETRIES = env.int("TASKMANAGER_JOB_RETRIES", default=5)
    TASKMANAGER_JOB_RETRY_BASE = env.int("TASKMANAGER_JOB_RETRY_BASE", default=4)

    # Unset, mails are printed (make run); e.g. smtp+tls://user:password@smtp.example.com:587
    # (EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD, EMAIL_USE_TLS/SSL;
    # what the URL leaves out keeps Django's default.)
    globals().update(
        {
            name: value
            # EMAIL_URL_FILE (a mounted Secret, as the production overlays give it) wins, as for the database.
            for name, value in env.email_url_config(
                _url_setting("EMAIL_URL", default="consolemail://")
            ).items()
            if value
        }
    )
    # Seconds an SMTP conversation may stall before the job fails (and is retried).
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
    DEFAULT_FROM_EMAIL = env.str("TASKMANAGER_EMAIL_FROM", default="taskmanager@localhost")
    SERVER_EMAIL = DEFAULT_FROM_EMAIL
    # The UI's public base URL: the links in emails point there.
    TASKMANAGER_UI_URL = env.str("TASKMANAGER_UI_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- The UI: the one role that is a client of the API ----------------------------
if not ROLE_PROFILE.has_database:
    TASKMANAGER_API_URL = env.str(
        "TASKMANAGER_API_URL", default="http://127.0.0.1:8001" if DEBUG else ""
    ).rstrip("/")
    if not TASKMANAGER_API_URL:
        raise ImproperlyConfigured(
            "TASKMANAGER_API_URL is not set; the UI role needs the API role's base URL "
            "(for example http://taskmanager-api:8000)."
        )
    TASKMANAGER_API_CONNECT_TIMEOUT = env.float("TASKMANAGER_API_CONNECT_TIMEOUT", default=1.0)
    TASKMANAGER_API_READ_TIMEOUT = env.float("TASKMANAGER_API_READ_TIMEOUT", default=5.0)
    # The circuit breaker in front of the API (ui/circuit_breaker.py): failures in a
    # row that open it, and how long it first stays open (doubling up to the maximum).
    TASKMANAGER_API_BREAKER_FAILURES = env.int("TASKMANAGER_API_BREAKER_FAILURES", default=5)
    TASKMANAGER_API_BREAKER_OPEN_SECONDS = env.float("TASKMANAGER_API_BREAKER_OPEN_SECONDS", default=1.0)
    TASKMANAGER_API_BREAKER_MAX_OPEN_SECONDS = env.float(
        "TASKMANAGER_API_BREAKER_MAX_OPEN_SECONDS", default=8.0
    )
    # Seconds each process keeps the API's server facts (GET /api/v1/meta/) before asking again.
    TASKMANAGER_META_TTL = env.float("TASKMANAGER_META_TTL", default=60.0)
    LOGIN_URL = "ui:login"
    CSRF_FAILURE_VIEW = "taskmanager.ui.views.errors.csrf_failure"

# --- Logging: one line per event on stdout, with the request id ------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
# text: readable lines for a terminal; json: one object per line for a log pipeline.
LOG_FORMAT = env.str("LOG_FORMAT", default="text").lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
if LOG_FORMAT == "json":
    # Python's warnings would go to stderr as raw text lines; as log records
    # (logger py.warnings) they become JSON lines like the rest.
    logging.captureWarnings(True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "taskmanager.config.request_id.RequestIdLogFilter"},
        "client_error": {"()": "taskmanager.config.log_filters.ClientErrorLogFilter"},
    },
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s role="
            + ROLE
            + " request_id=%(request_id)s %(message)s",
        },
        "json": {"()": "taskmanager.config.json_logs.JsonLineFormatter", "role": ROLE},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "line",
            "filters": ["request_id", "client_error"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # httpx logs every request at INFO; the API's access log already has them.
        "httpx": {"level": "WARNING"},
        # procrastinate says at every start that it registered the tasks.
        "procrastinate.blueprints": {"level": "WARNING"},
        # One line per request (config/access_log.py); ACCESS_LOG=false silences it.
        "taskmanager.access": {"level": "INFO" if env.bool("ACCESS_LOG", default=True) else "WARNING"},
    },
}
