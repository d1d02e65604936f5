"""The facilitator's steering of a station's groups: what each request means, as pure rules.

The web app loads the station, asks these functions what a request means, and stores the
answer; every refusal is a `SteeringError` with a stable code the web app translates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .clustering import GRANULARITY_RANGE  # the wall's "fewer / more groups"; 0: the engine's

MAX_LABEL = 60  # characters: a group label is read from the back of a room
NEW_CLUSTER = "new"  # the move target that makes a group of its own
NEW_LABEL_CHARS = 40  # a group made of one moved note is labelled with its text's start

T = TypeVar("T")


class SteeringError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_label(value: Any) -> str:
    """A facilitator's group label: one line, trimmed, at most MAX_LABEL characters."""
    label = " ".join(value.split()) if isinstance(value, str) else ""
    if not label:
        raise SteeringError("invalid_label")
    if len(label) > MAX_LABEL:
        raise SteeringError("label_too_long")
    return label


def fit_label(label: str) -> str:
    """An engine's or a note's label cut to what a group label may hold."""
    return label[:MAX_LABEL]


def parse_granularity(value: Any) -> int:
    """A number of steps towards fewer (-) or more (+) groups, clamped to the range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SteeringError("invalid_granularity")
    low, high = GRANULARITY_RANGE
    return int(max(low, min(high, round(value))))


def parse_merge(keys: Any) -> list[str]:
    """Groups to merge: at least two different ids, the first one the group that stays."""
    if not isinstance(keys, list) or len(keys) < 2 or len(set(map(str, keys))) != len(keys):
        raise SteeringError("invalid_clusters")
    return keys


def split_parts(notes: Sequence[T], parts: Sequence[Sequence[T]]) -> list[list[T]]:
    """The parts a split makes of a group's `notes`: the engine's `parts` when it tells at
    least two apart, else two halves (splitting into single notes helps no one)."""
    if len(notes) < 2:
        raise SteeringError("cannot_split")
    if len(parts) >= 2:
        return [list(p) for p in parts]
    half = len(notes) // 2
    return [list(notes[:half]), list(notes[half:])]
