"""The address phones use to reach this server, for QR codes and printed URLs.

Order: GALLERY_PUBLIC_URL if set; else the host the request came in on when that is one of
this machine's own (non-loopback) interface addresses or a name GALLERY_ALLOWED_HOSTS lists;
else the LAN address that `serve` found when binding 0.0.0.0. A QR code must never say
`localhost` (a phone would open itself), nor a name a request merely claimed.
"""

from __future__ import annotations

import ipaddress

from flask import current_app, has_request_context, request

from .addresses import host_name, is_own_address


def _links_may_name(host: str) -> bool:
    name = host_name(host)
    listed = {host_name(n) for n in current_app.config["ALLOWED_HOSTS"].split(",") if n.strip()}
    return is_own_address(name) or (name in listed and not _is_loopback(name))


def _is_loopback(name: str) -> bool:
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
    if has_request_context() and (not lan or _links_may_name(request.host)):
        return request.host_url.rstrip("/")
    return lan.rstrip("/") if lan else "http://localhost:8000"


def absolute(path: str) -> str:
    return base_url() + path


def short(url: str) -> str:
    """The URL as people read it off a poster: no scheme."""
    return url.split("://", 1)[-1]
