"""Who may do what: facilitator keys, the admin password (participants: gallery/identity.py).

A facilitator proves themselves once with the workshop key (from the facilitator link); the
signed session cookie then remembers which workshops this browser facilitates, so the key
does not have to stay in the address bar of a projected screen.
"""

from __future__ import annotations

import hmac

from flask import abort, current_app, request, session

from ..store.models import Station, Workshop

FACILITATED = "facilitated"


def workshop_or_404(code: str) -> Workshop:
    workshop = Workshop.get_or_none(Workshop.code == code.upper())
    if workshop is None:
        abort(404)
    return workshop


def station_or_404(token: str) -> Station:
    station = Station.by_token(token)
    if station is None:
        abort(404)
    return station


def offered_key() -> str | None:
    return (
        request.args.get("key")
        or request.form.get("key")
        or request.headers.get("X-Facilitator-Key")
    )


def remembered_key(workshop: Workshop) -> str | None:
    """The key this browser proved earlier, if it still matches (keys can be rotated)."""
    key = session.get(FACILITATED, {}).get(workshop.code)
    return key if workshop.check_key(key) else None


def remember_facilitator(workshop: Workshop, key: str) -> None:
    # The signed (not encrypted) cookie holds the key itself: the wall needs it for
    # `join_wall`, and whoever can read this browser's cookies already has the link.
    keys = {c: k for c, k in session.get(FACILITATED, {}).items() if c != workshop.code}
    session[FACILITATED] = dict([*list(keys.items())[-19:], (workshop.code, key)])
    session.permanent = True


def require_facilitator(workshop: Workshop) -> str:
    """The workshop key, from this request or remembered; abort 403 without a valid one."""
    key = offered_key()
    if key is not None:
        if not workshop.check_key(key):
            abort(403)
        remember_facilitator(workshop, key)
        return key
    key = remembered_key(workshop)
    if key is None:
        abort(403)
    return key


def admin_required() -> bool:
    return bool(current_app.config.get("ADMIN_PASSWORD"))


def is_admin() -> bool:
    return not admin_required() or session.get("admin") is True


def check_admin_password(password: str | None) -> bool:
    expected = current_app.config.get("ADMIN_PASSWORD") or ""
    return bool(expected) and hmac.compare_digest((password or "").encode(), expected.encode())
