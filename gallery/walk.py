"""The walk itself: the workshop's phase, its dots, the rotation of groups and its timer.

The arithmetic lives in `stations.rotation` and `stations.phases`; this module stores the
state on the Workshop row and reads the clock. The server's clock owns the timer: a reload,
a reconnect or a restart changes nothing, and clients correct their drift with the
`server_time` in every snapshot.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from peewee import fn

from stations.phases import Action, PhaseError, check, parse_dots, parse_phase
from stations.rotation import MAX_GROUPS, RotationError, Schedule, Timer, group_names

from .db import write_transaction
from .models import Membership, Note, Workshop

ACTIONS = ("start", "pause", "next", "stop")


class Refused(ValueError):
    """A request the rules do not allow; `code` is a key of errors.MESSAGES."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def now() -> float:
    return time.time()


# --- phases ----------------------------------------------------------------------------------


def set_phase(workshop: Workshop, phase: Any) -> bool:
    """Switch the phase; False when it already was that phase."""
    try:
        phase = parse_phase(phase)
    except PhaseError as err:
        raise Refused(err.code) from None
    if workshop.phase == phase:
        return False
    with write_transaction():
        Workshop.update(phase=phase).where(Workshop.id == workshop.id).execute()
    workshop.phase = phase
    return True


def set_dots(workshop: Workshop, dots: Any) -> None:
    try:
        dots = parse_dots(dots)
    except PhaseError as err:
        raise Refused(err.code) from None
    with write_transaction():
        Workshop.update(dots=dots).where(Workshop.id == workshop.id).execute()
    workshop.dots = dots


def ensure_open(station, action: Action) -> None:
    """Refuse what a participant may not do at this station now (phase, lock)."""
    try:
        check(station.workshop.phase, action, locked=station.locked)
    except PhaseError as err:
        raise Refused(err.code) from None


def may_post(station, client_id: str) -> None:
    """Refuse a new note at a locked station or outside the collect phase. A resend of a
    note that is already stored is always answered (its phone must hear "saved")."""
    try:
        ensure_open(station, "post")
    except Refused:
        stored = Note.select().where((Note.station == station) & (Note.client_id == client_id))
        if not stored.exists():
            raise


# --- rotation --------------------------------------------------------------------------------


def _timer(data: dict) -> Timer:
    raw = data.get("timer") or {}
    try:
        return Timer(
            state=raw.get("state", "idle"),
            round=int(raw.get("round", 0)),
            elapsed=float(raw.get("elapsed", 0.0)),
            since=None if raw.get("since") is None else float(raw["since"]),
        )
    except (TypeError, ValueError):
        return Timer()


def _schedule(data: dict, stations: int) -> Schedule | None:
    groups = data.get("groups") or 0
    if groups < 1 or stations < 1:
        return None  # free walk: no groups, no timer
    return Schedule(groups=groups, stations=stations, minutes=float(data.get("minutes") or 10))


def rotation_state(workshop: Workshop, at: float | None = None) -> dict:
    """The `rotation_updated` payload: groups, where each group is now and next, the timer."""
    at = now() if at is None else at
    data = workshop.rotation_data
    stations = workshop.ordered_stations()
    schedule = _schedule(data, len(stations))
    state: dict[str, Any] = {
        "workshop": workshop.code,
        "mode": "free" if schedule is None else "groups",
        "groups": group_names(schedule.groups) if schedule else [],
        "minutes": float(data.get("minutes") or 10),
        "stations": [{"token": s.token, "number": s.number, "title": s.title} for s in stations],
        "server_time": at,
    }
    if schedule is None:
        state.update(state="idle", round=0, rounds=0, remaining=0, positions={},
                     next_positions=None)  # fmt: skip
    else:
        state.update(_timer(data).snapshot(schedule, at))
    return state


def rotation_command(workshop: Workshop, action: Any, groups: Any = None, minutes: Any = None):
    """start | pause | next | stop, optionally (re)setting the number of groups (0: free walk)
    and the minutes per round. Changing groups resets the walk to its first round."""
    if action not in ACTIONS:
        raise Refused("invalid_action")
    at = now()
    with write_transaction():
        fresh = Workshop.get_by_id(workshop.id)
        data = fresh.rotation_data
        if groups is not None:
            if isinstance(groups, bool) or not isinstance(groups, int):
                raise Refused("invalid_groups")
            if not 0 <= groups <= MAX_GROUPS:
                raise Refused("invalid_groups")
            if groups != data.get("groups"):
                data["timer"] = asdict(Timer())
            data["groups"] = groups
        if minutes is not None:
            if isinstance(minutes, bool) or not isinstance(minutes, int | float):
                raise Refused("invalid_minutes")
            data["minutes"] = float(minutes)
        count = len(fresh.ordered_stations())
        try:
            schedule = _schedule(data, count)
        except RotationError as err:
            raise Refused(err.code) from None
        if schedule is None:
            raise Refused("no_stations" if count == 0 else "free_walk")
        timer = _timer(data).advance(schedule, at)
        if action == "start":
            timer = timer.start(at)
        elif action == "pause":
            timer = timer.pause(at)
        elif action == "next":
            timer = timer.next(schedule, at)
        else:
            timer = timer.stop()
        data["timer"] = asdict(timer)
        _store_rotation(workshop, data)


def set_free_walk(workshop: Workshop) -> None:
    """No groups: everyone walks freely (the default)."""
    with write_transaction():
        data = Workshop.get_by_id(workshop.id).rotation_data
        data.update(groups=0, timer=asdict(Timer()))
        _store_rotation(workshop, data)


def _store_rotation(workshop: Workshop, data: dict) -> None:
    """Inside the caller's write transaction (which read `data` fresh)."""
    workshop.rotation = json.dumps(data)
    Workshop.update(rotation=workshop.rotation).where(Workshop.id == workshop.id).execute()


# --- groups ----------------------------------------------------------------------------------


def group_of(workshop: Workshop, participant: str) -> str | None:
    """The participant's group name, if the walk has groups and they have one."""
    count = workshop.rotation_data.get("groups") or 0
    if count < 1:
        return None
    row = Membership.get_or_none(
        (Membership.workshop == workshop) & (Membership.participant == participant)
    )
    if row is None or row.group >= count:
        return None
    return group_names(count)[row.group]


def join_group(workshop: Workshop, participant: str, name: Any = None) -> str:
    """Put the participant in group `name` ("B"), or, without a name, in the smallest group."""
    count = workshop.rotation_data.get("groups") or 0
    if count < 1:
        raise Refused("free_walk")
    names = group_names(count)
    with write_transaction():
        if name is None:
            sizes = dict.fromkeys(range(count), 0)
            rows = (
                Membership.select(Membership.group, fn.COUNT(Membership.id))
                .where((Membership.workshop == workshop) & (Membership.group < count))
                .group_by(Membership.group)
                .tuples()
            )
            sizes.update(dict(rows))
            index = min(sizes, key=lambda g: (sizes[g], g))
        elif isinstance(name, str) and name.upper() in names:
            index = names.index(name.upper())
        else:
            raise Refused("invalid_group")
        (
            Membership.insert(workshop=workshop, participant=participant, group=index)
            .on_conflict(
                conflict_target=[Membership.workshop, Membership.participant],
                update={Membership.group: index},
            )
            .execute()
        )
    return names[index]
