"""A workshop's results as plain data for `stations.export`, read from the models.

Every export (downloads, the printable report, `gallery export`) goes through `collect`, so
they all show the same thing: the notes, their topic clusters and, as they exist, votes and
replies.
"""

from __future__ import annotations

from peewee import fn

from stations.export import ExportCluster, ExportNote, ExportStation, ExportWorkshop
from stations.phases import PHASES
from stations.results import Score, rank_station

from ..clustering.store import clusters_state, topics_of
from ..store.db import write_transaction
from ..store.models import Cluster, Note, PlusOne, Reply, Station, Vote, Workshop
from .reactions import note_extras
from .walk import rotation_record


def _station(station: Station) -> ExportStation:
    clusters = station.ordered_clusters()
    key_of = {c.id: c.key for c in clusters}
    notes = list(station.notes.order_by(Note.created_at, Note.id))
    extras = note_extras([n.id for n in notes], stations=[station.id], hidden_replies=True)
    members: dict[str, list[int]] = {c.key: [] for c in clusters}
    for note in notes:
        if note.cluster_id in key_of and not note.hidden:
            members[key_of[note.cluster_id]].append(note.id)
    return ExportStation(
        number=station.number,
        title=station.title,
        prompt=station.prompt,
        topics=tuple(topics_of(station.topics)),
        notes=tuple(
            ExportNote(
                id=n.id,
                text=n.text,
                author=n.author,
                created_at=n.created_at,
                hidden=n.hidden,
                cluster=None if n.hidden else key_of.get(n.cluster_id),
                plus_ones=extras[n.id]["plus_ones"],
                votes=extras[n.id]["votes"],
                replies=_reply_texts(extras[n.id]["replies"]),
                hidden_replies=_reply_texts(extras[n.id]["hidden_replies"]),
            )
            for n in notes
        ),
        clusters=tuple(
            ExportCluster(id=c.key, label=c.label, note_ids=tuple(members[c.key]))
            for c in clusters
            if members[c.key]
        ),
    )


def _reply_texts(replies: list[dict]) -> tuple[str, ...]:
    return tuple(r["text"] + (f" ({r['author']})" if r["author"] else "") for r in replies)


def participants(workshop: Workshop) -> int:
    """Distinct anonymous participants who posted (paper notes typed in count as none)."""
    counted = (
        Note.select(fn.COUNT(Note.participant.distinct()))
        .join(Station)
        .where((Station.workshop == workshop) & (Note.participant != ""))
        .scalar()
    ) or 0
    return counted + workshop.imported_participants


# Notes written per transaction by an import: a server on the same database waits at most
# for one such batch (with their +1s, dots and replies) between two of its own writes.
IMPORT_BATCH = 100


def restore(data: ExportWorkshop) -> tuple[Workshop, str]:
    """Recreate an exported workshop (`gallery import`): stations, notes with their times,
    authors and hidden flags, clusters with their labels. A new facilitator key is made (the
    export never contains one); the code is kept unless another workshop has it. Written in
    short transactions (IMPORT_BATCH notes each); if one fails, the workshop is removed."""
    with write_transaction():
        workshop, key = Workshop.create_with_key(data.title, data.language)
        if not Workshop.select().where(Workshop.code == data.code).exists():
            workshop.code = data.code
        workshop.created_at = data.created_at
        workshop.place = data.place
        workshop.timezone = data.timezone
        workshop.imported_participants = data.participants
        workshop.save()
    try:
        for position, item in enumerate(data.stations):
            _restore_station(workshop, position, item)
    except BaseException:
        with write_transaction():
            workshop.delete_instance()
        raise
    return workshop, key


def _restore_station(workshop: Workshop, position: int, item) -> None:
    with write_transaction():
        station = Station.create(
            workshop=workshop, title=item.title, prompt=item.prompt, position=position,
            topics="\n".join(item.topics),
        )  # fmt: skip
        rows = {}
        for index, cluster in enumerate(item.clusters):
            rows[cluster.id] = Cluster.create(
                station=station, key=cluster.id, label=cluster.label, position=index,
                label_manual=True,  # as the facilitator left it
            )  # fmt: skip
        last = max((int(k[1:]) for k in rows if k[1:].isdigit()), default=0)
        Station.update(cluster_seq=last).where(Station.id == station.id).execute()
    notes = list(enumerate(item.notes))
    for start in range(0, len(notes), IMPORT_BATCH):
        with write_transaction():
            for n, note in notes[start : start + IMPORT_BATCH]:
                row = Note.create(
                    station=station, text=note.text, author=note.author,
                    client_id=f"import{note.id:08d}{n:04d}", created_at=note.created_at,
                    hidden=note.hidden, cluster=rows.get(note.cluster),
                    cluster_manual=note.cluster in rows,
                )  # fmt: skip
                _restore_reactions(station, row, note)


