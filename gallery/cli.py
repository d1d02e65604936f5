"""The `gallery` command: serve, demo, workshop new, cluster."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys

import click

from stations import export

from .web.addresses import lan_address
from .web.links import guess_base, serve_command, workshop_links


def _app(db: str | None = None, public_url: str | None = None, lan_url: str | None = None):
    from . import create_app

    overrides = {"ASYNC_MODE": "threading"}  # CLI work: plain threads, no event loop
    if db:
        overrides["DATABASE"] = db
    if public_url:
        overrides["PUBLIC_URL"] = public_url
    if lan_url:
        overrides["LAN_URL"] = lan_url
    return create_app(overrides)


def _print_links(links: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(links, ensure_ascii=False))
        return
    ws = links["workshop"]
    click.echo(f"Workshop {ws['code']}: {ws['title']}")
    click.echo(f"  Wall (facilitator, keep secret): {ws['wall_url']}")
    click.echo(f"  Manage stations and posters:     {ws['manage_url']}")
    for s in links["stations"]:
        click.echo(f"  Station {s['code']}  {s['title']}")
        click.echo(f"      phone: {s['url']}")


def _print_serve_hint(app, public_url: str | None, db: str | None, port: int) -> None:
    # On standard output with the links, in order: on standard error it was glued to the
    # last link where a log kept the two streams apart and joined them ("…FHStart the …").
    click.echo("\nStart the server with:")
    click.echo(f"  {serve_command(app, public_url, db, port)}")


db_option = click.option("--db", default=None, help="SQLite path or database URL.")
public_url_option = click.option(
    "--public-url", default=None, help="Base URL phones use, e.g. http://192.168.1.20:8000"
)


@click.group()
@click.version_option(package_name="gallery-walk")
def main() -> None:
    """Gallery Walk: stations with QR codes, live sticky notes, a clustered wall."""


def gunicorn_argv(host: str, port: int, workers: int, async_mode: str, access_log: bool):
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if async_mode == "gevent":
        worker = ["--worker-class", "gevent", "--worker-connections", "4000"]
    else:  # one OS thread per connected client: kept only to measure against gevent
        worker = ["--worker-class", "gthread", "--threads", "1000"]
    return [
        sys.executable, "-m", "gunicorn",
        *worker,
        "--workers", str(workers),
        "--bind", bind,
        "--graceful-timeout", "10",
        "--timeout", "60",
        "--no-control-socket",  # its default path is shared: two servers would clash
        "--access-logfile", "-" if access_log else "/dev/null",
        "gallery.wsgi:app",
    ]  # fmt: skip


def _raise_open_files_limit() -> None:
    """Every connected phone holds a socket; the usual soft limit of 1024 open files would
    cap the server near 1,000 phones. Raise it to the hard limit (inherited through exec)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@public_url_option
@db_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="gunicorn workers; more than 1 only for WebSocket-only clients (several processes: "
    "docs/deploy.md).",
)
@click.option(
    "--async-mode",
    type=click.Choice(["gevent", "threading"]),
    default="gevent",
    show_default=True,
    help="threading (a thread per client) is only for comparison.",
)
def serve(host, port, public_url, db, workers, async_mode) -> None:
    """Run the production server (gunicorn, gevent worker, WebSockets)."""
    env = dict(os.environ)
    env["GALLERY_ASYNC_MODE"] = async_mode
    if db:
        env["GALLERY_DATABASE"] = db
    if public_url:
        env["GALLERY_PUBLIC_URL"] = public_url
    if host in ("0.0.0.0", "::") and not env.get("GALLERY_PUBLIC_URL"):
        lan = lan_address()
        if lan:
            env["GALLERY_LAN_URL"] = f"http://{lan}:{port}"
    if workers > 1 and not env.get("GALLERY_MESSAGE_QUEUE"):
        raise click.UsageError("--workers > 1 needs GALLERY_MESSAGE_QUEUE (redis://...).")
    if workers > 1:  # gunicorn hands each request to any worker: no sticky sessions
        click.echo(
            "warning: phones start on long-polling, which fails when a request reaches another"
            " worker; run one `gallery serve` per port behind nginx instead (docs/deploy.md)",
            err=True,
        )
    shown = env.get("GALLERY_PUBLIC_URL") or env.get("GALLERY_LAN_URL") or f"http://{host}:{port}"
    click.echo(f"Gallery Walk on {shown} (Ctrl+C stops)", err=True)
    _raise_open_files_limit()
    argv = gunicorn_argv(host, port, workers, async_mode, bool(env.get("GALLERY_ACCESS_LOG")))
    # exec: gunicorn's gevent worker must patch the standard library before the app loads.
    os.execve(sys.executable, argv, env)


