"""The WSGI application of either role: Django behind the request limits, the metrics and the access log."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from taskmanager.config.access_log import AccessLog
from taskmanager.config.request_limits import RequestLimits
from taskmanager.metrics.wsgi import RequestMetrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskmanager.config.settings")

application = AccessLog(
    RequestMetrics(
        RequestLimits(get_wsgi_application(), max_body_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        static_prefix=settings.STATIC_URL,
    )
)
