"""The facilitator's projected wall: all stations side by side, or one full screen."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request

from .access import require_facilitator, station_or_404, workshop_or_404

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
    return _strip_key() or render_template(
        "wall/wall.html", workshop=g.workshop, key=key, focus=None
    )


@bp.get("/wall/<token>")
def station_wall(code: str, token: str):
    g.workshop = workshop_or_404(code)
    key = require_facilitator(g.workshop)
    station = station_or_404(token)
    if station.workshop_id != g.workshop.id:
        abort(404)
    return _strip_key() or render_template(
        "wall/wall.html", workshop=g.workshop, key=key, focus=station
    )
