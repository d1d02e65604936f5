"""The gallery-walk schedule: groups, stations, rounds, and the round timer.

Pure and clock-free: every function takes `now` (seconds, from whatever clock the caller
trusts: the server's, so that phones, walls and station displays agree and a reload or a
restart changes nothing). The web app stores a `Timer` and sends `snapshot()`s; clients
correct their own clock drift with the `server_time` it carries.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from typing import Literal

from .errors import RuleError

State = Literal["idle", "running", "paused", "finished"]
MAX_GROUPS = 26


class RotationError(RuleError):
    """A rotation setting or command out of range."""


def group_names(groups: int) -> list[str]:
    """ "A", "B", ... (read aloud and printed on name tags)."""
    if not 1 <= groups <= MAX_GROUPS:
        raise RotationError("invalid_groups", f"Between 1 and {MAX_GROUPS} groups.")
    return list(string.ascii_uppercase[:groups])


@dataclass(frozen=True, slots=True)
class Schedule:
    """`groups` groups walk `stations` stations, `minutes` per round. Group g starts at station
    g (modulo the number of stations) and moves one station on each round, so after
    `rounds` rounds every group has seen every station once (groups may share a station
    when there are more groups than stations)."""

    groups: int
    stations: int
    minutes: float

    def __post_init__(self) -> None:
        group_names(self.groups)
        if self.stations < 1:
            raise RotationError("no_stations", "The workshop has no stations.")
        if not 0.5 <= self.minutes <= 180:
            raise RotationError("invalid_minutes", "A round lasts 0.5 to 180 minutes.")

    @property
    def rounds(self) -> int:
        return self.stations

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0

    def station_of(self, group: int, round_: int) -> int:
        """0-based station index of group `group` (0-based) in round `round_` (0-based)."""
        return (group + round_) % self.stations

    def positions(self, round_: int) -> dict[str, int]:
        """Group name -> 0-based station index in that round."""
        return {name: self.station_of(g, round_) for g, name in enumerate(group_names(self.groups))}

    def groups_at(self, station: int, round_: int) -> list[str]:
        return [name for name, s in self.positions(round_).items() if s == station]


@dataclass(frozen=True, slots=True)
class Timer:
    """Where the walk stands. `elapsed` is the time spent in the current round before
    `since` (the moment it last started running); while paused, `since` is None."""

    state: State = "idle"
    round: int = 0
    elapsed: float = 0.0
    since: float | None = None

    def spent(self, now: float) -> float:
        """Seconds spent in the current round."""
        running = now - self.since if self.state == "running" and self.since is not None else 0.0
        return self.elapsed + max(0.0, running)

    def remaining(self, schedule: Schedule, now: float) -> float:
        if self.state in ("idle", "finished"):
            return schedule.seconds if self.state == "idle" else 0.0
        return max(0.0, schedule.seconds - self.spent(now))

    # --- the facilitator's commands ------------------------------------------------------

    def start(self, now: float) -> Timer:
        """Start the walk, or resume it after a pause."""
        if self.state == "running":
            return self
        if self.state == "finished":
            return Timer("running", 0, 0.0, now)
        return replace(self, state="running", since=now)

    def pause(self, now: float) -> Timer:
        if self.state != "running":
            return self
        return replace(self, state="paused", elapsed=self.spent(now), since=None)

    def next(self, schedule: Schedule, now: float) -> Timer:
        """On to the next round at once (also when time is not up), or finish after the last."""
        if self.state == "idle":
            return self.start(now)
        if self.round + 1 >= schedule.rounds:
            return Timer("finished", self.round, 0.0, None)
        running = self.state != "paused"
        return Timer(
            "running" if running else "paused", self.round + 1, 0.0, now if running else None
        )

    def stop(self) -> Timer:
        return Timer("finished", self.round, 0.0, None)

    def advance(self, schedule: Schedule, now: float) -> Timer:
        """The timer as it should be at `now`: rounds whose time ran out move on by
        themselves, each starting exactly when the previous one ended (no drift)."""
        timer = self
        while timer.state == "running" and timer.spent(now) >= schedule.seconds:
            ended = timer.since + (schedule.seconds - timer.elapsed)  # type: ignore[operator]
            if timer.round + 1 >= schedule.rounds:
                return Timer("finished", timer.round, 0.0, None)
            timer = Timer("running", timer.round + 1, 0.0, ended)
        return timer

    def snapshot(self, schedule: Schedule, now: float) -> dict:
        """The wire shape for phones, walls and station displays."""
        timer = self.advance(schedule, now)
        nxt = timer.round + 1 if timer.round + 1 < schedule.rounds else None
        return {
            "state": timer.state,
            "round": timer.round + 1,  # people count from 1
            "rounds": schedule.rounds,
            "minutes": schedule.minutes,
            "remaining": round(timer.remaining(schedule, now), 3),
            "server_time": now,
            "positions": schedule.positions(timer.round),
            "next_positions": schedule.positions(nxt) if nxt is not None else None,
        }


Progress = Literal["planned", "running", "paused", "stopped", "done"]


def progress(timer: Timer, schedule: Schedule, now: float) -> tuple[int, Progress]:
    """How far the walk came by `now`, for the results protocol: the rounds begun, and how it
    stands: "planned" (never started), "running", "paused", "stopped" (ended before its last
    round began: the facilitator stopped it) or "done". A stopped walk keeps the round it was
    in (`Timer.stop`), so "2 of 4 rounds" counts the round the stop cut short."""
    timer = timer.advance(schedule, now)
    if timer.state == "idle":
        return 0, "planned"
    begun = timer.round + 1
    if timer.state == "finished":
        return begun, "done" if begun >= schedule.rounds else "stopped"
    return begun, timer.state


TIMER_COMMANDS = ("start", "pause", "next", "stop")


def command(timer: Timer, action: str, schedule: Schedule, now: float) -> Timer:
    """The timer after the facilitator's `action` (one of TIMER_COMMANDS), brought up to
    `now` first (a round may have ended meanwhile)."""
    if action not in TIMER_COMMANDS:
        raise RotationError("invalid_action", f"One of {', '.join(TIMER_COMMANDS)}.")
    timer = timer.advance(schedule, now)
    if action == "start":
        return timer.start(now)
    if action == "pause":
        return timer.pause(now)
    if action == "next":
        return timer.next(schedule, now)
    return timer.stop()


# Phases in which nobody should be sent on to another station: the results are read where
# people stand (the phones stop saying "please go to station ...").
PAUSING_PHASES = frozenset({"results"})


def on_phase(timer: Timer, phase: str, schedule: Schedule, now: float) -> Timer:
    """The timer once the facilitator switched the workshop to `phase`: entering the results
    pauses a running walk, as the "pause" command would; every other timer (and phase) stays
    as it is. Leaving the results does not resume it: the facilitator starts it again."""
    if phase not in PAUSING_PHASES:
        return timer
    return command(timer, "pause", schedule, now)


def smallest_group(sizes: dict[int, int], groups: int) -> int:
    """The group a newcomer without a choice joins: the smallest, the first of equals."""
    counts = {g: sizes.get(g, 0) for g in range(groups)}
    return min(counts, key=lambda g: (counts[g], g))
