"""What can go wrong, app-wide: `Refused` (a rule said no), `ApiError` (an HTTP API answer),
and one translatable message per stable error code, which every refusal carries."""

from __future__ import annotations

import contextlib
from typing import Any

from flask_babel import lazy_gettext

from stations.errors import RuleError
from stations.notes import MAX_AUTHOR, MAX_TEXT, NoteError

# One translatable sentence per stable error code (the API sends both).
MESSAGES = {
    "invalid_payload": lazy_gettext("The request must be a JSON object."),
    "invalid_text": lazy_gettext("The note must be text."),
    "empty_note": lazy_gettext("Please write something first."),
    "invisible_note": lazy_gettext(
        "Your note has only invisible characters. Please write some text."
    ),
    "note_too_long": lazy_gettext(
        "Your note is too long: at most %(limit)s characters, it has %(length)s."
    ),
    "invalid_author": lazy_gettext("The name must be text."),
    "author_too_long": lazy_gettext("The name is too long: at most %(limit)s characters."),
    "invalid_client_id": lazy_gettext(
        "client_id must be 8-64 characters of letters, digits, '-' or '_'."
    ),
    "station_not_found": lazy_gettext("This station does not exist (any more)."),
    "workshop_not_found": lazy_gettext("There is no workshop with this code."),
    "forbidden": lazy_gettext("The facilitator key is missing or wrong."),
    "not_found": lazy_gettext("Not found."),
    "bad_request": lazy_gettext("The request could not be understood."),
    "payload_too_large": lazy_gettext("The request is too large."),
    "method_not_allowed": lazy_gettext("This method is not allowed here."),
    "csrf": lazy_gettext("The form has expired. Please reload the page and try again."),
    "cluster_not_found": lazy_gettext("This group does not exist (any more)."),
    "note_not_found": lazy_gettext("This note does not exist (any more)."),
    "reply_not_found": lazy_gettext("This reply does not exist (any more)."),
    "invalid_label": lazy_gettext("Please give the group a name."),
    "label_too_long": lazy_gettext("The group name is too long: at most 60 characters."),
    "invalid_clusters": lazy_gettext("Choose at least two different groups to merge."),
    "cannot_split": lazy_gettext("A group needs at least two notes to be split."),
    "invalid_granularity": lazy_gettext("The number of groups must be between -3 and 3."),
    "invalid_group_count": lazy_gettext(
        "The number of groups must be a whole number from 1 to %(max)s."
    ),
    "invalid_topics": lazy_gettext("Topics must be a list of names."),
    "topic_too_long": lazy_gettext("A topic may have at most %(max)s characters."),
    "too_many_topics": lazy_gettext("At most %(max)s topics per station."),
    "invalid_discard": lazy_gettext("Say with true or false whether to discard your changes."),
    "server_error": lazy_gettext("Something went wrong on the server. Please try again."),
    # the walk: phases, voting, rotation, moderation
    "notes_closed": lazy_gettext("This station is not taking new notes right now."),
    "station_locked": lazy_gettext("The facilitator has closed this station."),
    "reactions_closed": lazy_gettext("+1 and replies are closed right now."),
    "voting_closed": lazy_gettext("Voting is not open right now."),
    "no_dots_left": lazy_gettext("You have used all your dots at this station."),
    "own_note": lazy_gettext("This is your own note: +1 is for other people's notes."),
    "invalid_phase": lazy_gettext("Unknown phase."),
    "invalid_dots": lazy_gettext("Each person gets 1 to 20 dots."),
    "invalid_action": lazy_gettext("Unknown timer command."),
    "invalid_groups": lazy_gettext("Choose between 1 and 26 groups (0 for a free walk)."),
    "invalid_minutes": lazy_gettext("A round lasts 0.5 to 180 minutes."),
    "no_stations": lazy_gettext("The workshop has no stations yet."),
    "free_walk": lazy_gettext("This walk has no groups: set the number of groups first."),
    "invalid_group": lazy_gettext("There is no such group."),
    # abuse limits
    "rate_limited": lazy_gettext(
        "Too many requests in a short time. Please wait a moment and try again."
    ),
    "station_full": lazy_gettext("This station is full: it cannot take any more notes."),
    "storage_busy": lazy_gettext(
        "The server is busy for a moment. Your note is kept and sent again by itself."
    ),
    "storage_full": lazy_gettext(
        "The server cannot store anything right now (its disk is full). Your note is kept on "
        "this device and sent again by itself; please tell the facilitator."
    ),
    "note_full": lazy_gettext("This note cannot take any more replies (at most %(limit)s)."),
}
_PARAM_DEFAULTS = {"limit": MAX_TEXT, "length": MAX_TEXT + 1}


class Refused(ValueError):
    """A request the rules do not allow; `code` is a key of MESSAGES."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@contextlib.contextmanager
def refusing():
    """A refusal by the rules (`stations`) becomes the app's `Refused`, with its params."""
    try:
        yield
    except RuleError as err:
        raise Refused(err.code, **err.params) from None


class ApiError(Exception):
    def __init__(self, code: str, status: int = 400, **params) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params


def message(code: str, **params) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return code
    values = {**_PARAM_DEFAULTS, **params}
    if code == "author_too_long":
        values["limit"] = params.get("limit", MAX_AUTHOR)
    return str(template) % values


def error_body(code: str, **params) -> dict:
    return {"ok": False, "error": {"code": code, "message": message(code, **params)}}


def note_error_body(err: NoteError) -> dict:
    return error_body(err.code, **err.params)
