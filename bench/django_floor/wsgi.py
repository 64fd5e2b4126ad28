"""The Django floor's WSGI application, behind the same access-log layer as the roles."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_floor.settings")

from django.core.wsgi import get_wsgi_application

from taskmanager.config.access_log import AccessLog

application = AccessLog(get_wsgi_application())
