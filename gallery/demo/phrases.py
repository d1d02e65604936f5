"""What people write at the demo's four stations: hand-written notes, templates for more of
them, and replies. German as typed on phones: short, sometimes colloquial or misspelt,
several ways of saying the same thing (so the clustering has something to group).

One note per line in each block; an indented line continues the note above it (for the few
long ones). `{ort}` and `{ort2}` are villages of the demo's (fictional) county.
"""

from __future__ import annotations

PLACES = (
    "Birkwalde", "Eschenhain", "Obermühlbach", "Niederau", "Kleinrödern", "Hohenwiese",
    "Talheim", "Lindenthal", "Wolfsgrün", "Altenbrück", "Rabenau", "Seifersbach",
    "Mühlgrund", "Steinbach", "Grünau", "Kirchberg am Wald",
)  # fmt: skip

# Signatures some participants add (most leave the name empty).
AUTHORS = (
    "Renate", "Jens, Bürgermeister", "Katrin", "Bäckerei Kunze", "Landwirt Hofmann",
    "Tom (17)", "Ortschaftsrat Eschenhain", "Pflegedienst Sonnenschein", "Elternrat GS Birkwalde",
    "Uwe", "Familie Neumann", "Sportverein Rochlitz", "Ingenieurbüro Weber", "Sabine M.",
    "Heike, Kita Talheim", "Malermeister Schulze", "Lena", "Gemeinderat Rabenau", "Frank",
    "Jugendclub Niederau", "Dr. Albrecht, Hausarzt", "Monika (71)", "Autohaus Richter",
)  # fmt: skip

BROADBAND_NOTES = """
Telemedizin-Sprechstunden in der Apotheke im Ort
Videosprechstunde beim Hausarzt statt 30 km Fahrt
Arzttermin per Video, dann muss Oma nicht immer gefahren werden
Telemedizin für die Dörfer, der nächste Facharzt ist ewig weit weg
Pflegedienste mit Tablet und Telemedizin ausstatten
Hausnotruf und Sensoren, damit Ältere länger zu Hause wohnen können
Smart Home für Senioren, z.B. Sturzerkennung
Coworking-Space im alten Bahnhof
Homeoffice, damit junge Familien hierbleiben
Gemeinsames Büro mit schnellem Internet für Pendler
Homeoffice statt jeden Tag 1 Stunde nach Chemnitz pendeln
Coworking im Dorf für alle, die nicht jeden Tag in die Stadt wollen
Rückkehrer aus der Stadt holen: hier arbeiten, remote
Schnelles Internet auch für die Höfe außerhalb
Glasfaser bis ins letzte Haus, nicht nur im Ortskern
Die Aussiedlerhöfe nicht vergessen!!
WLAN in Bussen und an Haltestellen
Freies WLAN am Marktplatz und im Freibad
Öffentliches WLAN in Bibliothek und Jugendclub
Erst mal Funklöcher schließen, Glasfaser bringt im Wald nix
Handyempfang an der B 169 ist eine Katastrophe
Mobilfunk ist wichtiger als Glasfaser, man telefoniert ja unterwegs
Schulen endlich mit schnellem Internet, nicht nur auf dem Papier
Jede Schule braucht WLAN in allen Räumen und Tablets die funktionieren
Digitaler Unterricht, wenn Schüler krank sind oder Schnee liegt
Online-Bestellen beim Dorfladen mit Lieferung
Regionale Produkte online verkaufen, Hofladen mit Webshop
Dorfladen mit digitaler Kasse, rund um die Uhr geöffnet
Smart Farming: Maschinen brauchen Netz auf dem Feld
Landwirtschaft braucht Empfang auf den Äckern für GPS
Handwerksbetriebe brauchen Cloud und Videotelefonie
Streaming von Gemeinderatssitzungen
Kulturveranstaltungen live übertragen für die, die nicht kommen können
Was kostet der Anschluss? Für viele Rentner zu teuer
Anschlusskosten transparent machen, keiner blickt durch
Vertragswirrwarr: welcher Anbieter, welcher Tarif? Beratung bitte
Bauarbeiten besser koordinieren, die Straße wurde 3x aufgerissen
Wann kommt Glasfaser endlich bei uns an? Seit 2 Jahren heißt es bald
Digitale Sprechstunde beim Amt über Video
Glasfaser auch in die Vereinsheime
Kameras für Wildunfälle und Verkehr zählen, Daten für die Planung
Hilfe für Ältere beim Einrichten des neuen Anschlusses
Smartphone-Kurse für Senioren in jedem Ort
Wer hilft beim Router einrichten? Nicht jeder hat Enkel
Internet ist hier echt mies, Homeoffice geht nur mit Hotspot
Videokonferenz bricht dauernd ab. Mit Glasfaser hoffentlich vorbei
Online-Nachhilfe für Schüler auf dem Land
Jugendliche bleiben nur, wenn Internet und Freizeit stimmen
Die Firma kann nur expandieren wenn die Leitung schnell genug ist
Gewerbegebiet zuerst anschließen, da hängen Arbeitsplätze dran
Ich wünsche mir, dass meine Tochter aus Leipzig zurückkommt und hier im Homeoffice
  arbeiten kann. Dafür braucht es stabiles Internet und einen Ort mit Kinderbetreuung.
Als Hausarzt mit zwei Praxen könnte ich per Video viele Kontrolltermine machen, wenn
  auf beiden Seiten die Leitung reicht und die Abrechnung endlich einfach wäre.
Wir sind ein kleiner Betrieb mit 8 Leuten. Ohne schnelles Internet können wir keine
  Pläne mit Kunden teilen, wir fahren USB-Sticks durch die Gegend.
"""

