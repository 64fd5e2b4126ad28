"""Settings of the Django floor: Django's request handling and database layer, nothing else.

No installed apps, no middleware, no DRF, no sessions or authentication,
no templates. The database is configured as the API role configures it
(taskmanager/config/settings.py: its backend, DATABASE_URL, a persistent
connection for DB_CONN_MAX_AGE seconds with health checks,
DB_CONNECT_TIMEOUT), so the connection handling the API pays per request is
paid here too.
"""

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.django_floor.views"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

DATABASES = {"default": env.db_url_config(env.str("DATABASE_URL"))}
# The API role's backend: Django's, with the health check that asks the server only when needed.
DATABASES["default"]["ENGINE"] = "taskmanager.config.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)  # the API role's default
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=3)

# Only the access log's one line per request, on stdout as the roles write it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"}
    },
    "root": {"handlers": ["stdout"], "level": "WARNING"},
    "loggers": {"taskmanager.access": {"level": "INFO"}},
}
