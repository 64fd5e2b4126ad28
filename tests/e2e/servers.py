"""The two roles as real server processes on free ports, stoppable and restartable."""

import random
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.processes import ROOT, SERVER_COMMAND


class RoleServer:
    """One role under the image's server (deploy/serve.py).

    ``stop`` and ``start`` keep the port, as a restarted pod keeps its Service.
    """

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.port = port_outside_ephemeral_range()
        self.env = {**env, "PORT": str(self.port)}
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_timeout: float = 60) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (the process writes to it while it runs)
        self.process = subprocess.Popen(
            list(SERVER_COMMAND),
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready(ready_timeout)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"{self.name} was not ready within {timeout} s:\n{self.log_text()[-3000:]}")


def port_outside_ephemeral_range() -> int:
    """A free port the kernel never hands out to outgoing connections.

    A stopped server gets its port back on restart; had the port come from
    the ephemeral range, any outgoing connection on the machine could take
    it in between and the restart would fail with "address in use".
    """
    low, _high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    candidates = list(range(20000, min(low, 32768)))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))  # noqa: S104 (the server binds all interfaces too)
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")
