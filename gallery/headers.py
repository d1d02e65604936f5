"""Response headers: security policy, compression, and cache lifetimes for static assets."""

from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress

# No inline scripts or styles, no third-party origins: everything is served from here.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
YEAR = 365 * 24 * 3600

# gzip costs ~1.5 ms for the 47 KB Socket.IO client; browsers then keep static files for a
# year (versioned URLs), so an in-memory cache of compressed files is not worth its risk.
compress = Compress()


def register(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_LEVEL", 6)
    # flask-compress's defaults plus SVG (QR codes and the icon) and Markdown exports.
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/csv", "text/markdown", "text/javascript",
        "application/javascript", "application/json", "image/svg+xml",
    ])  # fmt: skip
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Static files are streamed from disk; gzip them on the way (chunked, no length).
    app.config.setdefault("COMPRESS_STREAMS", True)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])
    compress.init_app(app)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # Facilitator links carry the key: never leak a URL to another site.
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/static/"):
            if request.args.get("v") or "/vendor/" in request.path:
                # versioned (?v=<release>) or version in the file name: never changes
                headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                headers["Cache-Control"] = "public, max-age=3600"
        return response
