"""Limits on password work: failed logins, password hashing and sign-ups.

The one implementation behind the token endpoint, the admin login and
sign-up. Each limit is a count over a sliding time window (``WindowCount``),
kept in the default cache (``CACHE_URL``) and raised with the cache's atomic
increment: with a shared cache (Redis) every pod and worker adds to the same
count, and two racing requests cannot both read "one left" and both pass.

- Failed logins, per username and client (``TASKMANAGER_LOGIN_RATE``), so
  someone guessing from one client never locks the owner out on another; and
  per username from all clients together, far higher
  (``TASKMANAGER_LOGIN_USERNAME_RATE``), against guessing spread over many
  addresses. An attempt counts as a failure in advance and is taken back when
  the password turns out right, or when it was refused before any check.
- Password hashing, per client (``TASKMANAGER_PASSWORD_HASH_RATE``): every
  login checked and every account created costs one hash, whatever the name.
- Sign-ups, per client (``TASKMANAGER_SIGNUP_RATE``).
- Hashing at once, per process (``TASKMANAGER_PASSWORD_HASH_CONCURRENCY``):
  as many more may wait, each at most ``TASKMANAGER_PASSWORD_HASH_WAIT``
  seconds; anything beyond is answered "busy" at once. A flood can then
  neither queue up without bound nor take every thread and core from the
  requests that hash nothing.

When the cache cannot be reached (a Redis outage), the counts are skipped
with one warning line per attempt, and logins and sign-ups go on: the
per-process hashing cap, which needs no cache, still bounds the work. Refusing
every login while Redis is down would lock everyone out for an outage that
has nothing to do with them.
"""

import hashlib
import logging
import math
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis import RedisError

from taskmanager.accounts.usernames import username_count_key

RATE_SETTINGS = (
    "TASKMANAGER_LOGIN_RATE",
    "TASKMANAGER_LOGIN_USERNAME_RATE",
    "TASKMANAGER_PASSWORD_HASH_RATE",
    "TASKMANAGER_SIGNUP_RATE",
)
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What a cache backend raises when its server is down or unreachable.
CACHE_UNAVAILABLE_ERRORS = (RedisError, OSError)
logger = logging.getLogger(__name__)


