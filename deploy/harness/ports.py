"""Ports for role processes: any free one, or one that stays free across a restart."""

import random
import socket
from pathlib import Path


def free_port() -> int:
    """A port free right now, from the kernel's ephemeral range."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        if port_is_free(port):
            return port
    raise RuntimeError("no free port below the ephemeral range")


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` on every interface (as the roles do by default).

    Asked the way the servers bind (granian sets SO_REUSEADDR): connections
    a stopped server left in TIME-WAIT do not keep its port from a new one,
    so they must not make the port look busy either; a listener still does.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))  # noqa: S104 (the server binds all interfaces too)
        except OSError:
            return False
        return True
