"""The facts the app announces after a change, and the one listener that hears them.

Actions (gallery/actions/) and the clustering jobs (gallery/clustering/) store a change and
then tell `facts()` what happened. The live layer (gallery/live/broadcast.py) is the
listener: it registers itself when the app is created (`listen`) and sends each fact to the
rooms that see it. So nothing below the live layer imports it, and a process without
listeners (a tool) announces into the void.
"""

from __future__ import annotations

from typing import Any


class Facts:
    """Every fact there is, with what it carries. These bodies are the silent listener."""

    def note_posted(self, note: Any, wire: dict) -> None:
        """A new note was stored; `wire` is its wire shape (the poster's ack carries it)."""

    def note_updated(self, note: Any) -> None:
        """Its text was corrected, a +1 or a reply was added, or it was restored."""

    def note_hidden(self, note: Any) -> None:
        """The facilitator hid it."""

    def votes_changed(self, station: Any) -> None:
        """Dots were spent or taken back, or a note with dots was hidden or restored."""

    def phase_changed(self, workshop: Any) -> None:
        """The phase or the dots per station changed."""

    def rotation_changed(self, workshop: Any, state: dict) -> None:
        """A timer command, or a round ended by itself; `state` is the rotation now."""

    def clusters_changed(self, workshop_code: str, state: dict) -> None:
        """A station's clusters were placed, re-clustered or steered; `state` is the
        station's clusters as the wall shows them."""

    def station_changed(self, station: Any) -> None:
        """Its title, question, number or lock changed."""

    def station_removed(self, workshop: Any, token: str) -> None:
        """It was deleted (alone or with its workshop)."""

    def storage_trouble(self, code: str) -> None:
        """The database refused a write for a passing reason (`storage_full`,
        `storage_busy`); announced at most every few seconds."""

    def workshop_changed(self, workshop: Any) -> None:
        """Its title or language changed, or stations were added or reordered."""


_listener: Facts = Facts()


def listen(listener: Facts) -> None:
    global _listener
    _listener = listener


def facts() -> Facts:
    return _listener
