"""The pod's one metrics endpoint, served by the server's main process.

granian forks its worker processes from deploy/serve.py's process; each
worker writes its metric values to its own files in PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode), and this endpoint, in the main
process, adds up all of them on every scrape. So one scrape shows the whole
pod, whichever worker answered what, and a worker that granian restarts
leaves its counts in: counters never go back.

What a dead worker leaves must not count as live, though: before each
scrape, the files of live gauges (requests in progress) of processes that
are gone are removed (``mark_process_dead``).

Import this module only once PROMETHEUS_MULTIPROC_DIR is set: prometheus-client
chooses multiprocess mode when it is first imported.
"""

import logging
import os
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess, start_http_server

logger = logging.getLogger(__name__)
_LIVE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")


class PodCollector:
    """Every process's values in ``directory``; dead processes' live gauges dropped first."""

    def __init__(self, directory: str):
        self.directory = directory
        self._collector = multiprocess.MultiProcessCollector(None, path=directory)

    def collect(self):
        forget_dead_processes(self.directory)
        return self._collector.collect()


def forget_dead_processes(directory: str) -> list[int]:
    """Remove the live-gauge files of processes that have exited; returns their ids."""
    pids = {int(match.group(1)) for name in os.listdir(directory) if (match := _LIVE_FILE.fullmatch(name))}
    dead = sorted(pid for pid in pids if not _alive(pid))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    # An exited child not yet reaped by granian is no longer working either.
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def metrics_endpoint_start(port: int, address: str):
    """The endpoint of a process that is its own pod's only one (the worker): its values, on a daemon thread.

    With PROMETHEUS_MULTIPROC_DIR set (as in the pod) the values are in that
    directory's files, read as the servers' endpoint reads them; without it,
    in this process's memory.
    """
    from taskmanager.metrics.registry import METRICS  # importing it makes the directory

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return serve(port, address, directory) if directory else _serve_registry(port, address, METRICS)


def serve(port: int, address: str, directory: str):
    """Start the metrics endpoint on a daemon thread; returns the HTTP server."""
    registry = CollectorRegistry()
    registry.register(PodCollector(directory))
    return _serve_registry(port, address, registry)


def _serve_registry(port: int, address: str, registry):
    server, _thread = start_http_server(port, addr=address, registry=registry)
    logger.info("Serving metrics at http://%s:%s/metrics", address, port)
    return server
