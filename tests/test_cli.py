"""The `gallery` command line."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from click.testing import CliRunner

from gallery.cli import main
from gallery.web.links import serve_command
from tests.support import free_port, gallery_bin, need, stop, wait_until_up


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


@pytest.mark.server
def test_demo_ends_with_the_serve_command_that_serves_its_links(tmp_path):
    """`gallery demo --port P` said "gallery serve" (port 8000) under links to P, and said it
    on standard error, where a log that kept the streams apart glued it to the last link. Now
    its last lines, on standard output, name the command; run as printed from another
    folder, it serves every link."""
    gallery = gallery_bin()
    need(gallery is not None, "the gallery console script is not installed")
    port, instance = free_port(), tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERY_")}
    base = f"http://127.0.0.1:{port}"
    done = subprocess.run(
        [gallery, "demo", "--port", str(port), "--public-url", base, "--db", "demo.db"],
        cwd=tmp_path, env={**env, "GALLERY_INSTANCE_PATH": str(instance)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = done.stdout.splitlines()
    command = (f"GALLERY_INSTANCE_PATH={instance} gallery serve --port {port} "
               f"--public-url {base} --db {tmp_path / 'demo.db'}")  # fmt: skip
    assert lines[-3:] == ["", "Start the server with:", f"  {command}"]
    phones = [line.split("phone: ")[1] for line in lines if "phone: " in line]
    assert len(phones) == 4 and all(url.startswith(base + "/s/") for url in phones)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = f"{Path(gallery).parent}{os.pathsep}{env.get('PATH', '')}"
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(["bash", "-c", command], cwd=elsewhere,
                                  env={**env, "PATH": path}, stdout=log, stderr=log,
                                  start_new_session=True)  # fmt: skip
    server.log_path = str(tmp_path / "serve.log")
    try:
        wait_until_up(base + "/", server)
        for url in phones:
            page = requests.get(url, timeout=10)
            assert page.status_code == 200 and "Digital-Gipfel" in page.text, url
    finally:
        stop(server)
    assert not (elsewhere / "instance").exists()  # the demo's instance folder, not a new one


def test_the_serve_command_names_a_server_database_without_its_password(tmp_path, monkeypatch):
    monkeypatch.delenv("GALLERY_INSTANCE_PATH", raising=False)
    monkeypatch.delenv("GALLERY_PUBLIC_URL", raising=False)
    monkeypatch.setenv("GALLERY_DATABASE", "postgresql://gallery:geheim@db/gallery")
    app = SimpleNamespace(config={"DATABASE_URL": "postgresql://gallery:geheim@db/gallery"},
                          instance_path=str(tmp_path))  # fmt: skip
    assert serve_command(app, None, None, 8000) == 'gallery serve --db "$GALLERY_DATABASE"'
    typed = serve_command(app, "http://10.0.0.5:8001", "postgresql://gallery:geheim@db/g", 8001)
    assert typed == (
        "gallery serve --port 8001 --public-url http://10.0.0.5:8001 "
        "--db postgresql://gallery:geheim@db/g"
    )  # they typed it themselves
    monkeypatch.delenv("GALLERY_DATABASE")
    default = SimpleNamespace(config={"DATABASE_URL": "sqlite:///x/instance/gallery.db"},
                              instance_path="x/instance")  # fmt: skip
    assert serve_command(default, None, None, 8000) == "gallery serve"


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
