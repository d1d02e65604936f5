"""Staff pages: create a workshop, manage its stations, print the QR posters."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from peewee import fn

from stations import export, steering
from stations.errors import RuleError
from stations.notes import clean_text

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
from ..actions.workshops import MAX_PLACE, MAX_PROMPT, MAX_STATIONS, MAX_TITLE, create_workshop
from ..clustering.store import topics_of
from ..errors import message
from ..store.db import utcnow
from ..store.models import ADDRESSES, LANGUAGES, Note, Station, Workshop
from . import public_url
from .participant import station_url

bp = Blueprint("staff", __name__)


class FormError(ValueError):
    pass


def _clean_line(value: str | None, limit: int, what: str) -> str:
    # The same cleaning as notes (no control or bidi-override characters), on one line.
    text = " ".join(clean_text(value or "").split())
    if len(text) > limit:
        raise FormError(_("%(what)s is longer than %(limit)s characters.", what=what, limit=limit))
    return text


def _clean_prompt(value: str | None) -> str:
    raw = clean_text((value or "").replace("\r", ""))
    text = "\n".join(line.strip() for line in raw.split("\n")).strip()
    if len(text) > MAX_PROMPT:
        raise FormError(_("The question is longer than %(limit)s characters.", limit=MAX_PROMPT))
    return text


def _clean_topics(value: str | None) -> list[str]:
    """Expected topics typed one per line, cleaned as every other text."""
    try:
        return steering.parse_topics(clean_text((value or "").replace("\r", "")))
    except RuleError as error:
        raise FormError(message(error.code, **error.params)) from None


def _stations_from_form(form) -> list[tuple[str, str, list[str]]]:
    titles = form.getlist("station_title")
    prompts = form.getlist("station_prompt")
    topics = form.getlist("station_topics")
    stations = []
    for i, raw_title in enumerate(titles):
        title = _clean_line(raw_title, MAX_TITLE, _("A station title"))
        prompt = _clean_prompt(prompts[i] if i < len(prompts) else "")
        expected = _clean_topics(topics[i] if i < len(topics) else "")
        if title:
            stations.append((title, prompt, expected))
        elif prompt:
            raise FormError(_("Station %(n)s has a question but no title.", n=i + 1))
    return stations


# --- create ----------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@limits.creating
def new_workshop():
    form = request.form
    errors: list[str] = []
    wait = 0
    if request.method == "POST":
        if admin_required() and not is_admin():
            wait = limits.admin_wait()
            if wait:
                errors.append(_("Too many wrong passwords: please wait %(n)s seconds.", n=wait))
            elif check_admin_password(form.get("admin_password")):
                limits.admin_password_right()
                session["admin"] = True
            else:
                limits.admin_password_wrong()
                errors.append(_("The admin password is wrong."))
        try:
            title = _clean_line(form.get("title"), MAX_TITLE, _("The title"))
            place = _clean_line(form.get("place"), MAX_PLACE, _("The location"))
            stations = _stations_from_form(form)
        except FormError as err:
            errors.append(str(err))
            title, place, stations = "", "", []
        language = form.get("language") if form.get("language") in LANGUAGES else "de"
        address = form.get("address") if form.get("address") in ADDRESSES else "sie"
        if not errors and not title:
            errors.append(_("Please give the workshop a title."))
        if not errors and not stations:
            errors.append(_("Please add at least one station with a title."))
        if not errors and len(stations) > MAX_STATIONS:
            errors.append(_("At most %(n)s stations.", n=MAX_STATIONS))
        if not errors:
            workshop, key = create_workshop(title, language, stations, address, place)
            return redirect(url_for("staff.manage", code=workshop.code, key=key), code=303)
    rows = max(4, len(form.getlist("station_title")))
    page = render_template(
        "staff/new.html",
        errors=errors,
        form=form,
        rows=rows,
        need_password=admin_required() and not is_admin(),
    )
    if wait:
        return page, 429, {"Retry-After": str(wait)}
    return page, (400 if errors else 200)


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
    stations = list(workshop.ordered_stations())
    counts = dict(
        Note.select(Note.station, fn.COUNT(Note.id))
        .where((Note.station << [st.id for st in stations]) & (Note.hidden == False))  # noqa: E712
        .group_by(Note.station)
        .tuples()
    )
    facilitator_link = public_url.absolute(url_for("staff.manage", code=workshop.code, key=key))
    return render_template(
        "staff/manage.html",
        workshop=workshop,
        stations=stations,
        counts=counts,
        station_urls={s.id: station_url(s) for s in stations},
        facilitator_link=facilitator_link,
        wall_link=public_url.absolute(url_for("wall.wall", code=workshop.code, key=key)),
        join_url=public_url.short(public_url.base_url()),
        error=request.args.get("error"),
        settings_errors=_settings_errors(),
        languages=LANGUAGES,
    )


def _settings_errors() -> dict[str, str]:
    # Said after the redirect back (?error=place), so a reload does not post the form again.
    return {
        "title": _("%(what)s is longer than %(limit)s characters.", what=_("The title"),
                   limit=MAX_TITLE),
        "place": _("%(what)s is longer than %(limit)s characters.", what=_("The location"),
                   limit=MAX_PLACE),
    }  # fmt: skip


def _back(workshop: Workshop, anchor: str = ""):
    return redirect(url_for("staff.manage", code=workshop.code) + anchor, code=303)


@bp.post("/w/<code>/settings")
def update_workshop(code: str):
    workshop, _key = _facilitated(code)
    form = request.form
    try:
        title = _clean_line(form.get("title"), MAX_TITLE, "title") or workshop.title
    except FormError:
        return redirect(url_for("staff.manage", code=code, error="title"), code=303)
    try:  # a form without the field (an older page still open) keeps the place
        place = _clean_line(form["place"], MAX_PLACE, "place") if "place" in form else None
    except FormError:
        return redirect(url_for("staff.manage", code=code, error="place"), code=303)
    language = form.get("language")
    address = form.get("address")
    workshops.update_workshop(
        workshop,
        title,
        language if language in LANGUAGES else None,
        address if address in ADDRESSES else None,
        place,
    )
    return _back(workshop)


@bp.post("/w/<code>/stations")
def add_station(code: str):
    workshop, _key = _facilitated(code)
    try:
        title = _clean_line(request.form.get("title"), MAX_TITLE, _("A station title"))
        prompt = _clean_prompt(request.form.get("prompt"))
    except FormError:
        abort(400)
    if not title:
        abort(400)
    station = workshops.add_station(workshop, title, prompt)
    if station is None:  # MAX_STATIONS already
        abort(400)
    return _back(workshop, f"#station-{station.token}")


@bp.post("/w/<code>/stations/<token>")
def edit_station(code: str, token: str):
    workshop, _key = _facilitated(code)
    station = _own_station(workshop, token)
    try:
        title = _clean_line(request.form.get("title"), MAX_TITLE, _("A station title"))
        prompt = _clean_prompt(request.form.get("prompt"))
        topics = _clean_topics(request.form.get("topics"))
    except FormError:
        abort(400)
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
    zone = current_app.config["TIMEZONE"]
    body = export.build(results.collect(workshop), fmt, delimiter=delimiter, zone=zone)
    name = f"gallery-walk-{workshop.code}-{utcnow():%Y-%m-%d}.{fmt}"
    response = Response(body, mimetype=export.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # taken during the session: always fresh
    return response


def report_html(workshop: Workshop) -> str:
    """The printable results protocol, "Ergebnisprotokoll" (the view and `gallery export
    --format html`): ranked as every other format, times in the workshop's zone."""
    zone = current_app.config["TIMEZONE"]
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
