"""stations.codes and POST /join: a station code works however a phone's keyboard typed it."""

import pytest

from stations.codes import normalise, readings


@pytest.mark.parametrize(
    "typed",
    ["4JWZ4-1", "4JWZ4 1", "4JWZ41", "4jwz41", "4JWZ4–1", "4JWZ4 — 1", "4jwz4−1",
     " 4JWZ4\u00a0-\u00a01 ", "４ＪＷＺ４－１", "4JWZ4_1", "4JWZ4/1"],
)  # fmt: skip
def test_every_way_of_typing_station_one_reads_as_it(typed):
    assert ("4JWZ4", 1) in readings(typed, 5)


def test_a_code_alone_is_the_workshop_first():
    assert readings("4jwz4", 5) == [("4JWZ4", None)]
    assert readings("4JWZ412", 5) == [("4JWZ412", None), ("4JWZ4", 12)]
    assert readings("  ", 5) == [] and normalise("– 4jwz4 –") == "4JWZ4"


def test_a_dash_without_a_number_is_the_workshop():
    assert readings("4JWZ4-", 5) == [("4JWZ4", None)]
    assert readings("4JWZ4-x", 5) == [("4JWZ4", None)]


@pytest.mark.parametrize("typed", ["{code} 2", "{code}2", "{lower}2", "{code}–2", "{lower} - 2"])
def test_join_opens_the_station_however_typed(client, workshop, typed):
    ws, _, (_, s2) = workshop
    code = typed.format(code=ws.code, lower=ws.code.lower())
    assert client.post("/join", data={"code": code}).headers["Location"].endswith(f"/s/{s2.token}")


def test_a_missing_station_shows_the_workshops_list_and_says_so(client, workshop):
    ws, _, _ = workshop
    answer = client.post("/join", data={"code": f"{ws.code}-9"})
    assert answer.headers["Location"].endswith(f"/j/{ws.code}?missing=9")
    page = client.get(answer.headers["Location"]).get_data(True)
    assert 'role="alert"' in page and "9" in page and "Breitband" in page


def test_an_unknown_code_says_so_and_keeps_what_was_typed(client, workshop):
    answer = client.post("/join", data={"code": "zzzzz 3"})
    assert answer.status_code == 404
    page = answer.get_data(True)
    assert 'role="alert"' in page and 'value="zzzzz 3"' in page
