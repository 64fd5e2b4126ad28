"""One role as a real process, started through the image's entry point on a port of its own."""

import contextlib
import signal
import subprocess
import time
from pathlib import Path

import httpx

from deploy.harness.commands import ROOT, start_entrypoint
from deploy.harness.ports import free_port

LOG_TAIL_CHARACTERS = 3000


class RoleProcess:
    """The role in ``env``'s TASKMANAGER_ROLE: `entrypoint.sh serve` (api, ui) or `entrypoint.sh worker`.

    ``start`` waits until ``ready_path`` answers (with ``ready_status``, or any
    status when that is None) and, for a server with a METRICS_PORT, until
    its metrics answer too. ``stop`` then ``start`` keeps the port, as a
    restarted pod keeps its Service. Without ``log_path`` the process writes
    to this process's own output. ``app_args`` go to the server after
    `serve` (another WSGI application, as `deploy/serve.py module:callable`);
    ``root`` is the source tree to run (by default this one).
    """

    def __init__(
        self,
        env: dict,
        *,
        port: int | None = None,
        log_path: Path | None = None,
        name: str | None = None,
        ready_path: str = "/healthz",
        ready_status: int | None = None,
        app_args: tuple[str, ...] = (),
        root: Path | None = None,
    ):
        self.role = env.get("TASKMANAGER_ROLE", "")
        self.name = name or self.role
        self.port = port or free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.command = ("worker",) if self.role == "worker" else ("serve", *app_args)
        self.log_path = log_path
        self.ready_path = ready_path
        self.ready_status = ready_status
        self.root = root or ROOT
        self.process: subprocess.Popen | None = None
        self._starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str | None:
        """The server's Prometheus endpoint, or None where it serves none (the worker, METRICS_PORT=0)."""
        metrics_port = self.env.get("METRICS_PORT", "0")
        if self.command[0] != "serve" or metrics_port == "0":
            return None
        return f"http://127.0.0.1:{metrics_port}/metrics"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, wait: bool = True, timeout: float = 60) -> "RoleProcess":
        # The first start begins a new log; a restart goes on in the same one.
        mode = "ab" if self._starts else "wb"
        self._starts += 1
        if self.log_path is None:
            self.process = start_entrypoint(*self.command, env=self.env, root=self.root)
        else:
            with open(self.log_path, mode) as log:
                self.process = start_entrypoint(
                    *self.command, env=self.env, root=self.root, stdout=log, stderr=subprocess.STDOUT
                )
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Until it answers; stopped, with its log's tail in the error, when it exits or times out."""
        answers = [(self.url + self.ready_path, self.ready_status)]
        if self.metrics_url is not None:
            answers.append((self.metrics_url, None))
        try:
            for url, status in answers:
                wait_until_answers(url, self.process, timeout, status=status)
        except (RuntimeError, TimeoutError) as error:
            self.stop()
            raise type(error)(f"{self.name}: {error}\n{self.log_text()[-LOG_TAIL_CHARACTERS:]}") from None

    def terminate(self) -> None:
        """SIGTERM, without waiting: a graceful stop of several processes at once."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then its exit status; killed when still running after ``timeout`` seconds."""
        if self.process is None:
            return None
        self.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.returncode

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self, *, timeout: float = 60) -> None:
        self.stop()
        self.start(timeout=timeout)

    def pids(self) -> list[int]:
        """The process and its children (the server's workers), for sampling CPU and memory."""
        if not self.running:
            return []
        return [self.process.pid, *children_of(self.process.pid)]

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> "RoleProcess":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def wait_until_answers(
    url: str, process: subprocess.Popen, timeout: float = 30, *, status: int | None = None
) -> None:
    """Until ``url`` answers (with ``status``, when given); RuntimeError when ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        with contextlib.suppress(httpx.TransportError):
            answer = httpx.get(url, timeout=2)
            if status is None or answer.status_code == status:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name may hold spaces; the parent pid is 2 fields after its ')'.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return sorted(children)
