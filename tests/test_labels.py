"""Labels a person would write: one to three nouns from the notes, as the notes write them;
never a filler, verb, pronoun or dialect form."""

from __future__ import annotations

import re

import pytest

from stations.clustering import label_clusters, places_in
from stations.text import stem


def words(label: str) -> list[str]:
    return [w for part in re.split(r"\s*(?:,|&)\s*", label) for w in part.split()]


@pytest.mark.parametrize(
    ("texts", "unwanted"),
    [
        (["Braucht nen Admin im Rathaus", "Rathaus braucht nen Admin", "Admin fehlt"], {
            "braucht", "nen", "fehlt",
        }),
        (["5G aufm Land", "Funkloch aufm Land", "Land ohne 5G"], {"aufm"}),
        (["Digitale Bürgerdienste", "Digitale Anträge für Bürgerdienste"], {"digitale"}),
        (["Stell den Wecker", "Wecker stellen für acht Uhr"], {"stell", "stellen"}),
    ],
)  # fmt: skip
def test_no_filler_verb_or_dialect_in_a_label(texts: list[str], unwanted: set[str]) -> None:
    (label,) = label_clusters([texts], "de")
    assert 1 <= len(words(label)) <= 3, label
    assert not {w.casefold() for w in words(label)} & unwanted, label


def test_nouns_compounds_and_codes_are_kept_whole() -> None:
    texts = ["E-Bike-Verleih am Bahnhof", "E-Bike-Verleih auch in Dörfern", "Funkloch B169"]
    (label,) = label_clusters([texts[:2]], "de")
    assert "E-Bike-Verleih" in words(label)
    (label,) = label_clusters([["Funkloch an der B169", "B169 Funkloch bei Hof"]], "de")
    assert set(words(label)) == {"Funkloch", "B169"}


def test_a_label_reads_as_a_person_writes_it() -> None:
    labels = label_clusters(
        [["Busse am Abend", "Busse am Wochenende"], ["Azubis und ÖPNV", "ÖPNV für Azubis"]], "de"
    )
    assert labels[0] == "Busse"  # one word every note shares says it all
    assert labels[1] in ("Azubis & ÖPNV", "ÖPNV & Azubis")


def test_english_keeps_the_notes_casing_and_drops_verbs() -> None:
    (label,) = label_clusters(
        [["my card payment was declined", "card payment declined again", "declined card"]], "en"
    )
    assert label == label.lower()
    assert "was" not in words(label)


def test_two_words_the_notes_write_together_stay_a_phrase() -> None:
    texts = ["Smart Farming für Höfe", "Smart Farming mit Sensoren", "Sensoren und Smart Farming"]
    (label,) = label_clusters([texts], "de")
    assert label.startswith("Smart Farming")


def test_a_phrase_of_one_note_is_not_torn_apart() -> None:
    texts = [
        "Smart Farming: Maschinen brauchen Netz auf dem Feld",
        "Landwirtschaft braucht Empfang auf den Äckern",
        "Handwerksbetriebe brauchen Cloud und Videotelefonie",
    ]
    (label,) = label_clusters([texts], "de")
    assert "Smart & Farming" not in label and "Farming & Smart" not in label, label


def test_filler_nouns_name_no_topic() -> None:
    groups = [
        ["Alle Ausbildungsplätze im Kreis auf einer Seite", "Ferienjobs im Kreis auf einer Seite"],
        ["Dorffest anmelden, alles an einer Stelle", "Schlaglöcher melden an einer Stelle"],
    ]
    for label in label_clusters(groups, "de"):
        assert not {w.casefold() for w in words(label)} & {"seite", "stelle"}, label


def test_a_village_names_no_topic_but_a_noun_after_in_still_does() -> None:
    """Notes on WLAN in several villages are about WLAN: "WLAN & Hohenwiese" was seen. A
    common noun written after "in" ("in Schulen") still names its topic: the notes also write
    it with an article."""
    wlan = ["Öffentliches WLAN am Dorfplatz in Hohenwiese", "Freies WLAN im Freibad",
            "WLAN in Hohenwiese am Sportplatz", "Funkloch zwischen Hohenwiese und Birkwalde",
            "WLAN im Jugendclub"]  # fmt: skip
    (label,) = label_clusters([wlan], "de")
    assert "WLAN" in words(label) and "Hohenwiese" not in words(label), label
    schools = ["Tablets in Schulen", "WLAN in Schulen", "Die Schulen brauchen Tablets"]
    (label,) = label_clusters([schools], "de")
    assert "Schulen" in words(label), label


def test_a_village_the_workshop_names_elsewhere_names_no_topic() -> None:
    """The rehearsal wall's results protocol ranked "Ladesäule & Eschenhain" first: its
    station writes the village only as "Radweg Eschenhain - …" and "für Eschenhain", where
    no place shows itself, while the other stations write "in Eschenhain"."""
    charging = ["Radweg Eschenhain - Obermühlbach endlich bauen", "Carsharing-Auto für Eschenhain",
                "Ladesäule am Dorfplatz", "Ladesäulen für E-Autos in jedem Ort",
                "Eschenhain braucht eine Ladesäule"]  # fmt: skip
    (alone,) = label_clusters([charging], "de")
    assert "Eschenhain" in words(alone), alone  # what the station alone cannot tell
    elsewhere = ["Schule in Eschenhain braucht WLAN", "Funkloch zwischen Eschenhain und Niederau",
                 "Die Bücherei braucht neue Tablets"]  # fmt: skip
    (label,) = label_clusters([charging], "de", places=places_in(elsewhere, "de"))
    assert "Eschenhain" not in words(label) and "Ladesäule" in words(label), label
    assert places_in(elsewhere, "auto") == places_in(elsewhere, "de")
    school = ["Die Schule in Eschenhain", "WLAN in Schulen"]
    assert places_in(school, "de") == {stem("Eschenhain", "de")}  # "die Schule": no place
