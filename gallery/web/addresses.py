"""This machine's own names and addresses: what links and QR codes may name, and which
`Host` the server answers (hosts.py) when no allow-list is configured."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

REFRESH_SECONDS = 10.0
_lock = threading.Lock()
_own: tuple[frozenset[str], float] = (frozenset(), 0.0)


def host_name(host: str) -> str:
    """The name in a Host header or URL netloc: no port, no brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def lan_address() -> str | None:
    """This machine's address on the local network, or None.

    A UDP connect() only asks the kernel for a route: no packet is sent.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, never contacted
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if ipaddress.ip_address(address).is_loopback else address


def _addresses_of(name: str) -> set[str]:
    try:
        return {info[4][0] for info in socket.getaddrinfo(name, None)}
    except (OSError, UnicodeError):
        return set()


def _ipv6_address() -> str | None:
    """This machine's IPv6 address toward the internet (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.connect(("2001:db8::1", 9))  # documentation prefix: never contacted
            return probe.getsockname()[0]
    except OSError:
        return None


def _look_up_own() -> frozenset[str]:
    hostname = socket.gethostname().lower()
    names = {"localhost", "127.0.0.1", "::1", hostname, f"{hostname}.local"}
    names |= _addresses_of(hostname)
    names |= {a for a in (lan_address(), _ipv6_address()) if a}
    return frozenset(host_name(n.split("%", 1)[0]) for n in names)


def own_names(*, fresh: bool = False) -> frozenset[str]:
    """This machine's names and addresses (cached; `fresh`: looked up again unless that was
    done in the last REFRESH_SECONDS)."""
    global _own
    with _lock:
        names, at = _own
        if not names or (fresh and time.monotonic() - at > REFRESH_SECONDS):
            _own = (_look_up_own(), time.monotonic())
        return _own[0]


def is_own_address(name: str) -> bool:
    """An address of one of this machine's interfaces that phones can reach (not loopback)."""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return not address.is_loopback and name in own_names()
