"""Honest answers when the database cannot take a write just now: a full disk or a lock held
by another process (a backup, an import, a second server on the same file).

Such a failure passes; a phone's note is safe in its outbox. So the sender gets a retryable
refusal (`storage_full` / `storage_busy` with `retry_after`; HTTP 503 with Retry-After) on
which the outbox waits and sends again, the facilitator's walls show a warning, and the log
says what to do: at most once every LOG_SECONDS, with how often it happened since.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import peewee
from flask import current_app

from .errors import error_body
from .facts import facts

RETRY_AFTER = {"storage_busy": 5, "storage_full": 30}
_SIGNS = {
    "storage_full": ("database or disk is full", "no space left on device", "disk full"),
    "storage_busy": ("database is locked", "database table is locked", "lock timeout",
                     "could not obtain lock", "deadlock detected"),
}  # fmt: skip
_ADVICE = {
    "storage_full": "the disk holding the database is full: free space there (notes wait "
    "on the phones and are sent again)",
    "storage_busy": "another process holds the database's write lock (a backup, an import, "
    "a second server on the same file?): stop it or wait",
}
LOG_SECONDS = 10.0
_lock = threading.Lock()
_last: dict[str, float] = {}
_since: dict[str, int] = {}


def classify(err: BaseException) -> str | None:
    """`storage_full`, `storage_busy`, or None for any other failure."""
    if not isinstance(err, peewee.DatabaseError | sqlite3.DatabaseError):
        return None
    text = str(err).lower()
    for code, signs in _SIGNS.items():
        if any(sign in text for sign in signs):
            return code
    return None


def report(code: str) -> dict:
    """Log (now and then) and announce the trouble; the refusal for the sender."""
    now = time.monotonic()
    with _lock:
        _since[code] = _since.get(code, 0) + 1
        due = now - _last.get(code, -LOG_SECONDS) >= LOG_SECONDS
        if due:
            _last[code], count, _since[code] = now, _since[code], 0
    if due:
        current_app.logger.error("%s (%s refused since the last message): %s",
                                 code, count, _ADVICE[code])  # fmt: skip
        facts().storage_trouble(code)
    body = error_body(code)
    body["error"]["retry_after"] = RETRY_AFTER[code]
    return body
