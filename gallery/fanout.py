"""New notes to the phones at a station, coalesced: `notes_posted`, at most one per station
every GALLERY_PHONE_BATCH seconds.

A room posting at once makes the fan-out O(phones x notes): 300 phones at six stations, a
note every 5 s each, are 60 notes a second, each sent to the ~50 phones at its station, and
those sends are most of the event loop's work (bench/README.md, Latency). The wall gets every
note at once (its own `note_posted`: it is what the room watches, and a few clients). A
participant reading the station's notes on a phone cannot tell now from a quarter second
later, so the first note after a quiet moment goes to the phones at once, and notes arriving
within PHONE_BATCH of that send wait and go out together: one message per phone per batch.

Every other event for the station's room sends its waiting notes first (`flush`), so a phone
never hears of a change to a note before the note itself. Waiting notes live in this
process's memory only: they are stored and acked already, and a phone that misses a batch
(its process stopped) gets them in the full state it is sent on reconnecting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Send = Callable[[str, list[dict]], None]  # (station token, notes)


class PhoneFanout:
    def __init__(self, send: Send, spawn_later: Callable[[float, Callable[[], None]], None]):
        self._send = send
        self._spawn_later = spawn_later
        self._waiting: dict[str, list[dict]] = {}  # station token -> notes not sent yet
        self._sent_at: dict[str, float] = {}  # station token -> time.monotonic() of last send
        self._lock = threading.Lock()  # threading mode: posts to one station in parallel

    def add(self, token: str, note: dict, interval: float) -> None:
        now = time.monotonic()
        with self._lock:
            waiting = self._waiting.get(token)
            if waiting is not None:  # a send is due already: join it
                waiting.append(note)
                return
            due = self._sent_at.get(token, -interval) + interval
            if now < due:
                self._waiting[token] = [note]
            else:
                self._sent_at[token] = now
        if now < due:
            self._spawn_later(due - now, lambda: self.flush(token))
        else:
            self._send(token, [note])

    def flush(self, token: str) -> None:
        """Send the station's waiting notes now (nothing when none wait)."""
        with self._lock:
            notes = self._waiting.pop(token, None)
            if notes is None:
                return
            self._sent_at[token] = time.monotonic()
        self._send(token, notes)
