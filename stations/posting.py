"""How much one address may post: a budget that grows with the people behind it, not with ids.

A venue's phones reach the server through one router, so an address needs room for hundreds
of people; but a participant id is cheap to ask for, so the room must not grow with ids. The
address's budget therefore grows with its *established* participants (ids that existed before
they posted: a person opens the page or joins, then writes), and ids that post the moment they
are issued, as a script that throws its identity away after every note does, share one small
newcomer budget per address.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddressBudget:
    """Notes a minute for one address: `base`, plus `per_participant` for every established
    participant that posted there in the last minute or so; newcomers share `newcomers`."""

    base: int
    per_participant: int
    newcomers: int
    newcomer_seconds: float

    def established(self, age: float) -> bool:
        """An id this many seconds old posts as a person, not as a fresh id."""
        return age >= self.newcomer_seconds

    def per_minute(self, established: int) -> int:
        return self.base + self.per_participant * max(0, established)