BROADBAND_TEMPLATES = """
Funkloch zwischen {ort} und {ort2}
In {ort} ist das Handynetz immer noch schlecht
{ort} braucht auch Glasfaser, nicht nur die Kernstadt
Wann kommt Glasfaser nach {ort}?
Öffentliches WLAN am Dorfplatz in {ort}
Coworking in {ort}, z.B. im alten Gasthof
Videosprechstunde im Gemeindehaus {ort}
kein Empfang in {ort} am Friedhof, nicht mal Notruf
Arztpraxis in {ort} schließt, Telemedizin wäre Rettung
Schule in {ort} braucht stabiles WLAN
"""

BROADBAND_REPLIES = """
Ohne Netz hilft die schönste Idee nichts
Die Sprechstunde per Video gibt es bei meiner Ärztin schon, klappt gut
Coworking gibt es in Freiberg, wird gut angenommen
Bei uns liegt das Kabel schon, aber keiner ist angeschlossen
Und wer zahlt das?
"""

ADMIN_NOTES = """
Kfz-Zulassung komplett online
Auto ummelden ohne Termin im Landratsamt
Auto anmelden per App, ohne halben Tag Urlaub
Zulassungsstelle online, die Wartezeit ist irre
Bauantrag digital einreichen und den Stand verfolgen
Baugenehmigung online verfolgen statt nachzufragen
Bauantrag ohne 5 Papierkopien in Ordnern
Termine im Bürgeramt per App buchen
Online-Terminvergabe für alle Ämter
Termin online buchen, auch abends
Weniger Papier, mehr Formulare zum Ausfüllen am Handy
Personalausweis beantragen ohne zweimal hinzufahren
Reisepass online beantragen und per Post bekommen
Umzug: Wohnsitz ummelden einmal online, für alle Stellen
Ummelden bitte digital, die anderen Ämter sollen es automatisch wissen
Gewerbe anmelden in 10 Minuten online
Gewerbeanmeldung und Steuernummer in einem Schritt
Hundesteuer online an- und abmelden
Kita-Platz online anmelden, mit Wartelistenstand
Kita-Anmeldung digital und für alle Kitas im Kreis gleich
Elterngeld-Antrag digital, ohne 20 Seiten Papier
Sperrmüll per App bestellen
Müllkalender als App mit Erinnerung
Gebühren online bezahlen, mit PayPal oder Karte
Ein Konto für alle Ämter statt zehn Passwörter
Nur ein Login, BundID oder so, aber dann überall
Formulare in einfacher Sprache bitte
Amtsdeutsch übersetzen, keiner versteht die Bescheide
Auch an Ältere denken, nicht alles nur online
Persönliche Beratung muss bleiben, für die ohne Smartphone
Antragsstatus sehen wie bei einer Paketverfolgung
Ich will sehen, wo mein Antrag gerade liegt
Schlaglöcher per Handy melden, mit Foto und Standort
Mängelmelder App: kaputte Laterne, wilder Müll usw
Gemeinderatssitzungen online mitverfolgen
Ratsinformationen und Beschlüsse leicht auffindbar
Briefwahl online beantragen
Fördermittel beantragen ohne Berater, das muss einfacher werden
Führerschein umtauschen ohne Termin
Angelschein und Jagdschein digital
Bescheinigungen als PDF statt per Post
Führungszeugnis online, geht das schon?
Nachweise nur einmal einreichen, nicht bei jedem Amt neu
Die Ämter sollen untereinander reden, nicht ich mit allen
Öffnungszeiten der Ämter online aktuell halten
Chatbot auf der Website, der wirklich antwortet
Rückruf vom Sachbearbeiter buchen statt Warteschleife
Bürgerbüro im Dorf einmal im Monat, mit Laptop und Verbindung zum Amt
Gebührenbescheide digital ins Postfach
Wasserzähler online melden
Wohngeld online beantragen und nicht 3 Monate warten
Baumfällgenehmigung online, kleine Sache aber nervig
Veranstaltungen anmelden (Dorffest) alles an einer Stelle
Als Bürgermeister einer kleinen Gemeinde wünsche ich mir, dass wir die Software des
  Landkreises mitnutzen können. Allein schaffen wir die Digitalisierung nicht.
Mein Vater ist 84 und hat kein Smartphone. Online ist gut, aber es muss weiter jemand
  da sein, der ihm beim Ausfüllen hilft, am besten im Ort.
Für meinen Handwerksbetrieb brauche ich ständig Nachweise und Genehmigungen. Bitte ein
  digitales Unternehmenskonto, wo alles liegt und Fristen angezeigt werden.
"""

