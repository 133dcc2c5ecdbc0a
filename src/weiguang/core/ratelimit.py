"""Fixed-window counters in the shared cache (public submissions), and the client's address.

`hits(key)` reads a counter, `record(key, window)` adds one. Keys are hashed, so any text
(a user name, an address) may be part of one. Failed logins are not counted here: the login
lockout (`core.lockout`, django-axes) keeps its counters in the database.

`client_address(request)` is the one place that decides who the client is. Behind a load
balancer REMOTE_ADDR is the balancer; its `X-Forwarded-For` is believed only when REMOTE_ADDR
is one of `settings.TRUSTED_PROXIES`, and then the right-most address that is not a trusted
proxy is the client (everything left of it may have been written by the client itself). An
IPv6 client is counted by its /64 network, the block one connection gets."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

IPV6_PREFIX = 64
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _key(scope: str, ident: str) -> str:
    return f"rl:{scope}:" + hashlib.blake2b(ident.encode(), digest_size=12).hexdigest()


def hits(scope: str, ident: str) -> int:
    return cache.get(_key(scope, ident)) or 0


def record(scope: str, ident: str, window: int) -> int:
    key = _key(scope, ident)
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def clear(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))


# --- who the client is ---------------------------------------------------------------------


@lru_cache(maxsize=16)
def parse_networks(spec: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """`("10.0.0.0/8", "192.0.2.7")` -> networks; raises ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


_WITH_PORT = re.compile(r"^\[(?P<v6>[0-9A-Fa-f:.]+)\](:\d+)?$|^(?P<v4>[0-9.]+):\d+$")


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it ("203.0.113.9", "203.0.113.9:4711", "[2001:db8::1]:80"),
    or None when it is not one."""
    text = (text or "").strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        match = _WITH_PORT.match(text)
        if not match:
            return None
        try:
            address = ipaddress.ip_address(match.group("v6") or match.group("v4"))
        except ValueError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, proxies: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in proxies)


def client_ip(request) -> str | None:
    """The client's address as text, or None when the request carries none."""
    address = parse_address(request.META.get("REMOTE_ADDR", ""))
    if address is None:
        return None
    proxies = parse_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if proxies and _trusted(address, proxies):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            if not _trusted(address, proxies):
                break  # the right-most address a trusted proxy did not write itself
            forwarded = parse_address(hop)
            if forwarded is None:
                break  # garbage in the header: keep the last address a trusted proxy vouched for
            address = forwarded
    if isinstance(address, ipaddress.IPv6Address) and not address.is_loopback:
        # one household or office gets a whole /64 and can pick any address in it: count the
        # network, or a client could try 2^64 addresses one after the other
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False).network_address)
    return str(address)


def client_address(request) -> str:
    """The client's address for rate limits and the login lockout ("unknown" when none)."""
    return client_ip(request) or "unknown"
