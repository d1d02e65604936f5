"""The address phones use to reach this server, for QR codes and printed URLs.

Order: GALLERY_PUBLIC_URL if set; else the host the request came in on, unless that is
loopback (the facilitator's own laptop), in which case the LAN address that `serve` found
when binding 0.0.0.0. A QR code must never say `localhost`: a phone would open itself.
"""

from __future__ import annotations

import ipaddress
import socket

from flask import current_app, has_request_context, request


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


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0].strip("[]") if host.count(":") <= 1 else host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def base_url() -> str:
    configured = current_app.config.get("PUBLIC_URL") or ""
    if configured:
        return configured.rstrip("/")
    lan = current_app.config.get("LAN_URL") or ""
    if has_request_context() and (not lan or not _is_loopback(request.host)):
        return request.host_url.rstrip("/")
    return lan.rstrip("/") if lan else "http://localhost:8000"


def absolute(path: str) -> str:
    return base_url() + path


def short(url: str) -> str:
    """The URL as people read it off a poster: no scheme."""
    return url.split("://", 1)[-1]
