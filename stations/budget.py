"""Answers of bounded size: pick from a list what fits a budget of bytes.

A phone's join, a page of the station API and every `note_updated` are built from lists that
participants can make long (notes, replies). These pick what fits, so that no single answer
grows with the station: the rest is paged (a cursor) or counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def first_within(items: Sequence[T], budget: int, size: Callable[[T], int]) -> list[T]:
    """The items from the start while their sizes add up to at most `budget`; always the
    first one, so that every page moves on."""
    taken: list[T] = []
    used = 0
    for item in items:
        used += size(item)
        if taken and used > budget:
            break
        taken.append(item)
    return taken


def newest_within(items: Sequence[T], budget: int, size: Callable[[T], int]) -> list[T]:
    """The newest items of a list kept oldest first whose sizes add up to at most `budget`,
    still oldest first; always the newest one."""
    return first_within(items[::-1], budget, size)[::-1]
