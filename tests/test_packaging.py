"""A plain `pip install .` (a wheel, not the checkout) carries every page and asset."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import need

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    try:
        import hatchling  # noqa: F401
    except ImportError:
        need(False, "hatchling is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("gallery_walk-*.whl")
    with zipfile.ZipFile(path) as zf:
        return set(zf.namelist()), zf.read(
            next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        ).decode()


def test_wheel_ships_templates_static_and_translations(wheel):
    names, _ = wheel
    for template in (ROOT / "templates").rglob("*.html"):
        assert "gallery/templates/" + str(template.relative_to(ROOT / "templates")) in names
    for asset in (ROOT / "static").rglob("*"):
        if asset.is_file():
            assert "gallery/static/" + str(asset.relative_to(ROOT / "static")) in names
    assert "gallery/translations/de/LC_MESSAGES/messages.mo" in names
    assert "gallery/translations/de@du/LC_MESSAGES/du.mo" in names
    assert "stations/notes.py" in names


def test_wheel_has_the_console_script(wheel):
    _, entry_points = wheel
    assert "gallery = gallery.cli:main" in entry_points
