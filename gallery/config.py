"""Settings: defaults here, each overridable by a GALLERY_<KEY> environment variable.

The README's settings table lists the same keys; `test_config` in `create_app` wins over both.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

VERSION = "0.1.0"

DEFAULTS: dict[str, Any] = {
    # A path to an SQLite file, or a URL (sqlite:///..., postgresql://user@host/db).
    # Empty: gallery.db in the instance folder.
    "DATABASE": "",
    # Base URL the QR codes point to, e.g. http://192.168.1.20:8000. Empty: derived.
    "PUBLIC_URL": "",
    # When set, creating workshops needs this password.
    "ADMIN_PASSWORD": "",
    # Flask session signing key. Empty: generated once and kept in the instance folder.
    "SECRET_KEY": "",
    # gevent for serving (one OS thread, thousands of sockets); threading for tests.
    "ASYNC_MODE": "gevent",
    # redis://host:6379/0 when several processes serve one workshop.
    "MESSAGE_QUEUE": "",
    # Host names this server answers (comma separated; "*": any). Empty: this machine's own
    # names and addresses, plus the hosts of PUBLIC_URL and LAN_URL. Other Hosts get 400.
    "ALLOWED_HOSTS": "",
    # Extra origins allowed to open Socket.IO connections (comma separated), besides pages
    # served under the allowed host names.
    "CORS_ORIGINS": "",
    # Instance folder (database, secret key). Empty: ./instance
    "INSTANCE_PATH": "",
    # Send Secure cookies (set when serving behind https).
    "SECURE_COOKIES": False,
    # The time zone, an IANA name such as Europe/Berlin, of workshops that have none of their
    # own (a workshop made in /new keeps its facilitator's browser's; the settings change it):
    # the printed report and the exports show times in it (JSON keeps UTC). Empty: this
    # server's own zone, but Europe/Berlin for a German workshop when that zone is UTC.
    "TIMEZONE": "",
    # Days after its last note (or its creation) that `gallery purge` deletes a workshop.
    # 0: keep everything.
    "RETENTION_DAYS": 0,
    # Seconds of quiet before a station is re-clustered in full, and the longest wait while
    # notes keep coming. 0: re-cluster at once, inline (tests).
    "CLUSTER_DELAY": 1.5,
    "CLUSTER_MAX_WAIT": 8.0,
    # New notes are placed into clusters in bursts: this long after the first of a burst,
    # and, while a room keeps posting, at most once per PLACE_MIN_INTERVAL per station (each
    # placement reads the whole station, in the clustering worker beside the event loop).
    "PLACE_DELAY": 0.15,
    "PLACE_MAX_WAIT": 0.5,
    "PLACE_MIN_INTERVAL": 1.0,
    # New notes reach a station's phones at most this often, together (gallery/live/fanout.py);
    # the wall gets each at once. 0: every note at once (tests).
    "PHONE_BATCH": 0.25,
    # Set by `gallery serve` when it binds 0.0.0.0: http://<this machine's LAN address>:<port>.
    "LAN_URL": "",
    # Abuse limits (gallery/limits.py, docs/protocol.md "Limits"). false: no rate limits at all
    # (tests, benchmarks); the station cap and the message size still apply.
    "RATE_LIMITS": True,
    # Where rate-limit counters live: memory://, or redis://... shared by several processes.
    # Empty: MESSAGE_QUEUE when that is redis://, else memory://.
    "RATELIMIT_STORAGE": "",
    # Notes (and replies) one participant may post, over HTTP and Socket.IO together.
    "POST_LIMIT_PARTICIPANT": "30/minute;300/hour",
    # Notes from one IP address a minute (stations/posting.py): POST_LIMIT_IP_BASE, plus
    # POST_LIMIT_IP_PER_PARTICIPANT for each established participant posting from it (a
    # venue's phones), never more than POST_LIMIT_IP (about what the server can take).
    "POST_LIMIT_IP_BASE": 30,
    "POST_LIMIT_IP_PER_PARTICIPANT": 20,
    "POST_LIMIT_IP": "6000/minute",
    # An id that posts less than NEWCOMER_SECONDS after it was issued (a person opens the
    # page, then writes; a script that takes a new identity for every note does not wait) is
    # a newcomer: an address's newcomers share NEWCOMER_POST_LIMIT_IP notes a minute.
    "NEWCOMER_SECONDS": 1.0,
    "NEWCOMER_POST_LIMIT_IP": 30,
    # Workshop codes that do not exist, asked for from one IP address (/j/<code>, /join): a
    # venue's typos stay far below it; walking the codes takes months instead of hours.
    "LOOKUP_MISS_LIMIT_IP": "60/minute",
    # New participant ids issued to one IP address (a phone gets one on its first visit and
    # keeps it): a venue's router passes, a script that drops its cookie after every note
    # does not (gallery/identity.py).
    "NEW_PARTICIPANT_LIMIT_IP": "500/hour",
    # Workshops created from one IP address.
    "CREATE_LIMIT_IP": "20/hour",
    # Socket.IO events of any kind per connection: a bucket of this many, refilled per second.
    "SOCKET_EVENT_BURST": 60,
    "SOCKET_EVENT_RATE": 5.0,
    # ...and every this many bytes of an answer count as one more event (0: bytes are free).
    "SOCKET_EVENT_BYTES": 16 * 1024,
    # Visible notes a station takes at most (hidden ones do not count; a resend of a stored
    # note is still answered). 0: no cap.
    "MAX_NOTES_PER_STATION": 2000,
    # Visible replies one note takes at most (a resend is still answered). 0: no cap.
    "MAX_REPLIES_PER_NOTE": 50,
    # Largest HTTP request body and Socket.IO message, in bytes.
    "MAX_MESSAGE_BYTES": 64 * 1024,
    # Reverse proxies in front of the server that set X-Forwarded-For (nginx: 1). Each venue's
    # address is then the one the limits see; 0 trusts no header.
    "TRUSTED_PROXIES": 0,
}


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None):
    """Defaults, then GALLERY_* from the environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        env_value = environ.get(f"GALLERY_{key}")
        if env_value is not None:
            settings[key] = _coerce(env_value, default)
    if overrides:
        settings.update(overrides)
    return settings