@main.command()
@public_url_option
@db_option
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=int,
    help="The port `gallery serve` will use (for the printed links).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
@click.option(
    "--notes",
    default=0,
    type=click.IntRange(0, 1000),
    help="A rehearsal wall: this many notes with +1s, replies and dots, in the vote phase.",
)
def demo(public_url: str | None, db: str | None, port: int, as_json: bool, notes: int) -> None:
    """Create the German demo workshop ("Digital-Gipfel") and print its links."""
    from .demo import create_demo

    app = _app(db, public_url)
    with app.app_context():
        workshop, key = create_demo(notes)
        _print_links(workshop_links(app, workshop, key, guess_base(public_url, port)), as_json)
    if not as_json:
        _print_serve_hint(app, public_url, db, port)


@main.group()
def workshop() -> None:
    """Create workshops from the command line."""


def _parse_station(raw: str) -> tuple[str, str]:
    title, _, prompt = raw.partition(":")
    if not title.strip():
        raise click.BadParameter(f"'{raw}': expected \"Title: question\"")
    return " ".join(title.split()), prompt.strip()


@workshop.command("new")
@click.argument("title")
@click.option(
    "--station",
    "stations",
    multiple=True,
    required=True,
    help='"Title: question", once per station.',
)
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option("--address", type=click.Choice(["sie", "du"]), default="sie", show_default=True)
@click.option("--place", default="", help='Where it is held, e.g. "Kreishaus Freiberg, Saal 2".')
@click.option(
    "--timezone",
    "zone",
    default="",
    help="Its time zone for the report and exports, e.g. Europe/Berlin (default: the server's).",
)
@public_url_option
@db_option
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def workshop_new(title, stations, lang, address, place, zone, public_url, db, port, as_json):
    """Create a workshop with its stations and print the links."""
    from stations.notes import clean_text

    from .actions.workshops import MAX_PLACE, MAX_TITLE, create_workshop
    from .config import is_zone

    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise click.BadParameter(f"the title must be 1-{MAX_TITLE} characters", param_hint="TITLE")
    place = " ".join(clean_text(place).split())  # cleaned as the web form cleans it
    if len(place) > MAX_PLACE:
        raise click.BadParameter(f"at most {MAX_PLACE} characters", param_hint="--place")
    zone = zone.strip()
    if zone and not (len(zone) <= 64 and is_zone(zone)):
        raise click.BadParameter(f"unknown time zone {zone!r} (e.g. Europe/Berlin)",
                                 param_hint="--timezone")  # fmt: skip
    parsed = [_parse_station(s) for s in stations]
    app = _app(db, public_url)
    with app.app_context():
        ws, key = create_workshop(title, lang, parsed, address, place, zone)
        _print_links(workshop_links(app, ws, key, guess_base(public_url, port)), as_json)
    if not as_json:
        _print_serve_hint(app, public_url, db, port)


@main.command()
@click.option("--lang", type=click.Choice(["de", "en", "auto"]), default="auto", show_default=True)
def cluster(lang: str) -> None:
    """Cluster walls of notes: JSON Lines in (per line an array of note texts, or an object
    {"notes", "previous", "moves", "topics", "groups", "prompt"}), JSON Lines out
    ({"clusters": [{"id", "label", "notes": [indexes]}]}, one line per input line; see
    docs/protocol.md)."""
    from stations.clustering import run_cli

    for line in run_cli(sys.stdin, lang):
        click.echo(line)
        sys.stdout.flush()  # one answer per line, as it is ready (pipes, interactive use)


@main.command("export")
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*export.FORMATS, "html"]),
    default="xlsx",
    show_default=True,
)
@click.option(
    "--sep",
    type=click.Choice([";", ","]),
    default=";",
    show_default=True,
    help="CSV delimiter (';' for German Excel).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write; '-' or none: standard output.",
)
@db_option
def export_command(code: str, fmt: str, sep: str, output: str | None, db: str | None) -> None:
    """Export a workshop's results (any time, also during the session)."""
    from flask import g

    from .actions.results import collect
    from .actions.workshops import zone_of
    from .store.models import Workshop
    from .web.staff import report_html

    app = _app(db)
    with app.app_context():
        workshop = Workshop.get_or_none(Workshop.code == code.upper())
        if workshop is None:
            raise click.ClickException(f"no workshop with the code {code!r}")
        if fmt == "html":
            with app.test_request_context():
                g.workshop = workshop  # the report in the workshop's language
                body = report_html(workshop).encode()
        else:
            zone = zone_of(workshop)
            body = export.build(collect(workshop), fmt, delimiter=sep, zone=zone)  # as downloaded
    if output in (None, "-"):
        sys.stdout.buffer.write(body)
    else:
        with open(output, "wb") as f:
            f.write(body)
        click.echo(f"{output}: {len(body):,} bytes", err=True)


