"""The phone pages (join, station) and the participant HTTP API."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request, url_for

from stations.notes import MAX_AUTHOR, MAX_TEXT, NoteError, parse_note

from . import limits, public_url, qr, reactions, realtime, results, walk
from .access import participant_id, station_or_404, workshop_or_404
from .errors import ApiError, message
from .models import Note, Station, Workshop

bp = Blueprint("participant", __name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")


def station_url(station: Station) -> str:
    return public_url.absolute(url_for("participant.station", token=station.token))


def _submit(station: Station, payload) -> tuple[Note, bool]:
    """Parse, check the phase, store once, broadcast if new: the form and the JSON API."""
    note_in = parse_note(payload)
    walk.may_post(station, note_in.client_id)
    limits.check_station_room(station, note_in.client_id)
    note, created = Note.store(station, note_in, participant_id())
    realtime.note_stored(note, created)
    return note, created


# --- pages -----------------------------------------------------------------------------


@bp.get("/")
def home():
    return render_template("participant/home.html", error=None)


@bp.post("/join")
def join():
    """A code typed by hand: "KX7PQ" lists the stations, "KX7PQ-3" opens station 3."""
    raw = (request.form.get("code") or "").strip().upper().replace(" ", "")
    code, _, number = raw.partition("-")
    workshop = Workshop.get_or_none(Workshop.code == code) if code else None
    if workshop is None:
        page = render_template("participant/home.html", error=message("workshop_not_found"))
        return page, 404
    if number.isdigit():
        station = workshop.stations.where(Station.position == int(number) - 1).first()
        if station is not None:
            return redirect(url_for("participant.station", token=station.token))
    return redirect(url_for("participant.workshop", code=workshop.code))


@bp.get("/j/<code>")
def workshop(code: str):
    g.workshop = workshop_or_404(code)
    return render_template("participant/workshop.html", workshop=g.workshop)


def _render_station(
    station: Station,
    *,
    error: str | None = None,
    text: str = "",
    author: str = "",
    status: int = 200,
):
    g.workshop = station.workshop
    pid = participant_id()
    phase = station.workshop.phase
    notes = list(station.visible_notes().limit(300))
    closed = None
    try:
        walk.ensure_open(station, "post")
    except walk.Refused as err:
        closed = message(err.code)
    page = render_template(
        "participant/station.html",
        station=station,
        phase=phase,
        closed=closed,
        notes=notes,
        extras=reactions.note_extras([n.id for n in notes], stations=[station.id]),
        results=results.station_results(station, pid) if phase == "results" else None,
        me=reactions.my_state(station, pid),
        error=error,
        text=text,
        author=author,
        client_id=uuid.uuid4().hex,  # one per rendered form: a double submit stores once
        posted=request.args.get("posted", type=int),
        max_text=MAX_TEXT,
        max_author=MAX_AUTHOR,
    )
    return page, status


@bp.get("/s/<token>")
def station(token: str):
    return _render_station(station_or_404(token))


@bp.post("/s/<token>")
@limits.posting
def post_form(token: str):
    """The no-JavaScript path: a plain form post, then redirect (so reload does not resend)."""
    station = station_or_404(token)
    g.workshop = station.workshop
    try:
        note, _created = _submit(station, request.form)
    except (NoteError, walk.Refused) as err:
        return _render_station(
            station,
            error=message(err.code, **err.params),
            text=request.form.get("text", ""),
            author=request.form.get("author", ""),
            status=400,
        )
    target = url_for("participant.station", token=station.token, posted=note.id)
    return redirect(f"{target}#note-{note.id}", code=303)


@bp.get("/s/<token>/display")
def display(token: str):
    """Full screen for a tablet or screen at the station: title, prompt, big QR code."""
    station = station_or_404(token)
    g.workshop = station.workshop
    url = station_url(station)
    return render_template(
        "participant/display.html",
        station=station,
        url=url,
        short_url=public_url.short(url),
        join_url=public_url.short(public_url.base_url()),
    )


@bp.get("/qr/<token>.svg")
def qr_svg(token: str):
    station = station_or_404(token)
    response = Response(qr.svg(station_url(station)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-cache"  # the public URL can change between runs
    return response


# --- JSON API ----------------------------------------------------------------------------


def _api_station(token: str) -> Station:
    station = Station.by_token(token)
    if station is None:
        raise ApiError("station_not_found", 404)
    g.workshop = station.workshop
    return station


@api.get("/stations/<token>")
def api_station(token: str):
    return jsonify({"ok": True, **realtime.station_state(_api_station(token))})


@api.post("/stations/<token>/notes")
@limits.posting
def api_post_note(token: str):
    station = _api_station(token)
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the decoder goes (silent= covers ValueError)
        payload = None
    if payload is None:
        raise ApiError("invalid_payload", 400)
    try:
        note, created = _submit(station, payload)
    except NoteError as err:
        raise ApiError(
            err.code, 422 if err.code in ("note_too_long", "author_too_long") else 400, **err.params
        ) from None
    except walk.Refused as err:
        raise ApiError(err.code, 409) from None
    body = {"ok": True, "note": reactions.note_dict(note, station.token, fresh=created)}
    return jsonify(body), 201 if created else 200