ADMIN_TEMPLATES = """
Bürgerbüro in {ort} wieder öffnen, digital vernetzt
Schlagloch in {ort} per App melden können
Straßenbeleuchtung in {ort} kaputt, online melden wäre super
Termin im Amt ohne Fahrt von {ort} nach Freiberg
Sprechstunde vom Amt per Video im Gemeindehaus {ort}
Müllabfuhr {ort}: Termine als App-Erinnerung
"""

ADMIN_REPLIES = """
Das Onlinezugangsgesetz sollte das schon bis 2022 ...
Die Kfz-Zulassung geht in manchen Kreisen schon online
Bitte nicht wieder 10 verschiedene Apps
Persönlich muss es weiter gehen!
Mit dem neuen Ausweis und PIN geht einiges, aber wer hat die PIN noch?
"""

CLIMATE_NOTES = """
Rufbus per App bestellen
Carsharing im ländlichen Raum
Mitfahrbank digital: Mitfahrgelegenheit aufs Handy
Mitfahr-App für Pendler aus den Dörfern
Fahrgemeinschaften organisieren per App, auch für Schichtarbeiter
Bus auf Bestellung statt leere Busse nach Fahrplan
Rufbus auch abends und am Wochenende
Anrufsammeltaxi per App buchen
Echtzeit-Abfahrten an allen Haltestellen
Busse sollen auf den Zug warten, digital abgestimmt
Eine App für Bus, Bahn und Rufbus mit einem Ticket
Deutschlandticket schön und gut, aber hier fährt kein Bus
E-Autos im Carsharing an der Gemeindeverwaltung
Ladesäulen für E-Autos in jedem Ort, mit Anzeige ob frei
E-Bike-Verleih am Bahnhof
Sichere Radwege zwischen den Dörfern, digital geplant
Intelligente Straßenbeleuchtung, die nur bei Bedarf leuchtet
Straßenlaternen mit Bewegungsmelder
Smart Meter für alle Haushalte
Stromverbrauch in Echtzeit sehen, dann spart man automatisch
Energieverbrauch der Schulen und Turnhallen messen und senken
Heizung in öffentlichen Gebäuden digital steuern
Solaranlagen auf Gemeindedächern digital steuern
PV auf alle Dächer von Schulen und Bauhöfen
Bürgerenergie: Solarpark, an dem sich alle beteiligen
Solarkataster online: lohnt sich mein Dach?
Kommunale Wärmeplanung öffentlich und verständlich machen
Bodenfeuchte-Sensoren für die Landwirtschaft
Präzise düngen mit Sensoren und GPS, spart Dünger und Geld
Bewässerung nur wenn nötig, mit Wetterdaten
Waldbrand-Früherkennung mit Sensoren oder Kameras
Borkenkäfer mit Drohnen früh finden
Hochwasser-Warnung aufs Handy, Pegel online
Starkregen-Warnsystem für die Orte am Bach
Müllcontainer mit Füllstandssensor, weniger Leerfahrten
Reparaturcafé mit Online-Terminbuchung
Tausch- und Verschenkbörse für den Landkreis
Homeoffice spart Pendelfahrten, am meisten CO2 gespart
Weniger Fahrten zum Amt, wenn alles online geht
Lieferfahrten bündeln, nicht 5 Paketdienste pro Dorf
Regionale Lebensmittel online bestellen, kurze Wege
Digitale Zwillinge für die Stadtplanung (Hitze, Grünflächen)
Bäume und Grünflächen per Sensor gießen
Ehrlich gesagt: Rechenzentren brauchen auch viel Strom
Klimaschutz ja, aber bitte nicht alles über Apps
Wer kein Smartphone hat, muss den Rufbus auch telefonisch bestellen können
Ich bin Schichtarbeiterin und komme um 22 Uhr nicht mehr heim ohne Auto. Ein Rufbus
  per App, der auch nachts fährt, würde mir das Zweitauto sparen.
Unser Hof hat Sensoren im Feld ausprobiert. Wir sparen Wasser, aber ohne Netz auf dem
  Acker funktioniert die Hälfte nicht. Beides zusammen denken!
"""

