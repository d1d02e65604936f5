"""The phases of a gallery walk and what participants may do in each.

collect -> review -> vote -> results, switched by the facilitator. Participants write notes
while collecting; build on them (+1, replies) while collecting and reviewing; spend their
dots while voting; and read the results at the end. A station the facilitator locked takes
nothing at all. The facilitator's own actions (paper notes, moderation) are never gated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from .errors import RuleError

Phase = Literal["collect", "review", "vote", "results"]
Action = Literal["post", "reply", "plus_one", "vote"]

PHASES: tuple[Phase, ...] = ("collect", "review", "vote", "results")
MAX_DOTS = 20

ALLOWED: dict[str, frozenset[str]] = {
    "collect": frozenset({"post", "reply", "plus_one"}),
    "review": frozenset({"reply", "plus_one"}),
    "vote": frozenset({"vote"}),
    "results": frozenset(),
}

# The refusal for each action outside its phases (stable codes; the web app translates).
CLOSED: dict[str, str] = {
    "post": "notes_closed",
    "reply": "reactions_closed",
    "plus_one": "reactions_closed",
    "vote": "voting_closed",
}


class PhaseError(RuleError):
    """What the phase, the lock or the cap does not allow."""


def parse_phase(value: object) -> Phase:
    if value not in PHASES:
        raise PhaseError("invalid_phase")
    return value  # type: ignore[return-value]


def parse_dots(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DOTS:
        raise PhaseError("invalid_dots")
    return value


def dots_shown_to_participants(phase: str) -> bool:
    """Participants see the dots on notes only in the results: tallies seen while voting
    steer the vote (the wall, the facilitator's, shows them live)."""
    return phase == "results"


def check(phase: str, action: Action, *, locked: bool = False) -> None:
    """Raise PhaseError unless a participant may do `action` now."""
    if locked:
        raise PhaseError("station_locked")
    if action not in ALLOWED.get(phase, frozenset()):
        raise PhaseError(CLOSED[action])


def check_vote(spent: int, dots: int) -> None:
    """A participant has `dots` dots per station and has spent `spent` there."""
    if spent >= dots:
        raise PhaseError("no_dots_left")


def check_plus_one(author: str, participant: str) -> None:
    """A +1 is somebody else's agreement: a participant's own note says whose it is instead
    (an imported or paper note has no author and takes anyone's)."""
    if author and author == participant:
        raise PhaseError("own_note")


def is_full(cap: int, held: Callable[[], int], held_exactly: Callable[[], int]) -> bool:
    """Whether a station holding notes has reached its cap (0: no cap). Far from the cap a
    running count decides; near it, one exact count."""
    if not cap:
        return False
    return held() >= cap - max(20, cap // 10) and held_exactly() >= cap


def admit(
    phase: str,
    action: Action,
    *,
    locked: bool,
    resend: Callable[[], bool],
    cap: int = 0,
    held: Callable[[], int] = lambda: 0,
    held_exactly: Callable[[], int] = lambda: 0,
    full: str = "station_full",
) -> None:
    """Raise PhaseError unless a participant may add this note or reply now: the phase, the
    lock, the cap of the station (or, with `full="note_full"`, of a note's replies). A resend
    of one already stored is always admitted (its phone must hear "saved", whatever changed
    since). The counts and the resend are readers, so the common case (open, far from the
    cap) reads nothing more."""
    try:
        check(phase, action, locked=locked)
        if is_full(cap, held, held_exactly):
            raise PhaseError(full, limit=cap)
    except PhaseError:
        if resend():
            return
        raise
