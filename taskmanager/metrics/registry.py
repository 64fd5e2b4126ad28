"""Every metric the application exports, registered in ``METRICS`` (and nowhere else).

Under deploy/serve.py each worker process writes its values to files in
PROMETHEUS_MULTIPROC_DIR and the exporter (exporter.py) adds them up for the
whole pod; anywhere else (tests, management commands) they stay in memory.
The registry itself is what tests and the dashboard test read the names from.

Label sets are small and bounded: ``route`` is a URL pattern or one of a few
fixed values (labels.py), ``method`` one of seven methods or "other",
``status`` an HTTP status code (or, for the UI's API calls, "timeout" or
"error"), ``state`` one of the circuit breaker's three states. The role and
the pod come from the scrape (the pod's labels), not from the application.
"""

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# A process other than the server (a management command) may inherit the
# variable before the server has made the directory; its values go there too.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

METRICS = CollectorRegistry(auto_describe=True)

# Seconds; from a cached page (a few ms) to the API's read timeout and beyond.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DATABASE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

# --- requests either role served (wsgi.py) --------------------------------------
HTTP_REQUESTS = Counter(
    "taskmanager_http_requests_total",
    "Requests answered, by route template, method and status code.",
    ("route", "method", "status"),
    registry=METRICS,
)
HTTP_REQUEST_DURATION = Histogram(
    "taskmanager_http_request_duration_seconds",
    "Time from a request reaching the application until its response started, by route template and method.",
    ("route", "method"),
    buckets=LATENCY_BUCKETS,
    registry=METRICS,
)
HTTP_REQUESTS_IN_PROGRESS = Gauge(
    "taskmanager_http_requests_in_progress",
    "Requests the application is working on now, in all worker processes together.",
    registry=METRICS,
    # Only processes that are alive count; a dead worker's share is dropped.
    multiprocess_mode="livesum",
)

# --- the API's database (database.py) -------------------------------------------
DB_QUERY_DURATION = Histogram(
    "taskmanager_http_request_db_duration_seconds",
    "Time one API request spent in database queries, all its queries together, by route template.",
    ("route",),
    buckets=DATABASE_BUCKETS,
    registry=METRICS,
)
DB_QUERIES = Counter(
    "taskmanager_db_queries_total",
    "Database queries the API ran while answering requests, by route template.",
    ("route",),
    registry=METRICS,
)

# --- the UI's calls to the API (api_calls.py) -----------------------------------
API_CALLS = Counter(
    "taskmanager_api_client_requests_total",
    "The UI's requests to the API, by the API's route template, method and outcome "
    "(the status code, or timeout, or error when no answer came).",
    ("route", "method", "status"),
    registry=METRICS,
)
API_CALL_DURATION = Histogram(
    "taskmanager_api_client_request_duration_seconds",
    "Time the UI waited for one request to the API, body included, by the API's route template and method.",
    ("route", "method"),
    buckets=LATENCY_BUCKETS,
    registry=METRICS,
)

API_CIRCUIT_STATE = Gauge(
    "taskmanager_api_client_circuit_state",
    "The UI's circuit breaker in front of the API: 1 for the state each worker's breaker is in "
    "(closed, open or half_open), 0 for the others; a pod's value is its live workers in that state.",
    ("state",),
    registry=METRICS,
    # One breaker per worker process: the pod shows how many are in each state.
    multiprocess_mode="livesum",
)

# --- the worker's jobs (jobs/measured.py) ---------------------------------------
# Seconds; from a no-op run (a reminder already sent) to an SMTP server at EMAIL_TIMEOUT and beyond.
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
JOBS = Counter(
    "taskmanager_jobs_total",
    "Job runs the worker finished, by task name and outcome: succeeded, or raised "
    "(procrastinate then retries it or, out of retries, marks it failed).",
    ("task", "outcome"),
    registry=METRICS,
)
JOB_DURATION = Histogram(
    "taskmanager_job_duration_seconds",
    "Time one run of a job took in the worker, by task name.",
    ("task",),
    buckets=JOB_BUCKETS,
    registry=METRICS,
)

# --- logins (accounts/services.py: the token endpoint and the admin login) -------
LOGIN_OUTCOMES = ("success", "failure", "throttled", "busy")
LOGINS = Counter(
    "taskmanager_logins_total",
    "Login attempts by outcome: success, failure (wrong credentials), throttled "
    "(too many recent attempts) or busy (no password-hashing slot free).",
    ("outcome",),
    registry=METRICS,
)


_SAMPLE_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


def sample_names_by_metric() -> dict[str, set[str]]:
    """Each metric's name, with the names of the samples it exports (what PromQL queries name)."""
    return {
        family.name: {family.name + suffix for suffix in _SAMPLE_SUFFIXES[family.type]}
        for family in METRICS.collect()
    }


def exported_sample_names() -> set[str]:
    return set().union(*sample_names_by_metric().values())
