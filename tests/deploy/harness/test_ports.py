"""deploy.harness.ports: busy while a server listens on the port, free while only TIME-WAIT is left."""

import socket
import time

from deploy.harness.ports import port_is_free, port_outside_ephemeral_range


def _listener(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", port))  # noqa: S104 (as the servers bind)
    sock.listen()
    return sock


def _time_wait_states(port: int) -> int:
    """Sockets on ``port`` in TIME-WAIT (state 06 in /proc/net/tcp), local side."""
    count = 0
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            _slot, local, _remote, state = line.split()[:4]
            if int(local.split(":")[1], 16) == port and state == "06":
                count += 1
    return count


def test_a_listening_port_is_busy():
    port = port_outside_ephemeral_range()
    with _listener(port):
        assert not port_is_free(port)
    assert port_is_free(port)


def test_a_port_whose_server_stopped_is_free_while_its_connections_are_in_time_wait():
    port = port_outside_ephemeral_range()
    listener = _listener(port)
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first, so its side waits in TIME-WAIT
    client.recv(1)
    client.close()
    listener.close()
    deadline = time.monotonic() + 5
    while not _time_wait_states(port) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _time_wait_states(port), "the server's side of the connection should be in TIME-WAIT"

    assert port_is_free(port)
    with _listener(port):  # and a server can indeed listen there now
        pass