CLIMATE_TEMPLATES = """
Rufbus von {ort} nach {ort2} per App
Carsharing-Auto für {ort}
Ladesäule am Dorfplatz in {ort}
Radweg {ort} - {ort2} endlich bauen
Mitfahrbank in {ort} mit App verbinden
Busanbindung {ort} ist schlecht, Rufbus wäre die Lösung
Hochwasserwarnung für {ort} aufs Handy
Solaranlage auf die Turnhalle in {ort}
"""

CLIMATE_REPLIES = """
Gibt es im Erzgebirgskreis schon, läuft super
Der Rufbus muss aber auch pünktlich sein
Die Sensoren sind teuer, Förderung nötig
Und wer fährt den Bus nachts?
Im Nachbarort gibt es so eine App, keiner kennt sie
"""

NETWORK_NOTES = """
Eine gemeinsame Praktikumsbörse für den ganzen Landkreis
Praktikumsplätze der Betriebe online für Schulen sichtbar machen
Praktikum finden per App, nicht nur über Beziehungen
Alle Ausbildungsplätze im Kreis auf einer Seite
Azubis finden ist schwer, wir brauchen eine gemeinsame Plattform
Digitale Ausbildungsmesse, Betriebe stellen sich per Video vor
Fachkräfte fehlen überall, Betriebe sollen sich zusammentun
Fachkräftemangel: Rückkehrer gezielt ansprechen
Berufsorientierung: Betriebe kommen in die Schule, auch per Video
Schüler sollen in Betriebe reinschnuppern, auch digital
Vereine brauchen Hilfe bei Website und Social Media
Hilfe für Vereine bei Instagram und Co.
Unsere Vereinswebsite ist von 2009, Hilfe!
Digitalwerkstatt für Vereinsvorstände
Schulungen für Ehrenamtliche: Mitgliederverwaltung, Datenschutz
DSGVO macht Vereinen Angst, einfache Beratung bitte
Ehrenamtsbörse: Wer hilft wo mit?
Ehrenamt vermitteln per App, auch für kurze Einsätze
Helfer für ein Fest finden, ohne 20 Leute anzurufen
Ein Veranstaltungskalender für den ganzen Kreis
Alle Termine von Vereinen, Kirche und Gemeinde in einer App
Turnhallen und Räume online buchen
Gemeinderaum reservieren per Online-Kalender
Schüler zeigen Senioren das Smartphone (Handy-Sprechstunde)
Jugendliche als Digitalpaten für Vereine und Ältere
Mentoring: erfahrene Unternehmer helfen Gründern
Gründerstammtisch, digital vernetzt
Betriebsnachfolge: Übergabebörse für kleine Firmen
Viele Betriebe finden keinen Nachfolger, Plattform nötig
Firmen sponsern Technik für Schulen und Vereine
Schulen und Betriebe teilen Werkstätten und 3D-Drucker
Makerspace für Jugendliche und Handwerk
Förderprogramme für Vereine übersichtlich an einer Stelle
Fördermittel-Lotse für Vereine und kleine Firmen
Gemeinsame Plattform Wirtschaft + Schule + Vereine, nicht 10 verschiedene
Nicht noch eine Plattform, die nach einem Jahr tot ist
Wer pflegt die ganzen Portale? Ehrenamt ist schon am Limit
Mitfahrgelegenheit zum Training für Kinder organisieren
Vereinsbeiträge digital einziehen, Kassenwart entlasten
Volkshochschule mit Online-Kursen am Abend
Weiterbildung für Beschäftigte in kleinen Betrieben, online
Ferienjobs für Schüler in der Region auf einer Seite
Betriebe stellen sich im Schulunterricht vor (Videos)
Jugendbeteiligung: Jugendliche digital mitreden lassen
Newsletter vom Landkreis für Vereine und Firmen
Digitale Schwarze Bretter in den Dörfern
Wir sind ein Sportverein mit 300 Mitgliedern und die ganze Verwaltung machen drei
  Leute am Wochenende. Eine einfache Software, die jemand für alle Vereine betreut, wäre Gold.
Als Ausbildungsbetrieb finden wir kaum noch Bewerber. Die Schüler kennen uns nicht,
  obwohl wir 5 km von der Schule entfernt sind. Wir brauchen den Kontakt früher.
"""