@main.command("import")
@click.argument("file", type=click.File("rb"))
@public_url_option
@db_option
@click.option("--json", "as_json", is_flag=True)
def import_command(file, public_url, db, as_json) -> None:
    """Recreate a workshop from its JSON export (with a new facilitator key). The whole file
    is checked first, against the limits of the web forms; nothing is written unless it
    passes. It is written in short transactions, so a running server keeps answering."""
    from .actions.importing import checked
    from .actions.results import restore

    app = _app(db, public_url)
    try:
        data = export.from_json(json.load(file))
        data = checked(
            data, app.config["MAX_NOTES_PER_STATION"], app.config["MAX_REPLIES_PER_NOTE"]
        )
    except (ValueError, RecursionError, export.ExportError) as err:  # ValueError: JSON, digits
        reason = "nested too deeply" if isinstance(err, RecursionError) else str(err)[:300]
        raise click.ClickException(
            f"not a Gallery Walk export this server takes: {reason}"
        ) from None
    with app.app_context():
        workshop, key = restore(data)
        _print_links(workshop_links(app, workshop, key, guess_base(public_url, 8000)), as_json)


@main.command()
@click.option(
    "--days", type=int, default=None, help="Override GALLERY_RETENTION_DAYS for this run."
)
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@db_option
def purge(days: int | None, dry_run: bool, db: str | None) -> None:
    """Delete workshops whose last note (or creation) is older than the retention period.
    Meant for cron: `gallery purge` daily; silent when there is nothing to do."""
    from .store.retention import expired, purge_workshop

    app = _app(db)
    days = app.config["RETENTION_DAYS"] if days is None else days
    if days <= 0:
        raise click.ClickException("no retention period: set GALLERY_RETENTION_DAYS or --days")
    with app.app_context():
        for workshop, last in expired(days):
            action = "would delete" if dry_run else "deleted"
            if not dry_run:
                purge_workshop(workshop)
            click.echo(
                f"{action} {workshop.code} {workshop.title!r} (last activity {last:%Y-%m-%d})"
            )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@db_option
def backup(file: str, force: bool, db: str | None) -> None:
    """Write a consistent copy of the SQLite database to FILE, also while the server runs.

    SQLite's online backup API copies the database as one snapshot (a read transaction, so
    the running server keeps writing meanwhile). The copy is a single self-contained file.
    """
    import sqlite3
    import tempfile
    from pathlib import Path

    from . import config
    from .store.db import resolve_url

    settings = config.load({"DATABASE": db} if db else None)
    instance = Path(settings["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    url = resolve_url(settings["DATABASE"], str(instance))
    if not url.startswith("sqlite"):
        raise click.ClickException(
            "the database is not SQLite: back up PostgreSQL with pg_dump, "
            "e.g. `pg_dump -Fc -f gallery.dump DATABASE_URL`"
        )
    source = Path(url.split("///", 1)[-1])
    target = Path(file).expanduser().resolve()
    if not source.is_file():
        raise click.ClickException(f"no database at {source}")
    if target.exists():
        if target.samefile(source):
            raise click.ClickException("FILE is the database itself; choose another file")
        if not force:
            raise click.ClickException(f"{file} exists; use --force to replace it")
    # Into a temporary file beside the target first: an existing backup is only replaced by
    # a complete, checked copy, and a half-written file never carries the target's name.
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(
            prefix=f"{target.name}.", suffix=".partial", dir=target.parent
        )
    except OSError as err:
        raise click.ClickException(f"cannot write {file}: {err.strerror}") from None
    os.close(fd)
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            with dst:
                src.backup(dst)  # all pages in one step: one snapshot, never a mix
            dst.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside the copy
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            notes = dst.execute("SELECT count(*) FROM note").fetchone()[0]
            workshops = dst.execute("SELECT count(*) FROM workshop").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if check != "ok":
            raise click.ClickException(f"the copy failed its integrity check: {check}")
        os.replace(partial, target)
    except sqlite3.Error as err:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise click.ClickException(f"cannot back up {source}: {err}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    size = target.stat().st_size
    counted = ", ".join(f"{n} {word}{'' if n == 1 else 's'}"
                        for n, word in ((workshops, "workshop"), (notes, "note")))  # fmt: skip
    click.echo(f"Backed up {source} to {file}: {counted}, {size:,} bytes, integrity check ok.")
