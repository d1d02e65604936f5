"""Error pages for people and JSON errors for the API, one handler per kind of failure."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import trouble
from ..errors import ApiError, error_body, message


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/socket.io")


_HTTP_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
}


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        return jsonify(error_body(err.code, **err.params)), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return render_template("error.html", status=400, text=message("csrf")), 400

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = getattr(err, "gallery_code", None) or _HTTP_CODES.get(err.code, "bad_request")
        if wants_json():
            return jsonify(error_body(code)), err.code
        title = _("Not found") if err.code == 404 else _("Sorry")
        page = render_template("error.html", status=err.code, title=title, text=message(code))
        return page, err.code

    @app.errorhandler(Exception)
    def server_error(err: Exception):
        code = trouble.classify(err)
        if code is not None:  # a full disk, a held lock: passing, and said so
            body = trouble.report(code)
            retry = {"Retry-After": str(body["error"]["retry_after"])}
            if wants_json():
                return jsonify(body), 503, retry
            page = render_template("error.html", status=503, text=message(code))
            return page, 503, retry
        app.logger.exception("unhandled error")
        if wants_json():
            return jsonify(error_body("server_error")), 500
        return render_template("error.html", status=500, text=message("server_error")), 500
