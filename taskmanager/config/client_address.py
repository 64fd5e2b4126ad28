"""Which client a request comes from, for the limits on password work.

Both roles use this module. Every browser login reaches the API from a UI
pod's address, so counting per connection would put all browser users in
one count. The UI therefore tells the API the end user's address in one
header, signed with a secret only the two roles share
(``TASKMANAGER_FORWARDING_SECRET``) and valid for a minute. The API believes
the header only with a valid, fresh signature; without one the client is the
connection's peer. Behind reverse proxies (``TRUSTED_PROXY_COUNT``), the peer
is read from the ``X-Forwarded-For`` entries those proxies appended.
"""

import hashlib
import hmac
import ipaddress
import re
import time

from django.conf import settings

CLIENT_ADDRESS_HEADER = "X-Taskmanager-Client"
CLIENT_ADDRESS_META = "HTTP_X_TASKMANAGER_CLIENT"
# Long enough for clock drift between pods; short enough that a header seen
# in transit or in a log is soon worth nothing elsewhere.
SIGNATURE_MAX_AGE_SECONDS = 60

_SIGNED = re.compile(r"(?P<address>[0-9A-Fa-f.:]{2,45});(?P<timestamp>[0-9]{1,12});(?P<mac>[0-9a-f]{64})")


def sign_client_address(address: str, *, secret: str, now: float | None = None) -> str:
    timestamp = str(int(time.time() if now is None else now))
    return f"{address};{timestamp};{_mac(secret, address, timestamp)}"


def verified_client_address(header: str, *, secret: str, now: float | None = None) -> str | None:
    """The address ``header`` vouches for, or None if it is not signed with ``secret`` or too old."""
    match = _SIGNED.fullmatch(header or "")
    if not secret or match is None:
        return None
    address, timestamp, mac = match["address"], match["timestamp"], match["mac"]
    if not hmac.compare_digest(mac, _mac(secret, address, timestamp)):
        return None
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return None
    return address if _parsed(address) is not None else None


def peer_address(request) -> str:
    """The address that connected to us, seen through ``TRUSTED_PROXY_COUNT`` reverse proxies."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        # Each trusted proxy appended the address it saw; anything further
        # left came from the client and proves nothing.
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= hops and _parsed(forwarded[-hops]) is not None:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def client_address(request) -> str:
    """The client that limits count against: the address the UI vouches for, else the peer.

    An IPv6 client counts as its /64 network: one host is usually given a
    whole /64 and could otherwise pick a new address for every attempt.
    """
    secret = settings.TASKMANAGER_FORWARDING_SECRET
    address = verified_client_address(request.META.get(CLIENT_ADDRESS_META, ""), secret=secret)
    address = address or peer_address(request)
    parsed = _parsed(address)
    if parsed is None:
        return address[:64] or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _mac(secret: str, address: str, timestamp: str) -> str:
    message = f"{address};{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _parsed(address: str):
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None
