"""The links a workshop made on the command line hands out (its wall, its management page,
its stations' phone pages), and the `gallery serve` command that serves them."""

from __future__ import annotations

import os
import shlex

from flask import url_for

from .addresses import lan_address


def guess_base(public_url: str | None, port: int) -> str:
    """The base URL phones will use when `serve` runs on 0.0.0.0 with this port."""
    configured = public_url or os.environ.get("GALLERY_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    lan = lan_address()
    return f"http://{lan or 'localhost'}:{port}"


def workshop_links(app, workshop, key: str, base: str) -> dict:
    with app.test_request_context(base_url=base):
        return {
            "workshop": {
                "code": workshop.code,
                "title": workshop.title,
                "key": key,
                "wall_url": base + url_for("wall.wall", code=workshop.code, key=key),
                "manage_url": base + url_for("staff.manage", code=workshop.code, key=key),
            },
            "stations": [
                {
                    "token": s.token,
                    "title": s.title,
                    "code": s.short_code,
                    "url": base + url_for("participant.station", token=s.token),
                    "display_url": base + url_for("participant.display", token=s.token),
                }
                for s in workshop.ordered_stations()
            ],
        }


def serve_command(app, public_url: str | None, db: str | None, port: int) -> str:
    """The `gallery serve` that serves what links printed for `port` point to: the same port,
    public URL and database (as an absolute path: it also works from another folder), and the
    instance folder when one was chosen (else serve makes ./instance beside the user)."""
    words = ["gallery", "serve"]
    if port != 8000:
        words += ["--port", str(port)]
    public = public_url or os.environ.get("GALLERY_PUBLIC_URL")
    if public:
        words += ["--public-url", public]
    url = app.config["DATABASE_URL"]
    if (db or os.environ.get("GALLERY_DATABASE")) and url.startswith("sqlite:///"):
        words += ["--db", url.removeprefix("sqlite:///")]
    command = " ".join(shlex.quote(word) for word in words)
    if db and not url.startswith("sqlite:///"):
        command += f" --db {shlex.quote(db)}"  # as typed
    elif not url.startswith("sqlite:///"):  # a server URL may hold a password: named, not shown
        command += ' --db "$GALLERY_DATABASE"'
    if os.environ.get("GALLERY_INSTANCE_PATH"):
        command = f"GALLERY_INSTANCE_PATH={shlex.quote(app.instance_path)} {command}"
    return command
