"""The German demo workshop: a county's "Digital-Gipfel" with four stations and some notes."""

from __future__ import annotations

import secrets

from stations.notes import NoteIn

from .actions.workshops import create_workshop
from .clustering import jobs
from .store.models import Note

TITLE = "Digital-Gipfel Landkreis Mittelsachsen 2026"

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


def create_demo():
    """Create the demo workshop; returns (workshop, key)."""
    workshop, key = create_workshop(TITLE, "de", [(t, p) for t, p, _ in STATIONS])
    for station, (_, _, notes) in zip(workshop.ordered_stations(), STATIONS, strict=True):
        for text, author in notes:
            Note.store(
                station,
                NoteIn(text=text, client_id="demo" + secrets.token_hex(8), author=author),
                participant="demo",
            )
        jobs.recluster(station.id)  # the wall opens already grouped
    return workshop, key
