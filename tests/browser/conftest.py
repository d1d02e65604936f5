"""Chromium journeys against the real server: `gallery serve` (gunicorn + gevent) on loopback.

Debian's chromium is driven by pip's playwright (`playwright install` cannot download here).
Without either the suite skips, except under CI=true, where a missing browser is a failure:
a green CI run must mean the journeys ran.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import free_port, gallery_bin, need, stop

CHROMIUM = os.environ.get("GALLERY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# One preset per kind of screen a workshop has.
SCREENS = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "de-DE",
    },
    "wall": {"viewport": {"width": 1920, "height": 1080}, "locale": "de-DE"},
    "display": {"viewport": {"width": 1280, "height": 800}, "locale": "de-DE"},
    "laptop": {"viewport": {"width": 1280, "height": 900}, "locale": "de-DE"},
}


@dataclass
class Server:
    """A running `gallery serve` and the means to seed it and read its API."""

    url: str
    db: Path
    workdir: Path
    gallery: Path
    env: dict[str, str] = field(repr=False)

    def seed(self, *command: str) -> dict:
        """Run a seeding command (`demo`, `workshop new ...`) on the server's database; the
        workshop's links as printed by `--json`."""
        links = [*command, "--json", "--db", str(self.db), "--public-url", self.url]
        links += ["--port", self.url.rsplit(":", 1)[1]]
        done = subprocess.run(
            [str(self.gallery), *links],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            pytest.fail(f"gallery {' '.join(command)} failed:\n{done.stderr}")
        return json.loads(done.stdout)

    def demo(self) -> dict:
        """A fresh German demo workshop: four stations with a few notes each."""
        return self.seed("demo")

    def get_json(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)

    def post_note(self, token: str, text: str) -> dict:
        """A note through the JSON API, as a phone's HTTP fallback would send it."""
        body = json.dumps({"text": text, "client_id": os.urandom(8).hex()}).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v1/stations/{token}/notes",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["note"]

    def notes(self, token: str) -> list[dict]:
        return self.get_json(f"/api/v1/stations/{token}")["notes"]


def _clean_env(workdir: Path) -> dict[str, str]:
    # The caller's GALLERY_* settings (an admin password, a message queue, ...) must not
    # leak into the server under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERY_")}
    env["GALLERY_INSTANCE_PATH"] = str(workdir / "instance")
    # The session's seeding posts many notes from this one machine without cookies (one shared
    # budget); the limits have their own tests (tests/test_limits.py).
    env["GALLERY_RATE_LIMITS"] = "false"
    return env


def _wait_until_up(process: subprocess.Popen, url: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gallery serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"gallery serve did not answer on {url} within {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    gallery = gallery_bin()
    need(gallery is not None, "the gallery console script is not installed (pip install -e .)")
    workdir = tmp_path_factory.mktemp("server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _clean_env(workdir)
    log = workdir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(gallery),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--db",
                str(workdir / "gallery.db"),
                "--public-url",
                url,
            ],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends master and workers
        )
    try:
        _wait_until_up(process, url, log)
        yield Server(
            url=url, db=workdir / "gallery.db", workdir=workdir, gallery=Path(gallery), env=env
        )
    finally:
        stop(process)  # SIGTERM to the group (gunicorn's graceful stop), SIGKILL after 15 s


@pytest.fixture(scope="session")
def browser():
    need(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is missing (apt install chromium)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Error as err:
            need(False, f"chromium does not start: {err}")
        yield browser
        browser.close()


class People:
    """Each simulated person gets their own browser context (own cookies, storage, network).

    Uncaught page errors and alert() dialogs are collected: both fail the test at teardown.
    """

    def __init__(self, browser, server: Server, artifacts: Path, test_name: str) -> None:
        self.browser = browser
        self.server = server
        self.artifacts = artifacts
        self.test_name = test_name
        self.contexts = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []

    def new(self, screen: str, **options):
        """A new person in front of a "phone", "wall", "display" or "laptop"."""
        context = self.browser.new_context(
            base_url=self.server.url, **{**SCREENS[screen], **options}
        )
        context.set_default_timeout(10_000)
        context.on("page", self._watch)
        self.contexts.append(context)
        return context

    def page(self, screen: str, **options):
        return self.new(screen, **options).new_page()

    def _watch(self, page) -> None:
        page.on("pageerror", lambda err: self.page_errors.append(f"{page.url}: {err}"))

        def dialog(d):
            self.dialogs.append(f"{page.url}: {d.type} {d.message}")
            d.dismiss()

        page.on("dialog", dialog)

    def shot(self, page, name: str, *, full_page: bool = False) -> Path:
        path = self.artifacts / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser, server, artifacts, request):
    crowd = People(browser, server, artifacts, request.node.name)
    yield crowd
    crowd.close()
    assert not crowd.page_errors, "uncaught JavaScript errors:\n" + "\n".join(crowd.page_errors)
    assert not crowd.dialogs, "unexpected dialogs (script injection?):\n" + "\n".join(crowd.dialogs)


@pytest.fixture
def workshop(server) -> dict:
    return server.demo()
