"""stations.rotation with a fake clock."""

import pytest

from stations.rotation import RotationError, Schedule, Timer, group_names, on_phase, progress


def test_group_names():
    assert group_names(3) == ["A", "B", "C"]
    with pytest.raises(RotationError):
        group_names(0)
    with pytest.raises(RotationError):
        group_names(27)


def test_every_group_sees_every_station_once():
    s = Schedule(groups=4, stations=4, minutes=10)
    for g in range(4):
        assert sorted(s.station_of(g, r) for r in range(s.rounds)) == [0, 1, 2, 3]
    for r in range(s.rounds):  # never two groups at one station when they fit
        assert len(set(s.positions(r).values())) == 4


def test_more_groups_than_stations_share():
    s = Schedule(groups=5, stations=2, minutes=5)
    assert s.rounds == 2
    assert s.groups_at(0, 0) == ["A", "C", "E"]
    assert s.positions(1)["A"] == 1


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"groups": 2, "stations": 0, "minutes": 5}, "no_stations"),
        ({"groups": 2, "stations": 3, "minutes": 0.1}, "invalid_minutes"),
        ({"groups": 30, "stations": 3, "minutes": 5}, "invalid_groups"),
    ],
)
def test_bad_schedules(kwargs, code):
    with pytest.raises(RotationError) as err:
        Schedule(**kwargs)
    assert err.value.code == code


def test_timer_runs_pauses_resumes():
    s = Schedule(groups=2, stations=3, minutes=10)
    t = Timer()
    assert t.remaining(s, 0) == 600
    t = t.start(1000)
    assert t.remaining(s, 1060) == 540
    t = t.pause(1060)
    assert t.remaining(s, 5000) == 540  # paused: time stands still
    t = t.start(5000)
    assert t.remaining(s, 5100) == 440


def test_rounds_advance_by_themselves_without_drift():
    s = Schedule(groups=2, stations=3, minutes=10)
    t = Timer().start(0)
    snap = t.snapshot(s, 601)
    assert snap["round"] == 2 and snap["remaining"] == pytest.approx(599)
    assert snap["positions"] == {"A": 1, "B": 2} and snap["next_positions"] == {"A": 2, "B": 0}
    later = t.advance(s, 1250)  # a server restart in between changes nothing
    assert later.round == 2 and later.since == 1200
    assert t.advance(s, 1800).state == "finished"
    assert t.snapshot(s, 1800)["next_positions"] is None


def test_next_and_stop():
    s = Schedule(groups=2, stations=2, minutes=5)
    t = Timer().next(s, 10)  # "next" before start starts
    assert t.state == "running" and t.round == 0
    t = t.next(s, 20)
    assert t.round == 1 and t.remaining(s, 20) == 300
    assert t.next(s, 30).state == "finished"
    paused = Timer().start(0).pause(100).next(s, 200)
    assert paused.state == "paused" and paused.round == 1 and paused.remaining(s, 999) == 300
    assert Timer().start(0).stop().state == "finished"
    assert Timer().start(0).stop().start(50).round == 0  # start again from the beginning


def test_entering_the_results_pauses_a_running_walk():
    s = Schedule(groups=2, stations=3, minutes=10)
    running = Timer().start(0)
    paused = on_phase(running, "results", s, 60)
    assert paused.state == "paused" and paused.remaining(s, 9999) == 540  # as "pause" would
    for phase in ("collect", "review", "vote"):
        assert on_phase(running, phase, s, 60) is running
    for timer in (Timer(), running.pause(30), running.stop()):  # nothing running: unchanged
        assert on_phase(timer, "results", s, 60) == timer
    assert on_phase(paused, "collect", s, 120) is paused  # leaving the results resumes nothing


def test_progress_counts_the_rounds_begun_and_says_how_the_walk_ended():
    s = Schedule(groups=4, stations=4, minutes=5)
    assert progress(Timer(), s, now=0) == (0, "planned")
    running = Timer().start(now=0)
    assert progress(running, s, now=60) == (1, "running")
    assert progress(running, s, now=5 * 60 + 1) == (2, "running")  # the clock moved it on
    second = running.next(s, now=120)
    assert progress(second.pause(now=130), s, now=999) == (2, "paused")
    assert progress(second.stop(), s, now=999) == (2, "stopped")  # the round it cut short counts
    last = second.next(s, 200).next(s, 300)
    assert progress(last.stop(), s, now=999) == (4, "done")  # stopped in the last round
    assert progress(last.next(s, 400), s, now=999) == (4, "done")
    assert progress(running, s, now=4 * 5 * 60) == (4, "done")  # the timer ran out by itself
