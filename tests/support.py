"""Helpers shared by the test modules: skipping (or failing under CI) on missing tools,
free ports, and starting the real server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("GALLERY_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def app_config(folder: Path, database: str = "test.db", **overrides) -> dict:
    """Settings of a test app: a temporary SQLite file (never :memory:, which dies with its
    connection), threading mode, clustering inline (deterministic); `overrides` on top."""
    return {
        "DATABASE": str(folder / database),
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "test-secret",
        "ASYNC_MODE": "threading",
        "PUBLIC_URL": "http://gallery.test",
        "CLUSTER_DELAY": 0,
        "PHONE_BATCH": 0,  # phones hear each note at once, as its own notes_posted
        "TIMEZONE": "UTC",  # reports and exports alike on every machine
        **overrides,
    }


def need(condition: bool, reason: str) -> None:
    """Skip when a service or tool is missing; under CI=true that is a failure instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def gallery_bin() -> str | None:
    candidate = Path(sys.executable).with_name("gallery")
    return str(candidate) if candidate.exists() else shutil.which("gallery")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url, timeout=3).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.2)
    stop(process, signal.SIGKILL)
    log = Path(getattr(process, "log_path", ""))
    err = log.read_text()[-2000:] if log.is_file() else ""
    pytest.fail(f"server at {url} did not start: {err}")


def start_server(port: int, db: str, env: dict, *extra: str) -> subprocess.Popen:
    """`gallery serve` on loopback in its own process group (so stop() ends its workers)."""
    exe = gallery_bin()
    need(exe is not None, "the gallery console script is not installed")
    base = f"http://127.0.0.1:{port}"
    argv = [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db,
            "--public-url", base, *extra]  # fmt: skip
    log_path = Path(db).with_suffix(".log")  # a file, not a pipe: a chatty server never blocks
    with log_path.open("ab") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=log, start_new_session=True)
    process.log_path = str(log_path)
    wait_until_up(base + "/", process)
    return process


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


PG = os.environ.get("GALLERY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def pg_admin():
    """An autocommit connection to the test PostgreSQL (skip, or fail under CI, without it)."""
    try:
        import psycopg2
    except ImportError:
        need(False, "psycopg2 is not installed (pip install -e '.[test]')")
    try:
        admin = psycopg2.connect(PG, connect_timeout=3)
    except psycopg2.OperationalError as err:
        need(False, f"PostgreSQL is not reachable at {PG}: {err}")
    admin.autocommit = True
    return admin
