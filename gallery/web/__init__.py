"""The pages and forms: the phone's pages (participant.py), the participant HTTP API
(api.py), the facilitator's wall and moderation page (wall.py), the staff pages and exports
(staff.py); error pages, security headers, the OpenAPI document."""

from __future__ import annotations

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFProtect

from .. import limits
from ..errors import message
from ..store.models import Station
from . import error_pages, headers, offline, openapi, participant, staff, wall
from .api import api


def register(app: Flask, csrf: CSRFProtect) -> None:
    app.register_blueprint(participant.bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(wall.bp)
    app.register_blueprint(staff.bp)
    csrf.exempt(api)
    app.register_blueprint(api)
    error_pages.register(app)
    headers.register(app)
    openapi.register(app)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(limits.Refusal, _rate_limited)


def _rate_limited(err: RateLimitExceeded | limits.Refusal):
    """HTTP 429 with Retry-After; the phone's form shows its page again with the reason."""
    # a Refusal: a budget the view itself spent (a new participant)
    refused_here = isinstance(err, limits.Refusal)
    retry_after = err.retry_after if refused_here else limits.retry_after_now()
    # The limit ran before the view: find the workshop here, for the message's language.
    station = Station.by_token((request.view_args or {}).get("token"))
    if station is not None:
        g.workshop = station.workshop
    if request.endpoint == "participant.post_form" and station is not None:
        return participant.rate_limited_form(station, retry_after)
    if error_pages.wants_json():
        response = jsonify(limits.refusal_body(retry_after))
    else:  # a page (a code typed by hand, the form that creates a workshop)
        text = message("rate_limited")
        response = make_response(render_template("error.html", status=429, text=text))
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response
