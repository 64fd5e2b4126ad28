"""gunicorn settings shared by the image, the local runner and the benchmark.

Threaded workers keep HTTP connections alive between requests (the UI's
pooled client relies on it) and let one process overlap database and API
waits. Every value can be overridden from the environment.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# In-flight requests get this long to finish after SIGTERM.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))
# The root filesystem is read-only in the cluster; heartbeat files go to /tmp.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/tmp")  # noqa: S108
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") == "1" else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django reads the role at import time, so a bad role fails the master, not every worker.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
wsgi_app = "taskmanager.config.wsgi:application"
# gunicorn 24+ opens a control socket under $HOME by default; nothing here uses
# it and the root filesystem is read-only, so it stays off.
control_socket_disable = True
