"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests that send email through a worker.

``smtp_server()`` yields a ``TestSmtpServer``: the EMAIL_URL to give the
process under test, the messages it accepted (parsed), and two ways to make
delivery go wrong: ``refuse`` answers every message with a permanent error,
and ``stall_first`` holds the first message after its data arrived, without
accepting it, until the test calls ``release()`` (the test can kill the
sender meanwhile). A held message is then refused, so it is never counted.
"""

import asyncio
import email
import email.policy
import threading
import time
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.processes import free_port

HOST = "127.0.0.1"


class TestSmtpServer:
    __test__ = False  # not a test class, whatever its name

    def __init__(self, *, refuse: bool = False, stall_first: bool = False):
        self.port = free_port()
        self.refuse = refuse
        self.stall_first = stall_first
        self.messages: list[EmailMessage] = []
        self.attempts = 0
        self.stalled = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def release(self) -> None:
        self._released.set()

    def wait_for_messages(self, count: int, timeout: float) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.1)
        raise TimeoutError(f"{len(self.messages)} of {count} messages arrived within {timeout} s")

    def wait_for_attempts(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.attempts < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.attempts} of {count} delivery attempts within {timeout} s")
            time.sleep(0.1)

    # aiosmtpd's handler hook, on the server's own event loop.
    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            first = self.attempts == 1
        if self.stall_first and first:
            self.stalled.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Held by the test, not delivered"
        if self.refuse:
            return "554 5.7.1 Refused by the test"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 2.0.0 Accepted"


@contextmanager
def smtp_server(**behaviour):
    server = TestSmtpServer(**behaviour)
    controller = Controller(server, hostname=HOST, port=server.port, ready_timeout=10)
    controller.start()
    try:
        yield server
    finally:
        server.release()
        controller.stop()


def message_parts(message: EmailMessage) -> dict[str, str]:
    """The text of each part of a message by its content type (text/plain, text/html)."""
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