def _restore_reactions(station: Station, row: Note, note) -> None:
    """An export keeps counts and reply texts, not who gave them: the import recreates
    them under stand-in participants ("import<n>"), so the counts come out the same."""
    stand_ins = [f"import{i}" for i in range(max(note.plus_ones, note.votes))]
    if note.plus_ones:
        PlusOne.insert_many([(row.id, p) for p in stand_ins[: note.plus_ones]],
                            fields=[PlusOne.note, PlusOne.participant]).execute()  # fmt: skip
    if note.votes:
        Vote.insert_many([(station.id, row.id, p) for p in stand_ins[: note.votes]],
                         fields=[Vote.station, Vote.note, Vote.participant]).execute()  # fmt: skip
    replies = [(text, f"import{row.id:08d}{i:04d}", False) for i, text in enumerate(note.replies)]
    replies += [(text, f"import{row.id:08d}h{i:04d}", True)
                for i, text in enumerate(note.hidden_replies)]  # fmt: skip
    if replies:
        fields = [Reply.note, Reply.text, Reply.client_id, Reply.hidden]
        Reply.insert_many([(row.id, *r) for r in replies], fields=fields).execute()


def collect(workshop: Workshop) -> ExportWorkshop:
    return ExportWorkshop(
        code=workshop.code,
        title=workshop.title,
        language=workshop.language,
        created_at=workshop.created_at,
        stations=tuple(_station(s) for s in workshop.ordered_stations()),
        participants=participants(workshop),
        place=workshop.place,
        timezone=workshop.timezone,
    )


def protocol(workshop: Workshop) -> dict:
    """What the printed results protocol says beyond the export data: how the workshop was
    run (phases, rotation, dots per person) and who took part (phones, paper notes)."""
    data = collect(workshop)
    visible = [n for s in data.stations for n in s.notes if not n.hidden]
    used = set(PHASES[: PHASES.index(workshop.phase) + 1] if workshop.phase in PHASES else ())
    # The phase only moves forward in practice, but a facilitator may step back: what was
    # given in a phase also shows it was used.
    used |= {"collect"} if visible else set()
    used |= {"review"} if any(n.replies or n.plus_ones for n in visible) else set()
    used |= {"vote"} if any(n.votes for n in visible) else set()
    paper = (
        Note.select()
        .join(Station)
        .where((Station.workshop == workshop) & (Note.source == "paper") & ~Note.hidden)
        .count()
    )
    return {
        "data": data,
        # The day of the workshop: a workshop is often set up days before its first note.
        "held": min((n.created_at for n in visible), default=data.created_at),
        "phases": [p for p in PHASES if p in used],
        "dots": workshop.dots,
        "rotation": rotation_record(workshop),  # how many rounds ran, not only were planned
        "notes": len(visible),
        "hidden": sum(1 for s in data.stations for n in s.notes if n.hidden),
        "paper": paper,
        "replies": sum(len(n.replies) for n in visible),
        "plus_ones": sum(n.plus_ones for n in visible),
        "votes": sum(n.votes for n in visible),
    }


def station_results(station: Station, participant: str = "") -> dict:
    """A station's results for its phone page after the walk, ranked by `stations.results` as
    the wall ranks them: topic groups and single ideas with dots in one ranking (`board`),
    each group's notes by dots and +1s, the single ideas without dots (`rest`), the top
    notes, and which notes this participant posted (highlighted)."""
    notes = {n.id: n for n in station.visible_notes()}
    extras = note_extras(list(notes), stations=[station.id])
    scores = {i: Score(extras[i]["votes"], extras[i]["plus_ones"]) for i in notes}
    state = clusters_state(station)
    ranking = rank_station(
        [(c["label"], c["note_ids"], c["single"]) for c in state["clusters"]],
        state["unclustered"],
        scores,
    )

    def items(ids) -> list[dict]:
        return [{"note": notes[i], **extras[i],
                 "mine": bool(participant) and notes[i].participant == participant}
                for i in ids]  # fmt: skip

    def entries(groups) -> list[dict]:
        return [{"label": g.label, "notes": items(g.note_ids), "votes": g.votes} for g in groups]

    mine = sum(1 for n in notes.values() if participant and n.participant == participant)
    return {"groups": entries(ranking.groups), "singles": items(ranking.singles),
            "board": entries(ranking.board), "rest": items(ranking.rest),
            "top": items(ranking.top), "count": len(notes), "mine": mine}  # fmt: skip
