"""The HTTP server for both roles: granian, configured from the environment.

Used by the image's entry point, `make run`, the tests that start real role
processes and the benchmark, so all of them run the same server the same way.

Why granian: its HTTP layer (Rust, hyper) reads and parses requests on its
own event loop and hands a request to a Python thread only once the request
line and headers are complete. A client that trickles its headers costs a few
kilobytes of memory there, not one of the few Python threads, and is dropped
after SERVER_HEADER_TIMEOUT. gunicorn's threaded workers parse in the thread,
so eight such clients stopped a whole pod (docs/PERFORMANCE.md has the
comparison).

Metrics: granian forks its workers from this process, and this process
serves the pod's one Prometheus endpoint on METRICS_PORT (9100; 0 turns it
off) from the files every worker writes into PROMETHEUS_MULTIPROC_DIR
(taskmanager/metrics/exporter.py). The directory is emptied at start, so a
restarted container does not carry its previous counts; without the
variable a new temporary directory is made, and removed at exit.

    python deploy/serve.py [module:wsgi_callable]
"""

import atexit
import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path

DEFAULT_APP = "taskmanager.config.wsgi:application"
ROOT = Path(__file__).resolve().parents[1]


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def server_options() -> dict:
    """granian's options from this project's settings (README, configuration table)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    return {
        "address": os.environ.get("SERVER_BIND", "0.0.0.0"),  # noqa: S104 (a pod serves its IP)
        "port": _int("PORT", 8000),
        "interface": Interfaces.WSGI,
        "http": HTTPModes.http1,
        "workers": _int("SERVER_WORKERS", 2),
        # The Python threads per worker that run Django; requests wait for one
        # only after the server has read them completely.
        "blocking_threads": _int("SERVER_THREADS", 4),
        # granian retires a thread idle this long (its default 30 s; 5-600). A retired thread's
        # successor opens a new database connection and prepares its statements again: after a
        # quiet half minute the next burst paid that on every thread at once (docs/PERFORMANCE.md).
        "blocking_threads_idle_timeout": _int("SERVER_THREADS_IDLE_TIMEOUT", 600),
        "backlog": _int("SERVER_BACKLOG", 1024),
        "http1_settings": HTTP1Settings(
            header_read_timeout=_int("SERVER_HEADER_TIMEOUT", 10) * 1000,
            # Up to this size the application itself answers an over-long URL
            # or header block, in its own error shape (request_limits.py).
            max_buffer_size=_int("SERVER_MAX_HEAD_BYTES", 64 * 1024),
        ),
        # After SIGTERM, in-flight requests get this long before workers are killed.
        "workers_kill_timeout": _int("SERVER_GRACEFUL_TIMEOUT", 20),
        "respawn_failed_workers": True,
        "log_level": os.environ.get("LOG_LEVEL", "info").lower(),
        # The application writes the access log itself, with the request id
        # (taskmanager/config/access_log.py).
        "log_access": False,
        "log_dictconfig": _json_log_config() if os.environ.get("LOG_FORMAT", "").lower() == "json" else None,
        "working_dir": ROOT,
    }


def _json_log_config() -> dict:
    """granian's own lines ("Starting granian", worker restarts) in the application's JSON shape.

    granian merges this over its default configuration key by key, so only
    its two formatters are replaced; its handlers and loggers stay.
    """
    formatter = {
        "()": "taskmanager.config.json_logs.JsonLineFormatter",
        "role": os.environ.get("TASKMANAGER_ROLE"),
    }
    return {"formatters": {"generic": formatter, "access": formatter}}


def metrics_directory(serving: bool) -> str | None:
    """PROMETHEUS_MULTIPROC_DIR, created and emptied of metric files; set it first when absent.

    Must run before anything imports prometheus_client, which reads the
    variable once, at import, to choose multiprocess mode.
    """
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        # Only the metric files: the variable might name a directory shared with other things.
        for stale in directory.glob("*.db"):
            stale.unlink()
    elif serving:
        directory = Path(tempfile.mkdtemp(prefix="taskmanager-metrics-"))
        owner = os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    else:
        return None
    return str(directory)


def start_metrics_endpoint(port: int, address: str, directory: str) -> None:
    from taskmanager.metrics.exporter import serve

    try:
        serve(port, address, directory)
    except OSError as error:
        sys.exit(
            f"serve.py: cannot serve metrics on {address}:{port}: {error} (METRICS_PORT; 0 turns it off)"
        )


def load_before_fork(target: str) -> None:
    """Import the application, then move everything the import made out of the garbage collector's reach.

    A full collection walks every tracked object: measured in process on the
    10,000-task database, the API's 117,000 after its import and warm-up made
    each of those collections a 40-47 ms pause (5 in 1,500 lists of 100),
    during which every thread of the worker waits. Frozen before the fork,
    the imported objects are never walked again (full collections up to 8
    ms; served at 10,000 tasks, the open-loop p99 of the list of 100 at
    110/s went from 49-54 to 17-19 ms), and no collection writes to their
    headers, which would copy the memory pages the workers share with this
    process (the use Python documents for gc.freeze). They live as long as
    the process anyway.
    """
    module_name, _, attribute = target.partition(":")
    getattr(__import__(module_name, fromlist=[attribute]), attribute)
    import_url_patterns()
    gc.freeze()


def import_url_patterns() -> None:
    """Import the role's URLconf, and with it every view, serializer and renderer, if the app is Django's.

    Django imports ROOT_URLCONF at the first request, so without this each
    worker imported the API's views, DRF's generics and the schema's modules
    (over a hundred modules) after the fork, out of the freeze's reach: the
    served API's full collections, every few seconds per worker, walked
    15,400 objects for 5.6-20.6 ms (gc callbacks in a served worker, PATCH
    at 220/s). Imported here, 2,300 are left to walk after a warm-up (in
    process: a full collection 2.9-6.1 ms before, 0.3-0.5 ms after), and the
    workers share those modules' memory with this process.
    """
    from django.apps import apps

    if apps.ready:  # a Django application was set up by the import (not the raw benchmark floor)
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (the property imports the URLconf)


def main(argv: list[str]) -> None:
    target = argv[1] if len(argv) > 1 else DEFAULT_APP
    sys.path.insert(0, str(ROOT))
    from taskmanager.metrics import DEFAULT_PORT

    metrics_port = _int("METRICS_PORT", DEFAULT_PORT)
    directory = metrics_directory(serving=metrics_port != 0)
    # Import the application once here, before the workers fork: a bad
    # setting (an unknown role, no SECRET_KEY) stops the server with one
    # message instead of failing every worker, and the workers share the
    # imported code's memory.
    load_before_fork(target)

    options = server_options()
    if metrics_port:
        start_metrics_endpoint(metrics_port, options["address"], directory)

    from granian import Granian

    Granian(target, **options).serve()


if __name__ == "__main__":
    main(sys.argv)
