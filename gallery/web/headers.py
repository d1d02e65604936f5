"""Response headers: security policy, compression, and cache lifetimes for static assets.

The policy allows no third-party origin and no inline code or style, except the few blocks a
page carries inline on purpose: the phone's station page brings its stylesheet and its note
form (static/js/outbox.js) inside its HTML, so that a note can be written, kept and sent as
soon as the HTML has arrived, one slow round trip before any file could; the projected wall
brings its stylesheet and its own scripts (clock, fit, wall), so that it is drawn from the
state in its page while the HTML is still being read (bench/README.md, wall layout).
Each such block is read from static/ once per process and allowed by its hash (CSP3
'sha256-...'), only in the responses that carry it. Never 'unsafe-inline': a script or style
that anyone manages to inject still does not run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_compress import Compress
from markupsafe import Markup

POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("font-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
YEAR = 365 * 24 * 3600

# The station page's part of gallery.css ends at the line that starts so (see its head).
STATION_CSS_END = "/* == end of the station page"

# Compressing on each request is cheap next to the round trips it saves, and browsers keep
# static files for a year (versioned URLs): no cache of compressed files to go stale.
compress = Compress()


@dataclass(frozen=True)
class InlineBlock:
    """A <script> or <style> element whose exact text the policy allows by its hash."""

    tag: str  # "script" or "style"
    text: str
    source: str  # 'sha256-<base64 of the digest of the UTF-8 text>'

    @classmethod
    def of(cls, tag: str, text: str) -> InlineBlock:
        if f"</{tag}" in text.lower():
            raise ValueError(f"an inline <{tag}> cannot contain '</{tag}'")
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        return cls(tag, text, f"'sha256-{digest}'")

    @property
    def directive(self) -> str:
        return "script-src" if self.tag == "script" else "style-src"

    def html(self) -> Markup:
        # The text is the project's own file, unchanged: escaping it would change the hash.
        return Markup(f"<{self.tag}>{self.text}</{self.tag}>")


def load_inline_blocks(static: Path) -> dict[str, InlineBlock]:
    """The blocks pages may inline, by the name templates use: `{{ inline("outbox.js") }}`."""
    css = (static / "css" / "gallery.css").read_text(encoding="utf-8")
    station_css, found, _ = css.partition(STATION_CSS_END)
    if not found:
        raise RuntimeError(f"static/css/gallery.css has no line starting {STATION_CSS_END!r}")
    blocks = {"station.css": InlineBlock.of("style", station_css.rstrip() + "\n"),
              "gallery.css": InlineBlock.of("style", css)}  # fmt: skip
    scripts = ("outbox.js", "clock.js", "typography.js", "wall_fit.js", "wall_moderation.js",
               "wall_edit.js", "wall_walk.js", "wall_columns.js", "wall.js")  # fmt: skip
    for name in scripts:
        blocks[name] = InlineBlock.of("script", (static / "js" / name).read_text("utf-8"))
    return blocks


def inline(name: str) -> Markup:
    """Template global: the block as an element; this response's policy will allow it."""
    block = current_app.extensions["gallery.inline"][name]
    g.setdefault("inline_blocks", set()).add(block)
    return block.html()


def policy(blocks=()) -> str:
    """The Content-Security-Policy value, allowing exactly `blocks` besides our own files."""
    extra: dict[str, list[str]] = {}
    for block in sorted(blocks, key=lambda b: (b.tag, b.source)):
        extra.setdefault(block.directive, []).append(block.source)
    return "; ".join(" ".join([name, sources, *extra.get(name, [])]) for name, sources in POLICY)


CSP = policy()


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

    app.extensions["gallery.inline"] = load_inline_blocks(Path(app.static_folder))
    app.add_template_global(inline)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        blocks = g.pop("inline_blocks", ())
        headers.setdefault("Content-Security-Policy", policy(blocks) if blocks else CSP)
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
