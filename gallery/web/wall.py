"""The facilitator's projected wall (all stations side by side, or one full screen) and the
moderation page behind it."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from stations.notes import MAX_AUTHOR, MAX_TEXT

from ..actions import moderation
from ..actions.access import require_facilitator, station_or_404, workshop_or_404
from ..actions.notes import add_paper_note
from ..actions.state import wall_state
from ..errors import Refused, message
from ..store.models import Note, Reply, Station
from . import public_url
from .participant import workshop_url

bp = Blueprint("wall", __name__, url_prefix="/w/<code>")


def _strip_key():
    """A key in the address bar would be projected for the whole room to photograph."""
    if "key" in request.args:
        return redirect(request.path, code=303)
    return None


@bp.get("/wall")
def wall(code: str):
    g.workshop = workshop_or_404(code)
    key = require_facilitator(g.workshop)
    return _strip_key() or _wall_page(key, focus=None)


@bp.get("/wall/<token>")
def station_wall(code: str, token: str):
    g.workshop = workshop_or_404(code)
    key = require_facilitator(g.workshop)
    station = station_or_404(token)
    if station.workshop_id != g.workshop.id:
        abort(404)
    return _strip_key() or _wall_page(key, focus=station)


def _wall_page(key: str, focus: Station | None):
    """The room joins from the wall: the short address and a QR code of the station list.
    The page carries the wall's state as `join_wall` would answer it, so the wall is drawn
    before the socket is up (the join then only confirms it, or brings what changed)."""
    join_url = public_url.short(workshop_url(g.workshop))
    return render_template(
        "wall/wall.html",
        workshop=g.workshop,
        key=key,
        focus=focus,
        join_url=join_url,
        state=wall_state(g.workshop),
    )


# --- moderation: every note of the workshop, hidden ones too; plain forms, no JS needed -------


def _facilitated(code: str):
    g.workshop = workshop_or_404(code)
    require_facilitator(g.workshop)
    return g.workshop


def _back(workshop, anchor: str = ""):
    return redirect(url_for("wall.moderate", code=workshop.code) + anchor, code=303)


def _refused(workshop, err: Refused, anchor: str):
    """Back to the moderation page, saying why (the form's text is not kept)."""
    error = message(err.code, **err.params)
    return redirect(url_for("wall.moderate", code=workshop.code, error=error) + anchor, code=303)


def _note(workshop, note_id: int):
    try:
        return moderation.station_note(workshop, note_id)
    except Refused:
        abort(404)


@bp.get("/moderate")
def moderate(code: str):
    workshop = _facilitated(code)
    if "key" in request.args:
        return redirect(request.path, code=303)
    stations = workshop.ordered_stations()
    notes: dict[int, list[Note]] = {s.id: [] for s in stations}
    for note in (
        Note.select()
        .where(Note.station << list(notes))
        .order_by(Note.created_at.desc(), Note.id.desc())
    ):
        notes[note.station_id].append(note)
    replies: dict[int, list[Reply]] = {}
    for reply in (
        Reply.select()
        .join(Note)
        .where(Note.station << list(notes))
        .order_by(Reply.created_at, Reply.id)
    ):
        replies.setdefault(reply.note_id, []).append(reply)
    return render_template(
        "wall/moderate.html",
        workshop=workshop,
        stations=stations,
        notes=notes,
        replies=replies,
        # one per rendered form: a double click on "Add note" stores the card once
        paper_ids={s.id: "paper" + uuid.uuid4().hex for s in stations},
        error=request.args.get("error"),
        # after "hide everything from this person": how many, and the batch to undo
        undo=request.args.get("undo"),
        undone=request.args.get("undone", type=int),
        hidden_count=request.args.get("hidden", type=int),
        max_text=MAX_TEXT,
        max_author=MAX_AUTHOR,
    )


def _hidden_or_shown(workshop, item, hide, restore, anchor: str):
    """The hide/restore form of a note or a reply."""
    (hide if request.form.get("hidden") == "yes" else restore)(item)
    return _back(workshop, anchor)


def _corrected(workshop, item, edit, anchor: str):
    """The "correct text" form of a note or a reply."""
    try:
        edit(item, request.form.get("text"))
    except Refused as err:
        return _refused(workshop, err, anchor)
    return _back(workshop, anchor)


@bp.post("/notes/<int(max=2147483647):note_id>/hidden")
def set_hidden(code: str, note_id: int):
    workshop = _facilitated(code)
    note = _note(workshop, note_id)
    return _hidden_or_shown(workshop, note, moderation.hide, moderation.restore,
                            f"#mod-note-{note.id}")  # fmt: skip


@bp.post("/notes/<int(max=2147483647):note_id>/text")
def correct_text(code: str, note_id: int):
    workshop = _facilitated(code)
    note = _note(workshop, note_id)
    return _corrected(workshop, note, moderation.edit, f"#mod-note-{note.id}")


def _reply(workshop, reply_id: int) -> Reply:
    try:
        return moderation.workshop_reply(workshop, reply_id)
    except Refused:
        abort(404)


@bp.post("/replies/<int(max=2147483647):reply_id>/hidden")
def set_reply_hidden(code: str, reply_id: int):
    workshop = _facilitated(code)
    reply = _reply(workshop, reply_id)
    return _hidden_or_shown(workshop, reply, moderation.hide_reply, moderation.restore_reply,
                            f"#mod-reply-{reply.id}")  # fmt: skip


@bp.post("/replies/<int(max=2147483647):reply_id>/text")
def correct_reply(code: str, reply_id: int):
    workshop = _facilitated(code)
    reply = _reply(workshop, reply_id)
    return _corrected(workshop, reply, moderation.edit_reply, f"#mod-reply-{reply.id}")


@bp.post("/notes/<int(max=2147483647):note_id>/hide-author")
def hide_author(code: str, note_id: int):
    """Everything the note's author wrote in this workshop, hidden at once (undo offered)."""
    workshop = _facilitated(code)
    note = _note(workshop, note_id)
    try:
        batch, count = moderation.hide_participant(note)
    except Refused:
        abort(404)
    return redirect(url_for("wall.moderate", code=code, undo=batch, hidden=count), code=303)


@bp.post("/undo/<batch>")
def undo_hide(code: str, batch: str):
    workshop = _facilitated(code)
    count = moderation.undo_batch(workshop, batch)
    return redirect(url_for("wall.moderate", code=code, undone=count), code=303)


def _own_station(workshop, token: str) -> Station:
    station = Station.by_token(token)
    if station is None or station.workshop_id != workshop.id:
        abort(404)
    return station


@bp.post("/stations/<token>/locked")
def set_locked(code: str, token: str):
    workshop = _facilitated(code)
    station = _own_station(workshop, token)
    moderation.lock(station, request.form.get("locked") == "yes")
    return _back(workshop, f"#mod-station-{station.token}")


@bp.post("/stations/<token>/paper")
def paper_note(code: str, token: str):
    workshop = _facilitated(code)
    station = _own_station(workshop, token)
    payload = {"text": request.form.get("text"), "author": request.form.get("author") or None,
               "client_id": request.form.get("client_id")}  # fmt: skip
    try:
        add_paper_note(station, payload)
    except Refused as err:
        return _refused(workshop, err, f"#mod-station-{station.token}")
    return _back(workshop, f"#mod-station-{station.token}")
