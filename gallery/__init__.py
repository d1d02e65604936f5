"""Gallery Walk web application: create_app() and the unbound extensions."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import limits, live, web
from .adapters import GalleryFlask, TolerantPacket
from .clustering import scheduler
from .live.socket import socketio
from .store import db, schema
from .web import hosts

__version__ = config_module.VERSION
__all__ = ["create_app", "socketio"]

babel = Babel()
csrf = CSRFProtect()

PACKAGE_DIR = Path(__file__).resolve().parent


def _asset_dir(name: str) -> str:
    """templates/ and static/ sit inside the package in a wheel, beside it in a checkout."""
    inside = PACKAGE_DIR / name
    return str(inside if inside.is_dir() else PACKAGE_DIR.parent / name)


def _secret_key(instance_path: Path) -> str:
    """Generated once into the instance folder. Processes sharing the folder that start at
    once must agree on it: each writes a private file and links it into place, so exactly
    one key wins and no process reads a half-written one."""
    path = instance_path / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def select_language() -> str:
    workshop = getattr(g, "workshop", None)
    if workshop is not None:
        return workshop.language
    return request.accept_languages.best_match(["de", "en"]) or "de"


def select_locale() -> str:
    """A workshop's catalogue ("de@du" for a German workshop that says du), else the
    browser's language; outside a workshop German pages say "Sie"."""
    workshop = getattr(g, "workshop", None)
    return workshop.locale if workshop is not None else select_language()


def create_app(test_config: dict | None = None) -> Flask:
    settings = config_module.load(test_config)
    instance_path = Path(settings["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    instance_path.mkdir(parents=True, exist_ok=True)

    app = GalleryFlask(
        __name__,
        instance_path=str(instance_path),
        template_folder=_asset_dir("templates"),
        static_folder=_asset_dir("static"),
    )
    app.config.update(settings)
    app.config["GALLERY_VERSION"] = __version__
    app.config["TIMEZONE"] = config_module.timezone(settings["TIMEZONE"])
    app.config["TIMEZONE_SETTING"] = settings["TIMEZONE"]  # empty: see config.workshop_zone
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _secret_key(instance_path)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings["SECURE_COOKIES"]),
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 30,
        MAX_CONTENT_LENGTH=settings["MAX_MESSAGE_BYTES"],
        WTF_CSRF_TIME_LIMIT=None,  # a form left open through a long workshop still posts
        # Two catalogues from one directory, the second merged over the first: "messages"
        # (every sentence; German in the formal "Sie") and "du", which only the locale
        # "de@du" finds (de@du/LC_MESSAGES/du.mo) and which holds just the sentences a
        # participant reads that change with the form of address.
        BABEL_TRANSLATION_DIRECTORIES=";".join([str(PACKAGE_DIR / "translations")] * 2),
        BABEL_DOMAIN="messages;du",
        TEMPLATES_AUTO_RELOAD=False,
    )

    app.config["DATABASE_URL"] = db.resolve_url(settings["DATABASE"], str(instance_path))
    db.open_database(
        app.config["DATABASE_URL"], shared_connection=settings["ASYNC_MODE"] == "gevent"
    )
    schema.migrate()

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    web.register(app, csrf)

    live.init_app(
        app,
        async_mode=settings["ASYNC_MODE"],
        message_queue=settings["MESSAGE_QUEUE"] or None,
        cors_allowed_origins=hosts.origin_check(app),  # our host names, GALLERY_CORS_ORIGINS
        serializer=TolerantPacket,  # a malformed frame: counted, not a traceback each
        max_http_buffer_size=settings["MAX_MESSAGE_BYTES"],
        ping_interval=20,
        ping_timeout=20,
    )
    scheduler.tasks.use(socketio.start_background_task, socketio.sleep)
    limits.init_app(app)
    if settings["TRUSTED_PROXIES"]:  # outermost, so Socket.IO sees the client's address too
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)
    hosts.init_app(app)  # outermost: a foreign Host is refused before anything runs

    if settings["ASYNC_MODE"] == "gevent":
        scheduler.warm_up(app)
        if db.is_sqlite():
            db.start_checkpointer()
            db.wait_beside_the_loop()  # the clustering worker writes to the file too

    app.jinja_env.globals["gallery_version"] = __version__  # macros see globals, not context

    @app.context_processor
    def inject_globals():
        return {"lang": select_language()}

    return app
