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

from stations.phases import Action, check, parse_dots, parse_phase
from stations.rotation import (
    MAX_GROUPS,
    TIMER_COMMANDS,
    Schedule,
    Timer,
    command,
    group_names,
    on_phase,
    progress,
    smallest_group,
)

from ..errors import Refused, refusing
from ..facts import facts
from ..store.db import write_transaction
from ..store.models import Membership, Workshop


def now() -> float:
    return time.time()


# --- phases ----------------------------------------------------------------------------------


def change_phase(workshop: Workshop, phase: Any = None, dots: Any = None) -> bool:
    """The facilitator sets the phase and/or the dots per station (neither: the phase, which
    is then refused as invalid); everyone hears of it once. Entering the results pauses a
    running rotation (`stations.rotation.on_phase`), and everyone hears that too, as after
    a pause. False when nothing changed."""
    changed = rotation_moved = False
    if dots is not None:
        _set_dots(workshop, dots)
        changed = True
    if (phase is not None or not changed) and _set_phase(workshop, phase):
        changed = True
        rotation_moved = _rotation_follows_phase(workshop)
    if changed:
        facts().phase_changed(workshop)
    if rotation_moved:
        facts().rotation_changed(workshop, rotation_state(workshop))
    return changed


def _set_phase(workshop: Workshop, phase: Any) -> bool:
    """Switch the phase; False when it already was that phase."""
    with refusing():
        phase = parse_phase(phase)
    return workshop.set(phase=phase)


def _rotation_follows_phase(workshop: Workshop) -> bool:
    """Store the timer as the new phase wants it; True when that changed it."""
    at = now()
    with write_transaction():
        data = Workshop.get_by_id(workshop.id).rotation_data
        schedule = _schedule(data, len(workshop.ordered_stations()))
        if schedule is None:
            return False  # a free walk has no timer
        timer = _timer(data)
        after = on_phase(timer, workshop.phase, schedule, at)
        if after == timer:
            return False
        data["timer"] = asdict(after)
        _store_rotation(workshop, data)
    return True


def _set_dots(workshop: Workshop, dots: Any) -> None:
    with refusing():
        dots = parse_dots(dots)
    workshop.set(dots=dots)


def ensure_open(station, action: Action) -> None:
    """Refuse what a participant may not do at this station now (phase, lock)."""
    with refusing():
        check(station.workshop.phase, action, locked=station.locked)


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


def rotation_record(workshop: Workshop) -> dict | None:
    """What the results protocol says of the rotation (None: a free walk): groups, minutes a
    round, the rounds planned and begun, and how it stands (`stations.rotation.progress`)."""
    data = workshop.rotation_data
    schedule = _schedule(data, len(workshop.ordered_stations()))
    if schedule is None:
        return None
    begun, state = progress(_timer(data), schedule, now())
    return {"groups": schedule.groups, "minutes": schedule.minutes, "rounds": schedule.rounds,
            "begun": begun, "state": state}  # fmt: skip


def steer_rotation(
    workshop: Workshop, action: Any, groups: Any = None, minutes: Any = None
) -> dict:
    """The facilitator's timer command (`groups: 0` is a free walk); everyone in the workshop
    hears the new state, which is returned."""
    if groups == 0:
        _set_free_walk(workshop)
    else:
        rotation_command(workshop, action, groups, minutes)
    state = rotation_state(workshop)
    facts().rotation_changed(workshop, state)
    return state


def rotation_command(workshop: Workshop, action: Any, groups: Any = None, minutes: Any = None):
    """start | pause | next | stop, optionally (re)setting the number of groups and the
    minutes per round. Changing groups resets the walk to its first round."""
    if action not in TIMER_COMMANDS:
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
        with refusing():
            schedule = _schedule(data, count)
        if schedule is None:
            raise Refused("no_stations" if count == 0 else "free_walk")
        data["timer"] = asdict(command(_timer(data), action, schedule, at))
        _store_rotation(workshop, data)


def _set_free_walk(workshop: Workshop) -> None:
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
            rows = (
                Membership.select(Membership.group, fn.COUNT(Membership.id))
                .where((Membership.workshop == workshop) & (Membership.group < count))
                .group_by(Membership.group)
                .tuples()
            )
            index = smallest_group(dict(rows), count)
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
