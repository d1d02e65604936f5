"""The facilitator's forms (a new workshop, its settings, a station): each field is read and
cleaned once, and every problem is kept under the id of the field it belongs to, so that the
page shows them all at once, each beside its field (templates/staff/_form.html)."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping

from flask_babel import gettext as _

from stations import steering
from stations.errors import RuleError
from stations.notes import clean_text

from ..config import is_zone
from ..errors import message


class Form:
    """A posted form and its errors: field id -> what is wrong there, in page order."""

    def __init__(self, data: Mapping) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def refuse(self, field: str, text: str) -> None:
        self.errors.setdefault(field, text)  # a field's first problem is the one to fix first

    def line(self, field: str, value: str | None, limit: int, what: str) -> str:
        """One line, cleaned as notes are (no control or bidi-override characters); a too long
        one is refused and given back as typed, for the page to show again."""
        text = " ".join(clean_text(value or "").split())
        if len(text) > limit:
            self.refuse(field, too_long(what, limit, len(text)))
        return text

    def prompt(self, field: str, value: str | None, limit: int, what: str) -> str:
        """A station's question: lines kept, each trimmed; too long is refused as `line`."""
        raw = clean_text((value or "").replace("\r", ""))
        text = "\n".join(line.strip() for line in raw.split("\n")).strip()
        if len(text) > limit:
            self.refuse(field, too_long(what, limit, len(text)))
        return text

    def topics(self, field: str, value: str | None, station: int | None = None) -> list[str]:
        """Expected topics typed one per line, cleaned as every other text; a problem names
        the `station` when the page has several rows of them."""
        try:
            return steering.parse_topics(clean_text((value or "").replace("\r", "")))
        except RuleError as error:
            problem = message(error.code, **error.params)
            if station is not None:
                problem = _("Station %(n)s: %(problem)s", n=station, problem=problem)
            self.refuse(field, problem)
            return []

    def zone(self, field: str, value: str) -> str:
        """A time zone's IANA name as the facilitator chose it ("Europe/Berlin"); "" for none
        (the server's)."""
        name = value.strip()
        if name and not (len(name) <= 64 and is_zone(name)):
            self.refuse(field, _("Unknown time zone: %(name)s. Please choose one from the list, "
                                 "e.g. Europe/Berlin.", name=name[:64]))  # fmt: skip
        return name


@functools.cache
def zone_names() -> list[str]:
    """The zones to choose from: the places' (Europe/Berlin), and UTC; no aliases kept for
    old systems (US/Eastern, Etc/GMT+1)."""
    names = (n for n in zoneinfo.available_timezones() if "/" in n and n.split("/")[0] in REGIONS)
    return sorted(names) + ["UTC"]


REGIONS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
           "Indian", "Pacific"}  # fmt: skip


def too_long(what: str, limit: int, length: int) -> str:
    return _("%(what)s is longer than %(limit)s characters (typed: %(length)s).",
             what=what, limit=limit, length=length)  # fmt: skip