NETWORK_TEMPLATES = """
Praktikumsplätze in {ort} und Umgebung online sichtbar machen
Vereinsheim in {ort} als Treffpunkt für Digitalkurse
Handy-Sprechstunde für Senioren in {ort}
Veranstaltungskalender für {ort} und {ort2} zusammen
Ausbildungsbetriebe aus {ort} stellen sich online vor
Turnhalle in {ort} online buchen
"""

NETWORK_REPLIES = """
Das gab es mal, ist eingeschlafen, weil keiner es gepflegt hat
Wir würden als Betrieb sofort mitmachen
Unser Verein sucht genau so was
Meine Tochter hätte so ein Praktikum gern gefunden
Wer kümmert sich dauerhaft darum?
"""

# Replies that fit a note at any station.
REPLIES = """
Genau so!
Sehe ich genauso
Das wäre super
Wichtig!!
+1, dringend
Unbedingt, aber bitte einfach für Ältere
Stimmt, das nervt seit Jahren
Bei uns auch
Hab ich auch schon gedacht
Ja, wäre eine große Hilfe
Gute Idee, wer kümmert sich?
Da gab es mal ein Pilotprojekt, was ist daraus geworden?
Nicht nur digital, bitte auch persönlich
Dafür brauchen wir erst mal stabiles Netz
Wie sieht es mit dem Datenschutz aus?
Ich würde mitmachen
Ja! Meine Mutter (82) bräuchte das
Bin dabei
Bitte nicht nur in der Kreisstadt
Hoffentlich nicht erst 2035
"""

# What each station's notes are drawn from, in the demo's station order.
STATION_PHRASES = (
    (BROADBAND_NOTES, BROADBAND_TEMPLATES, BROADBAND_REPLIES),
    (ADMIN_NOTES, ADMIN_TEMPLATES, ADMIN_REPLIES),
    (CLIMATE_NOTES, CLIMATE_TEMPLATES, CLIMATE_REPLIES),
    (NETWORK_NOTES, NETWORK_TEMPLATES, NETWORK_REPLIES),
)


def lines(block: str) -> list[str]:
    """The notes of a block: one per line, an indented line continues the one above."""
    out: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        if line[0].isspace() and out:
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
    return out
