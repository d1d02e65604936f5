"""The phone pages: home and code entry, a workshop's station list, a station (which works
as a plain form without JavaScript), the station display and its QR code."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from stations import codes
from stations.notes import MAX_AUTHOR, MAX_TEXT, NoteError, parse_id_text

from .. import identity, limits
from ..actions import reactions, results, walk
from ..actions.access import station_or_404, workshop_or_404
from ..actions.notes import submit_note
from ..actions.state import station_state
from ..errors import Refused, message
from ..store.models import CODE_LENGTH, Station, Workshop
from . import public_url, qr

bp = Blueprint("participant", __name__)


def station_url(station: Station) -> str:
    return public_url.absolute(url_for("participant.station", token=station.token))


# --- pages -----------------------------------------------------------------------------


@bp.get("/")
def home():
    return render_template("participant/home.html", error=None, code="")


@bp.post("/join")
@limits.looking_up
def join():
    """A code typed by hand: "KX7PQ" lists the stations, "KX7PQ-3" opens station 3."""
    typed = request.form.get("code") or ""
    for code, number in codes.readings(typed, CODE_LENGTH):
        workshop = Workshop.get_or_none(Workshop.code == code)
        if workshop is None:
            continue
        if number is None:
            return redirect(url_for("participant.workshop", code=workshop.code))
        station = workshop.stations.where(Station.position == number - 1).first()
        if station is not None:
            return redirect(url_for("participant.station", token=station.token))
        # The workshop part is right: its station list, saying which number is not there.
        return redirect(url_for("participant.workshop", code=workshop.code, missing=number))
    page = render_template(
        "participant/home.html", error=message("workshop_not_found"), code=typed[:40]
    )
    return page, 404


@bp.get("/j/<code>")
@limits.looking_up
def workshop(code: str):
    g.workshop = workshop_or_404(code)
    missing = request.args.get("missing", type=int)
    return render_template("participant/workshop.html", workshop=g.workshop, missing=missing)


def _render_station(
    station: Station,
    *,
    error: str | None = None,
    text: str = "",
    author: str = "",
    status: int = 200,
):
    g.workshop = station.workshop
    pid = identity.participant_or_none() or ""  # reading needs no participant
    phase = station.workshop.phase
    # The same page of notes as a phone's join (station.js then follows `more`); without
    # JavaScript, `more` is a link to the next page back.
    before = parse_id_text(request.args.get("before"))
    state = station_state(station, before)
    closed = None
    try:
        walk.ensure_open(station, "post")
    except Refused as err:
        closed = message(err.code)
    page = render_template(
        "participant/station.html",
        station=station,
        phase=phase,
        closed=closed,
        notes=state["notes"],
        note_count=state["station"]["note_count"],
        more=state["more"],
        before=before,
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
@identity.posting
def post_form(token: str):
    """The no-JavaScript path: a plain form post, then redirect (so reload does not resend)."""
    station = station_or_404(token)
    g.workshop = station.workshop
    try:
        note = submit_note(station, request.form, identity.participant()).note
    except (NoteError, Refused) as err:
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


def workshop_url(workshop) -> str:
    return public_url.absolute(url_for("participant.workshop", code=workshop.code))


@bp.get("/j/<code>/qr.svg")
@limits.looking_up
def workshop_qr(code: str):
    """The QR code a wall shows: the workshop's station list, where each phone picks one."""
    response = Response(qr.svg(workshop_url(workshop_or_404(code))), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-cache"  # the public URL can change between runs
    return response


@bp.get("/qr/<token>.svg")
def qr_svg(token: str):
    station = station_or_404(token)
    response = Response(qr.svg(station_url(station)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-cache"  # the public URL can change between runs
    return response


def rate_limited_form(station: Station, retry_after: int):
    """The no-JavaScript form refused by a rate limit: the page again, with the text kept
    and the reason."""
    page = _render_station(
        station,
        error=message("rate_limited"),
        text=request.form.get("text", ""),
        author=request.form.get("author", ""),
        status=429,
    )
    response = current_app.make_response(page)
    response.headers["Retry-After"] = str(retry_after)
    return response
