"""The `gallery` command line."""

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from gallery.cli import main


def run(*args, input=None, env=None):
    result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return result


def test_workshop_new_json(tmp_path):
    db = str(tmp_path / "cli.db")
    result = run(
        "workshop",
        "new",
        "Digital-Gipfel",
        "--station",
        "Breitband: Was kommt danach?",
        "--station",
        "Verwaltung",
        "--lang",
        "de",
        "--json",
        "--db",
        db,
        "--public-url",
        "http://10.0.0.5:8000",
        env={"GALLERY_INSTANCE_PATH": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["workshop"]) >= {"code", "key", "wall_url"}
    assert data["workshop"]["wall_url"].startswith("http://10.0.0.5:8000/w/")
    assert [s["title"] for s in data["stations"]] == ["Breitband", "Verwaltung"]
    assert all(s["url"].startswith("http://10.0.0.5:8000/s/") for s in data["stations"])
    assert all(set(s) >= {"token", "title", "url"} for s in data["stations"])


def test_workshop_new_refuses_bad_input(tmp_path):
    env = {"GALLERY_INSTANCE_PATH": str(tmp_path)}
    db = str(tmp_path / "cli.db")
    no_station = run("workshop", "new", "T", "--db", db, env=env)
    assert no_station.exit_code != 0 and "--station" in no_station.output
    empty_title = run(
        "workshop", "new", ": frage", "--station", ": ohne Titel", "--db", db, env=env
    )
    assert empty_title.exit_code != 0


def test_demo_prints_links_and_creates_clustered_notes(tmp_path):
    result = run(
        "demo",
        "--json",
        "--db",
        str(tmp_path / "d.db"),
        "--public-url",
        "http://192.168.1.20:8000",
        env={"GALLERY_INSTANCE_PATH": str(tmp_path)},
    )
    data = json.loads(result.stdout)
    assert "Digital-Gipfel" in data["workshop"]["title"]
    titles = [s["title"] for s in data["stations"]]
    assert "Moderne Verwaltung" in titles and "Klimaschutz durch Digitalisierung" in titles
    assert all("localhost" not in s["url"] for s in data["stations"])


def test_cluster_contract():
    walls = [
        [
            "Rufbus per App bestellen",
            "Carsharing im ländlichen Raum",
            "Smart Meter für alle",
            "Solar vom Dach",
            "Bürgerbus am Wochenende",
        ],
        [],
        ["eins"],
    ]
    lines = "\n".join(json.dumps(w, ensure_ascii=False) for w in walls) + "\nkein json\n[1, 2]\n"
    result = run("cluster", "--lang", "de", input=lines)
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    for wall, answer in zip(walls, out, strict=False):
        indexes = sorted(i for c in answer["clusters"] for i in c["notes"])
        assert indexes == list(range(len(wall)))  # every note in exactly one cluster
        assert all(isinstance(c["label"], str) for c in answer["clusters"])
    assert out[3]["error"]["code"] == "invalid_json"
    assert out[4]["error"]["code"] == "not_a_list_of_strings"


def test_cluster_answers_each_line_before_the_next_is_written():
    """A driving program writes one wall, reads its answer, then writes the next: each
    answer must come out (flushed) before more input arrives."""
    gallery = Path(sys.executable).with_name("gallery")
    proc = subprocess.Popen(
        [str(gallery), "cluster", "--lang", "de"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
    )  # fmt: skip
    try:
        walls = [
            {"notes": ["Glasfaser fehlt", "Funkloch B169", "Rufbus am Abend"]},
            {"notes": ["Glasfaser fehlt", "Funkloch B169", "Rufbus am Abend"],
             "previous": [{"id": "a", "notes": [0, 1]}, {"id": "b", "notes": [2]}],
             "moves": {"1": "b"}},
        ]  # fmt: skip
        answers = []
        for wall in walls:
            proc.stdin.write(json.dumps(wall) + "\n")
            proc.stdin.flush()
            answers.append(json.loads(proc.stdout.readline()))
        home = {n: c["id"] for c in answers[1]["clusters"] for n in c["notes"]}
        assert home == {0: "a", 1: "b", 2: "b"}
        assert sorted(n for c in answers[0]["clusters"] for n in c["notes"]) == [0, 1, 2]
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
