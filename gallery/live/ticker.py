"""The round timer's tick: everyone hears when a round ends by itself."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from ..actions.walk import now, rotation_state
from ..store.models import Workshop
from .socket import socketio


class RotationTicker:
    """One sleeping task per running workshop and process; any later command or restart
    re-arms it (`follow`). Clients also ask with `get_rotation` when their countdown reaches
    zero, so a missed tick costs nothing."""

    def __init__(self, tell: Callable[[Workshop, dict], None]) -> None:
        self._tell = tell  # (workshop, its rotation state): sends it to everyone
        self._deadline: dict[str, float] = {}

    def follow(self, workshop: Workshop, state: dict) -> None:
        """`state`: the workshop's `rotation_state`, as the caller just read it."""
        if state["state"] != "running":
            self._deadline.pop(workshop.code, None)
            return
        deadline = state["server_time"] + state["remaining"]
        if abs(self._deadline.get(workshop.code, 0.0) - deadline) < 0.5:
            return  # already armed for this round
        self._deadline[workshop.code] = deadline

        app = current_app._get_current_object()
        socketio.start_background_task(self._wait, app, workshop.code, deadline)

    def _wait(self, app: Flask, code: str, deadline: float) -> None:
        socketio.sleep(max(0.0, deadline - now()) + 0.05)
        if self._deadline.get(code) != deadline:
            return  # re-armed or stopped meanwhile
        self._deadline.pop(code, None)
        try:
            with app.app_context():
                workshop = Workshop.get_or_none(Workshop.code == code)
                if workshop is not None:
                    self._tell(workshop, rotation_state(workshop))
        except Exception:  # the app shut down meanwhile (tests): nothing to tell
            app.logger.debug("rotation tick for %s skipped", code, exc_info=True)
