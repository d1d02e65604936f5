"""Staff pages: create a workshop, manage its stations, print the QR posters."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from peewee import fn

from stations import export

from .. import limits
from ..actions import results, workshops
from ..actions.access import (
    admin_required,
    check_admin_password,
    is_admin,
    require_facilitator,
    workshop_or_404,
)
from ..actions.steering import set_topics
from ..actions.workshops import (
    MAX_PLACE,
    MAX_PROMPT,
    MAX_STATIONS,
    MAX_TITLE,
    create_workshop,
    zone_of,
)
from ..clustering.store import topics_of
from ..config import place_zone
from ..store.db import utcnow
from ..store.models import ADDRESSES, LANGUAGES, Note, Station, Workshop
from . import public_url
from .forms import Form, zone_names
from .participant import station_url

bp = Blueprint("staff", __name__)


def _stations_from_form(form: Form) -> list[tuple[str, str, list[str]]]:
    """The rows of /new with a title; each row's problems under its own fields' ids."""
    titles = form.data.getlist("station_title")
    prompts = form.data.getlist("station_prompt")
    topics = form.data.getlist("station_topics")
    stations = []
    for i, raw_title in enumerate(titles):
        n = i + 1
        title = form.line(f"station_title_{i}", raw_title, MAX_TITLE,
                          _("The title of station %(n)s", n=n))  # fmt: skip
        prompt = form.prompt(f"station_prompt_{i}", prompts[i] if i < len(prompts) else "",
                             MAX_PROMPT, _("The question of station %(n)s", n=n))  # fmt: skip
        expected = form.topics(f"station_topics_{i}", topics[i] if i < len(topics) else "", n)
        if title:
            stations.append((title, prompt, expected))
        elif prompt:
            form.refuse(f"station_title_{i}", _("Station %(n)s has a question but no title.", n=n))
    return stations


# --- create ----------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@limits.creating
def new_workshop():
    form = Form(request.form)
    wait = 0
    if request.method == "POST":
        if admin_required() and not is_admin():
            wait = limits.admin_wait()
            if wait:
                too_many = _("Too many wrong passwords: please wait %(n)s seconds.", n=wait)
                form.refuse("admin_password", too_many)
            elif check_admin_password(form.data.get("admin_password")):
                limits.admin_password_right()
                session["admin"] = True
            else:
                limits.admin_password_wrong()
                form.refuse("admin_password", _("The admin password is wrong."))
        title = form.line("title", form.data.get("title"), MAX_TITLE, _("The title"))
        place = form.line("place", form.data.get("place"), MAX_PLACE, _("The location"))
        stations = _stations_from_form(form)
        language = form.data.get("language") if form.data.get("language") in LANGUAGES else "de"
        address = form.data.get("address") if form.data.get("address") in ADDRESSES else "sie"
        if not title:
            form.refuse("title", _("Please give the workshop a title."))
        if not stations:
            form.refuse("station_title_0", _("Please add at least one station with a title."))
        elif len(stations) > MAX_STATIONS:
            form.refuse("station-rows", _("At most %(n)s stations.", n=MAX_STATIONS))
        if not form.errors:
            # the facilitator's browser's zone (new.js), unseen: one it cannot vouch for is none
            zone = place_zone(form.data.get("timezone"))
            workshop, key = create_workshop(title, language, stations, address, place, zone)
            return redirect(url_for("staff.manage", code=workshop.code, key=key), code=303)
    rows = max(4, len(form.data.getlist("station_title")))
    page = render_template(
        "staff/new.html",
        errors=form.errors,
        form=form.data,
        rows=rows,
        need_password=admin_required() and not is_admin(),
    )
    if wait:
        return page, 429, {"Retry-After": str(wait)}
    return page, (400 if form.errors else 200)


# --- manage ----------------------------------------------------------------------------


def _facilitated(code: str) -> tuple[Workshop, str]:
    g.workshop = workshop_or_404(code)
    return g.workshop, require_facilitator(g.workshop)


def _own_station(workshop: Workshop, token: str) -> Station:
    station = Station.get_or_none((Station.token == token) & (Station.workshop == workshop))
    if station is None:
        abort(404)
    return station


@bp.get("/w/<code>")
def manage(code: str):
    workshop, key = _facilitated(code)
    if "key" in request.args:
        return redirect(request.path, code=303)  # keep the key out of history and screens
    errors = {}
    if request.args.get("error") == "confirm":  # said after the redirect back from a delete
        errors["confirm-code"] = _("The code did not match: nothing was deleted.")
    return _manage_page(workshop, key, errors=errors)


def _manage_page(workshop: Workshop, key: str, *, errors=None, sent: str = "", typed=None):
    """The manage page; after a form with problems, `sent` names that form ("settings",
    "add", a station's token), `typed` holds what was typed in it, and `errors` its problems
    by field id, each shown beside its field (400: nothing was saved)."""
    stations = list(workshop.ordered_stations())
    counts = dict(
        Note.select(Note.station, fn.COUNT(Note.id))
        .where((Note.station << [st.id for st in stations]) & (Note.hidden == False))  # noqa: E712
        .group_by(Note.station)
        .tuples()
    )
    facilitator_link = public_url.absolute(url_for("staff.manage", code=workshop.code, key=key))
    page = render_template(
        "staff/manage.html",
        workshop=workshop,
        stations=stations,
        counts=counts,
        station_urls={s.id: station_url(s) for s in stations},
        facilitator_link=facilitator_link,
        wall_link=public_url.absolute(url_for("wall.wall", code=workshop.code, key=key)),
        join_url=public_url.short(public_url.base_url()),
        zone=zone_of(workshop),
        server_zone=zone_of(workshop, own=False),  # what an empty field means
        zones=zone_names(),
        errors=errors or {},
        sent=sent,
        typed=typed or {},
        languages=LANGUAGES,
    )
    return page, (400 if sent and errors else 200)


def _back(workshop: Workshop, anchor: str = ""):
    return redirect(url_for("staff.manage", code=workshop.code) + anchor, code=303)


@bp.post("/w/<code>/settings")
def update_workshop(code: str):
    workshop, key = _facilitated(code)
    form = Form(request.form)
    title = form.line("ws-title", form.data.get("title"), MAX_TITLE, _("The title"))
    # a form without the field (an older page still open) keeps the place
    place = form.data.get("place")
    if place is not None:
        place = form.line("ws-place", place, MAX_PLACE, _("The location"))
    zone = form.data.get("timezone")
    if zone is not None:  # as the place: an older page without the field keeps the zone
        zone = form.zone("ws-timezone", zone)
    if form.errors:
        return _manage_page(workshop, key, errors=form.errors, sent="settings", typed=form.data)
    language = form.data.get("language")
    address = form.data.get("address")
    workshops.update_workshop(
        workshop,
        title or workshop.title,
        language if language in LANGUAGES else None,
        address if address in ADDRESSES else None,
        place,
        zone,
    )
    return _back(workshop)


@bp.post("/w/<code>/stations")
def add_station(code: str):
    workshop, key = _facilitated(code)
    form = Form(request.form)
    title = form.line("new-title", form.data.get("title"), MAX_TITLE, _("The title"))
    prompt = form.prompt("new-prompt", form.data.get("prompt"), MAX_PROMPT, _("The question"))
    if not title:
        form.refuse("new-title", _("Please give the station a title."))
    station = None if form.errors else workshops.add_station(workshop, title, prompt)
    if station is None and not form.errors:  # MAX_STATIONS already
        form.refuse("new-title", _("At most %(n)s stations.", n=MAX_STATIONS))
    if form.errors:
        return _manage_page(workshop, key, errors=form.errors, sent="add", typed=form.data)
    return _back(workshop, f"#station-{station.token}")


@bp.post("/w/<code>/stations/<token>")
def edit_station(code: str, token: str):
    workshop, key = _facilitated(code)
    station = _own_station(workshop, token)
    form = Form(request.form)
    title = form.line(f"title-{token}", form.data.get("title"), MAX_TITLE, _("The title"))
    prompt = form.prompt(f"prompt-{token}", form.data.get("prompt"), MAX_PROMPT, _("The question"))
    topics = form.topics(f"topics-{token}", form.data.get("topics"))
    if form.errors:
        return _manage_page(workshop, key, errors=form.errors, sent=token, typed=form.data)
    workshops.edit_station(station, title, prompt)
    if "topics" in request.form and topics != topics_of(station.topics):
        set_topics(station, topics)  # the wall regroups under them, as from edit mode
    return _back(workshop, f"#station-{station.token}")


@bp.post("/w/<code>/stations/<token>/move")
def move_station(code: str, token: str):
    workshop, _key = _facilitated(code)
    station = _own_station(workshop, token)
    workshops.move_station(workshop, station, -1 if request.form.get("direction") == "up" else 1)
    return _back(workshop, f"#station-{station.token}")


@bp.post("/w/<code>/stations/<token>/delete")
def delete_station(code: str, token: str):
    workshop, _key = _facilitated(code)
    station = _own_station(workshop, token)
    if request.form.get("confirm") != "yes":
        abort(400)
    workshops.delete_station(workshop, station)
    return _back(workshop)


@bp.get("/w/<code>/posters")
def posters(code: str):
    workshop, _key = _facilitated(code)
    if "key" in request.args:
        return redirect(request.path, code=303)  # printed pages and history never show it
    stations = list(workshop.ordered_stations())
    urls = {s.id: station_url(s) for s in stations}
    return render_template(
        "staff/posters.html",
        workshop=workshop,
        stations=stations,
        urls=urls,
        short_urls={i: public_url.short(u) for i, u in urls.items()},
        join_url=public_url.short(public_url.base_url()),
    )


# --- results: exports, the printable report, deleting a workshop ---------------------------


def _results_access(code: str) -> Workshop:
    """Exports need the workshop's key (facilitator) or, when one is set, the admin password."""
    g.workshop = workshop_or_404(code)
    if not (admin_required() and session.get("admin") is True):
        require_facilitator(g.workshop)
    return g.workshop


@bp.get("/w/<code>/export.<fmt>")
def download(code: str, fmt: str):
    workshop = _results_access(code)
    if fmt not in export.FORMATS:
        abort(404)
    delimiter = "," if request.args.get("sep") == "comma" else ";"
    # export.build, as `gallery export` and the golden tests: no serialising of our own here.
    zone = zone_of(workshop)
    body = export.build(results.collect(workshop), fmt, delimiter=delimiter, zone=zone)
    name = f"gallery-walk-{workshop.code}-{utcnow():%Y-%m-%d}.{fmt}"
    response = Response(body, mimetype=export.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # taken during the session: always fresh
    return response


def report_html(workshop: Workshop) -> str:
    """The printable results protocol, "Ergebnisprotokoll" (the view and `gallery export
    --format html`): ranked as every other format, times in the workshop's zone."""
    zone = zone_of(workshop)
    facts = results.protocol(workshop)
    days = {export.local_time(n.created_at, zone).date()
            for s in facts["data"].stations for n in s.notes if not n.hidden}  # fmt: skip
    return render_template(
        "staff/report.html",
        workshop=workshop,
        **facts,
        zone=zone,
        clock="%H:%M" if len(days) < 2 else "%d.%m. %H:%M",  # a workshop over several days
        now=export.local_time(utcnow(), zone),
        local_time=lambda value: export.local_time(value, zone),
        board=export.board,  # topics and single ideas by dots, as on the wall and the phones
        top=export.top,
    )


@bp.get("/w/<code>/report")
def report(code: str):
    """The browser prints it to a good PDF."""
    workshop = _results_access(code)
    if "key" in request.args:
        return redirect(request.path, code=303)  # printed pages and history never show it
    return report_html(workshop)


@bp.post("/w/<code>/delete")
def delete_workshop(code: str):
    """Delete a workshop with everything in it; the code must be typed to confirm."""
    workshop, _key = _facilitated(code)
    typed = (request.form.get("confirm") or "").strip().upper()
    if typed != workshop.code:
        return redirect(url_for("staff.manage", code=workshop.code, error="confirm") + "#delete",
                        code=303)  # fmt: skip
    workshops.delete_workshop(workshop)
    return redirect(url_for("participant.home", deleted=1), code=303)
