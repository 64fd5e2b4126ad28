"""Stop calling an API that keeps failing, for a short and growing while.

When the API is down, every page would otherwise wait for its connect or
read timeout before showing the 503 page, and every UI thread would be stuck
in those waits. After ``failures`` failures in a row (timeouts, refused
connections, 5xx answers) the breaker *opens*: calls fail at once, without
touching the network, for ``open_seconds``. Then it lets one call through
(*half-open*): if it succeeds the breaker closes; if it fails, it opens again
for twice as long, up to ``max_open_seconds``. One breaker per process,
shared by its threads.
"""

import threading
import time
from collections.abc import Callable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)


class CircuitOpen(Exception):
    """The breaker is open: the call was not made."""

    def __init__(self, retry_in: float):
        super().__init__(f"the API failed repeatedly; calls resume in {retry_in:.1f} s")
        self.retry_in = retry_in


class CircuitBreaker:
    def __init__(
        self,
        *,
        failures: int,
        open_seconds: float,
        max_open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str], None] | None = None,
    ):
        self.failures_to_open = max(1, failures)
        self.base_open_seconds = open_seconds
        self.max_open_seconds = max(open_seconds, max_open_seconds)
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._open_seconds = open_seconds
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    def before_call(self) -> None:
        """Raises CircuitOpen when the call must not be made now."""
        with self._lock:
            if self._state == CLOSED:
                return
            waited = self._clock() - self._opened_at
            if self._state == OPEN and waited >= self._open_seconds:
                self._set(HALF_OPEN)
            if self._state == HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True  # this call is the probe
                return
            raise CircuitOpen(max(0.0, self._open_seconds - waited))

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._probe_in_flight = False
            self._open_seconds = self.base_open_seconds
            if self._state != CLOSED:
                self._set(CLOSED)

    def failed(self) -> None:
        with self._lock:
            if self._state == HALF_OPEN:
                self._probe_in_flight = False
                self._open_seconds = min(self._open_seconds * 2, self.max_open_seconds)
                self._open()
                return
            self._failures += 1
            if self._state == CLOSED and self._failures >= self.failures_to_open:
                self._open()

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._set(OPEN)

    def _set(self, state: str) -> None:
        self._state = state
        if self._on_change is not None:
            self._on_change(state)
