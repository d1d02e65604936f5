"""Export benchmark: a synthetic 5,000-note workshop through every builder, best of 3.

    .venv/bin/python bench/export.py              # 5,000 notes, 6 stations
    .venv/bin/python bench/export.py --notes 20000

Target: XLSX in at most 3 s on a 2-core laptop. Prints figures, never asserts them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stations.export import (  # noqa: E402
    ExportCluster,
    ExportNote,
    ExportStation,
    ExportWorkshop,
    to_csv,
    to_json_bytes,
    to_markdown,
    to_xlsx,
)

WORDS = [
    "Glasfaser",
    "Förderung",
    "Verwaltung",
    "online",
    "Termin",
    "Schule",
    "Tablet",
    "Datenschutz",
    "Bürger",
    "Ämter",
    "Kosten",
    "Netz",
    "Dorf",
    "Stadt",
    "schnell",
    "sicher",
    "offen",
    "digital",
    "Plattform",
    "Service",
]


def synthetic(notes: int, stations: int = 6, seed: int = 7) -> ExportWorkshop:
    """Notes of 5-40 words, a few multi-line, clusters of 2-12 notes plus singles."""
    rng = random.Random(seed)  # fixed seed: the same workshop on every run
    start = datetime(2024, 5, 3, 9, 0)
    built, note_id = [], 0
    for number in range(1, stations + 1):
        station_notes, clusters, pending = [], [], []
        for _ in range(notes // stations):
            note_id += 1
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
            if rng.random() < 0.1:
                text += "\nzweite Zeile"
            if not pending or len(pending) >= rng.randint(2, 12):
                if len(pending) >= 2:
                    clusters.append(
                        ExportCluster(f"s{number}c{len(clusters)}", "Thema", tuple(pending))
                    )
                pending = []
            cluster = None
            if rng.random() < 0.85:
                pending.append(note_id)
                cluster = f"s{number}c{len(clusters)}"
            station_notes.append(
                ExportNote(
                    note_id,
                    text,
                    rng.choice([None, "Anna", "Jürgen"]),
                    start + timedelta(seconds=note_id),
                    hidden=rng.random() < 0.02,
                    cluster=cluster,
                    plus_ones=rng.randint(0, 5),
                    votes=rng.randint(0, 3),
                    replies=("Gute Idee",) if rng.random() < 0.1 else (),
                )
            )
        if pending:
            clusters.append(ExportCluster(f"s{number}c{len(clusters)}", "Thema", tuple(pending)))
        built.append(
            ExportStation(
                number, f"Station {number}", "Was fehlt?", tuple(station_notes), tuple(clusters)
            )
        )
    return ExportWorkshop("BENCH", "Benchmark", "de", start, tuple(built), 300)


def best_of(runs: int, build: Callable[[], object]) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(runs):
        began = time.perf_counter()
        result = build()
        best = min(best, time.perf_counter() - began)
        size = len(result) if isinstance(result, bytes | str) else 0
    return best, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workshop = synthetic(args.notes)
    count = sum(len(s.notes) for s in workshop.stations)
    print(
        f"{count} notes, {len(workshop.stations)} stations, "
        f"{sum(len(s.clusters) for s in workshop.stations)} clusters; best of {args.runs}"
    )
    builders: dict[str, Callable[[], object]] = {
        "xlsx": lambda: to_xlsx(workshop),
        "csv": lambda: to_csv(workshop),
        "json": lambda: to_json_bytes(workshop),
        "markdown": lambda: to_markdown(workshop),
    }
    for name, build in builders.items():
        seconds, size = best_of(args.runs, build)
        print(f"  {name:9s} {seconds * 1000:8.1f} ms  {size / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
