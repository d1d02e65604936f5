"""New notes to the phones at a station, coalesced: `notes_posted`, at most one per station
and server process every GALLERY_PHONE_BATCH seconds.

A room posting at once makes the fan-out O(phones x notes): 300 phones at four stations, a
note every 5 s each, are 60 notes a second, each sent to the 75 phones at its station, and
those sends are most of the event loop's work. The
wall gets every note at once (its own `note_posted`: it is what the room watches, and a few
clients). A participant reading the station's notes on a phone cannot tell now from a
quarter second later, so the first note after a quiet moment goes to the phones at once,
and notes arriving within PHONE_BATCH of that send wait and go out together: one message per
phone per batch.

Every other event of this process for the station's room sends its waiting notes first
(`flush`), so a phone never hears of a change to a note before the note itself. Across
processes (a Redis message queue) the order is not guaranteed, as for any two events sent by
two processes. Waiting notes live in this process's memory: they are stored and acked, and
the wall has them; should the process stop within the interval, phones see them in the
full state they get on their next (re)connect or reload.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

Send = Callable[[str, list[dict]], None]  # (station token, notes, oldest first)
SpawnLater = Callable[[float, Callable[[], None]], None]  # (delay, run)

log = logging.getLogger(__name__)

# A batch still waiting this long after it was due lost its timer (a task that could not
# start or died): the next note sends it.
LATE = 2.0


class PhoneFanout:
    def __init__(self, send: Send, spawn_later: SpawnLater, clock=time.monotonic) -> None:
        self._send = send
        self._spawn_later = spawn_later
        self._clock = clock
        self._waiting: dict[str, tuple[float, list[dict]]] = {}  # token -> (due, notes)
        self._sent_at: dict[str, float] = {}  # token -> clock() of the last send
        # Sends happen under the lock, so notes reach the room in the order they were added
        # (threading mode posts to one station in parallel; gevent's lock is cooperative).
        self._lock = threading.Lock()

    def add(self, token: str, note: dict, interval: float) -> None:
        with self._lock:
            now = self._clock()
            waiting = self._waiting.get(token)
            if waiting is not None:
                waiting[1].append(note)
                if now > waiting[0] + LATE:
                    self._send_waiting(token, now)
                return
            last = self._sent_at.get(token)
            due = now if last is None else last + interval
            if interval <= 0 or now >= due:
                self._sent_at[token] = now
                self._send(token, [note])
                return
            self._waiting[token] = (due, [note])
        try:
            self._spawn_later(due - now, lambda: self.flush(token))
        except Exception:  # no timer: send now rather than leave the notes waiting
            log.exception("could not schedule the phones' batch; sending it now")
            self.flush(token)

    def flush(self, token: str) -> None:
        """Send the station's waiting notes now (nothing when none wait)."""
        with self._lock:
            if token in self._waiting:
                self._send_waiting(token, self._clock())

    def discard(self, token: str) -> None:
        """The station is gone: forget it and its waiting notes."""
        with self._lock:
            self._waiting.pop(token, None)
            self._sent_at.pop(token, None)

    def _send_waiting(self, token: str, now: float) -> None:
        _due, notes = self._waiting.pop(token)
        self._sent_at[token] = now
        self._send(token, notes)
