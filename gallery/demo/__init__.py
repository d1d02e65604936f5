"""The German demo workshop: a county's "Digital-Gipfel" with four stations and some notes,
or, with `notes`, a rehearsal wall: that many notes with +1s, replies and dots (`plan.py`).
"""

from __future__ import annotations

import secrets

from stations.notes import NoteIn, parse_note

from ..actions import reactions, walk
from ..actions.workshops import create_workshop
from ..clustering import jobs
from ..store.models import Note, Station, Workshop
from .plan import Plan, plan

TITLE = "Digital-Gipfel Landkreis Mittelsachsen 2026"
PLACE = "Kreishaus Freiberg, Großer Saal"  # Mittelsachsen's seat: the report's "Ort"

STATIONS = [
    (
        "Was kommt nach dem Breitbandausbau?",
        "Das Glasfasernetz ist bald da. Was soll es in unseren Gemeinden möglich machen?",
        [
            ("Telemedizin-Sprechstunden in der Apotheke im Ort", None),
            ("Videosprechstunde beim Hausarzt statt 30 km Fahrt", "Renate"),
            ("Pflegedienste mit Tablet und Telemedizin ausstatten", None),
            ("Coworking-Space im alten Bahnhof", "Katrin"),
            ("Homeoffice, damit junge Familien hierbleiben", "Jens, Bürgermeister"),
            ("Gemeinsames Büro mit schnellem Internet für Pendler", None),
            ("Schnelles Internet auch für die Höfe außerhalb", None),
            ("WLAN in Bussen und an Haltestellen", None),
        ],
    ),
    (
        "Moderne Verwaltung",
        "Welche Behördengänge sollen Sie bis 2028 online erledigen können?",
        [
            ("Kfz-Zulassung komplett online", None),
            ("Auto ummelden ohne Termin im Landratsamt", None),
            ("Bauantrag digital einreichen und den Stand verfolgen", "Ingenieurbüro Weber"),
            ("Baugenehmigung online verfolgen statt nachzufragen", None),
            ("Termine im Bürgeramt per App buchen", None),
            ("Online-Terminvergabe für alle Ämter", None),
            ("Weniger Papier, mehr Formulare zum Ausfüllen am Handy", None),
        ],
    ),
    (
        "Klimaschutz durch Digitalisierung",
        "Wie kann Digitalisierung dem Klimaschutz in der Region helfen?",
        [
            ("Rufbus per App bestellen", None),
            ("Carsharing im ländlichen Raum", None),
            ("Mitfahrbank digital: Mitfahrgelegenheit aufs Handy", None),
            ("Intelligente Straßenbeleuchtung, die nur bei Bedarf leuchtet", None),
            ("Smart Meter für alle Haushalte", None),
            ("Solaranlagen auf Gemeindedächern digital steuern", None),
            ("Bodenfeuchte-Sensoren für die Landwirtschaft", "Landwirt Hofmann"),
        ],
    ),
    (
        "Vernetzung von Wirtschaft, Bildung und Vereinen",
        "Wie bringen wir Unternehmen, Schulen und Vereine digital zusammen?",
        [
            ("Eine gemeinsame Praktikumsbörse für den ganzen Landkreis", None),
            ("Praktikumsplätze der Betriebe online für Schulen sichtbar machen", None),
            ("Vereine brauchen Hilfe bei Website und Social Media", "Sportverein Rochlitz"),
            ("Digitalwerkstatt für Vereinsvorstände", None),
            ("Ehrenamtsbörse: Wer hilft wo mit?", None),
        ],
    ),
]


def create_demo(notes: int = 0):
    """Create the demo workshop; returns (workshop, key). With `notes`, a rehearsal wall of
    that many notes, left in the vote phase with dots spent (see `rehearse`)."""
    workshop, key = create_workshop(TITLE, "de", [(t, p) for t, p, _ in STATIONS], place=PLACE)
    stations = workshop.ordered_stations()
    if notes:
        rehearse(workshop, stations, plan(notes, dots=workshop.dots))
    else:
        for station, (_, _, few) in zip(stations, STATIONS, strict=True):
            for text, author in few:
                Note.store(
                    station,
                    NoteIn(text=text, client_id="demo" + secrets.token_hex(8), author=author),
                    participant="demo",
                )
    for station in stations:
        jobs.recluster(station.id)  # the wall opens already grouped
    return workshop, key


def rehearse(workshop: Workshop, stations: list[Station], planned: Plan) -> None:
    """Play the plan through the actions a walk goes through: notes and their +1s and
    replies while collecting, then the dots in the vote phase, where the workshop stays
    (the facilitator rehearses the results, or goes back to collecting).

    The notes are stored as `submit_note` stores them (`Note.store`) but not placed one by
    one: each station is clustered once at the end."""
    for station in stations:
        station.workshop = workshop  # one object, so the phase change reaches every note
    stored = []
    for i, draft in enumerate(planned.notes):
        payload = {"text": draft.text, "client_id": f"demo-note-{i:05d}", "author": draft.author}
        note, _ = Note.store(stations[draft.station], parse_note(payload), draft.participant)
        stored.append(note)
    for i, participant in planned.plus_ones:
        reactions.plus_one(stored[i], participant)
    for i, answer in enumerate(planned.replies):
        payload = {"text": answer.text, "client_id": f"demo-reply-{i:05d}", "author": answer.author}
        reactions.reply(stored[answer.note], answer.participant, parse_note(payload))
    walk.change_phase(workshop, "vote")
    for i, participant in planned.votes:
        reactions.vote(stored[i], participant)