def _local_zone_name() -> str:
    """This machine's IANA zone name (TZ, the /etc/localtime link, /etc/timezone), else UTC:
    a fixed offset such as datetime.astimezone() gives would be wrong half the year."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    link = Path("/etc/localtime")
    if link.is_symlink():
        target = str(link.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    for name in candidates:
        if name and is_zone(name):
            return name
    return "UTC"


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return False
    return True


# What a machine whose zone nobody set reports: the clock of no venue.
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu",
                       "Etc/Zulu", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "Greenwich",
                       "Etc/Greenwich"})  # fmt: skip
GERMAN_ZONE = "Europe/Berlin"  # Germany, Austria and Switzerland keep the same clock


def place_zone(name: object) -> str:
    """`name` when it is a zone a place keeps (a browser's or a facilitator's choice), else ""
    (none given, unknown here, or UTC: a machine whose zone was never set)."""
    if not isinstance(name, str) or len(name) > 64:
        return ""
    name = name.strip()
    return name if name and name not in UTC_NAMES and is_zone(name) else ""


def workshop_zone(own: str, language: str, setting: str, server: str) -> str:
    """The zone a workshop's times are shown in: its own; else GALLERY_TIMEZONE (`setting`);
    else this server's zone (`server`), but Europe/Berlin for a German workshop when the
    server keeps UTC (a report an hour off for a German room; a server's clock is set so)."""
    if own and is_zone(own):
        return own
    if setting.strip() or language != "de" or server not in UTC_NAMES:
        return server
    return GERMAN_ZONE


def timezone(setting: str) -> str:
    """The zone name the exports use: `setting`, or this server's zone when it is empty.
    An unknown name stops the start (a report in the wrong hours is worse than none)."""
    name = setting.strip()
    if not name:
        return _local_zone_name()
    if not is_zone(name):
        raise ValueError(f"GALLERY_TIMEZONE: unknown time zone {name!r} (e.g. Europe/Berlin)")
    return name