class Limited(Exception):
    """Refused before any password was checked: too many recent attempts."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class HashingBusy(Exception):
    """Every password-hashing slot of this process stayed taken; worth trying again in a moment."""

    retry_after = 1


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def from_setting(cls, name: str) -> "Rate":
        """``10/min``, ``1000/hour``: a count per second, minute, hour or day (as DRF writes rates)."""
        text = str(getattr(settings, name))
        count, _slash, period = text.partition("/")
        seconds = _PERIODS.get(period.strip()[:1].lower())
        if not count.strip().isdigit() or int(count) < 1 or seconds is None:
            raise ImproperlyConfigured(
                f"{name} is {text!r}; write it as <count>/<period>, for example 10/min "
                "(period: s, min, hour or day; count at least 1)."
            )
        return cls(int(count), seconds)


class WindowCount:
    """How often something happened to one key lately, over a window that slides.

    Two fixed windows are kept: the current one's count plus the previous
    one's, weighted by how much of it the sliding window still covers. Unlike
    a plain fixed window, the count does not fall to zero when a window ends,
    so twice the limit cannot fit around a boundary.
    """

    def __init__(self, scope: str, key: str, rate: Rate, *, now: float | None = None):
        now = time.time() if now is None else now
        window, elapsed = divmod(now, rate.seconds)
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        prefix = f"limits:{scope}:{rate.seconds}:{digest}"
        self.rate = rate
        self.cache_key = f"{prefix}:{int(window)}"
        self._previous_key = f"{prefix}:{int(window) - 1}"
        self._elapsed = elapsed
        # Kept through the next window too, where it is the previous one.
        self._timeout = math.ceil(2 * rate.seconds - elapsed) + 1
        self._current = self._previous = 0

    def add(self) -> float:
        """Count one more; returns the sliding count including it (0 when the cache is down)."""
        try:
            cache.add(self.cache_key, 0, timeout=self._timeout)
            try:
                self._current = cache.incr(self.cache_key)
            except ValueError:  # expired between the two calls
                cache.add(self.cache_key, 1, timeout=self._timeout)
                self._current = 1
            self._previous = cache.get(self._previous_key, 0)
        except CACHE_UNAVAILABLE_ERRORS as error:
            logger.warning("limit not counted, the cache is unavailable: %s", error)
            self._current = self._previous = 0
            return 0
        return self._current + self._previous * (1 - self._elapsed / self.rate.seconds)

    def take_back(self) -> None:
        if not self._current:
            return  # nothing was counted
        with suppress(ValueError, *CACHE_UNAVAILABLE_ERRORS):  # the window ended, or the cache went away
            cache.decr(self.cache_key)

    @property
    def retry_after(self) -> int:
        """Seconds until one more would fit again, if nothing else is counted meanwhile."""
        period, room = self.rate.seconds, self.rate.count - 1
        others = self._current - 1  # what was counted before this attempt
        if others <= room:
            # This window has room; wait until enough of the previous one has slid out.
            needed = 1 - (room - others) / self._previous if self._previous else 0
            wait = needed * period - self._elapsed
        else:
            # This window is full itself: into the next one, until enough of it slides out.
            wait = period - self._elapsed + (1 - room / others) * period
        return max(1, math.ceil(wait))


class Reservation:
    """Counts taken for one attempt, to give back if it turns out not to count."""

    def __init__(self, counts: list[WindowCount]):
        self._counts = counts

    def release(self) -> None:
        for count in self._counts:
            count.take_back()
        self._counts = []


def reserve(*limits: tuple[WindowCount, str]) -> Reservation:
    """Count the attempt against each limit in turn; Limited at the first it would exceed."""
    taken: list[WindowCount] = []
    for count, message in limits:
        taken.append(count)
        if count.add() > count.rate.count:
            Reservation(taken).release()
            raise Limited(message, count.retry_after)
    return Reservation(taken)


def login_failure_reserve(*, username: str, client: str) -> Reservation:
    """Count a login attempt as a failure in advance; Limited if this one would be too many.

    Release the reservation when the password was right (or was never
    checked): only failures count, so a correct password keeps working.
    """
    name = username_count_key(username)
    return reserve(
        (
            WindowCount("login-failures", f"{name}\n{client}", Rate.from_setting("TASKMANAGER_LOGIN_RATE")),
            "Too many failed logins for this username from your address.",
        ),
        (
            WindowCount("login-failures-all", name, Rate.from_setting("TASKMANAGER_LOGIN_USERNAME_RATE")),
            "Too many failed logins for this username.",
        ),
    )


def signup_reserve(*, client: str) -> Reservation:
    """Count one account creation for ``client``; release it if the account was not created."""
    return reserve(
        (
            WindowCount("signups", client, Rate.from_setting("TASKMANAGER_SIGNUP_RATE")),
            "Too many sign-ups from your address.",
        ),
    )


@contextmanager
def password_hashing(*, client: str):
    """Around any work that hashes a password for ``client``: within its rate and a process slot."""
    reservation = reserve(
        (
            WindowCount("password-hashing", client, Rate.from_setting("TASKMANAGER_PASSWORD_HASH_RATE")),
            "Too many login or sign-up attempts from your address.",
        ),
    )
    try:
        slots = _take_slot()
    except HashingBusy:
        reservation.release()  # nothing was hashed
        raise
    try:
        yield
    finally:
        slots.give_back()


class _HashingSlots:
    """At most ``size`` hashes at once in this process, and at most ``size`` more requests waiting.

    Waiting requests hold server threads too; bounding them leaves the rest of
    the threads to requests that hash nothing, however many logins arrive.
    """

    def __init__(self, size: int):
        self.size = size
        self._hashing = threading.BoundedSemaphore(size)
        self._admitted = threading.BoundedSemaphore(2 * size)

    def take(self, wait: float) -> None:
        if not self._admitted.acquire(blocking=False):
            raise HashingBusy()
        if not self._hashing.acquire(timeout=wait):
            self._admitted.release()
            raise HashingBusy()

    def give_back(self) -> None:
        self._hashing.release()
        self._admitted.release()


_slots_lock = threading.Lock()
_slots: _HashingSlots | None = None


def _process_slots() -> _HashingSlots:
    global _slots
    size = settings.TASKMANAGER_PASSWORD_HASH_CONCURRENCY
    with _slots_lock:
        # Rebuilt only if the setting changed (tests change it); a request
        # holding a slot of the old one gives it back to that one.
        if _slots is None or size != _slots.size:
            if size < 1:
                raise ImproperlyConfigured(
                    f"TASKMANAGER_PASSWORD_HASH_CONCURRENCY is {size}; it must be at least 1."
                )
            _slots = _HashingSlots(size)
        return _slots


@contextmanager
def password_hashing_slot():
    """One of this process's hashing slots, or HashingBusy (at once if enough are already waiting)."""
    slots = _take_slot()
    try:
        yield
    finally:
        slots.give_back()


def _take_slot() -> _HashingSlots:
    slots = _process_slots()
    slots.take(wait=settings.TASKMANAGER_PASSWORD_HASH_WAIT)
    return slots


def check_configuration() -> None:
    for name in RATE_SETTINGS:
        Rate.from_setting(name)
    _process_slots()
