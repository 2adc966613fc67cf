"""The benchmark's landing folders: a generated (or given) extract at the chosen scale, and the
run's own folder of links to it, where the next day's drop is written, so a reused extract is
never changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from orchestration.demo.generator import generate_landing

_MARKER = ".benchmark-dataset.json"  # hidden: the loader ignores it


def dataset_landing(root: Path, activity_rows: int, seed: int) -> Path:
    """`root/<rows>-seed<seed>`, generated (not timed) unless a complete one is there already."""
    landing = root / f"{activity_rows}-seed{seed}"
    marker = landing / _MARKER
    if marker.exists():
        return landing
    print(f"generating {activity_rows:,} activity rows into {landing} (not timed) ...", flush=True)
    workers = os.cpu_count() or 1  # the output does not depend on it
    generate_landing(
        landing, seed=seed, activity_rows=activity_rows, progress=False, overwrite=True, workers=workers
    )
    marker.write_text(json.dumps({"activity_rows": activity_rows, "seed": seed}))
    return landing


def extract_bytes(landing: Path) -> int:
    """Bytes of the data files under `landing` (links followed; hidden files left out)."""
    total = 0
    for folder, folders, files in os.walk(landing):
        folders[:] = [name for name in folders if not name.startswith(".")]
        total += sum(os.stat(Path(folder) / name).st_size for name in files if not name.startswith("."))
    return total


def linked_landing(source: Path, target: Path) -> Path:
    """A fresh folder mirroring `source`: real folders, each file a link to the original (same
    bytes, same modification time), so new files can be added without touching `source`."""
    shutil.rmtree(target, ignore_errors=True)
    source = source.resolve()
    for folder, folders, files in os.walk(source):
        folders[:] = [name for name in folders if not name.startswith(".")]
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            if not name.startswith("."):
                os.symlink(Path(folder) / name, target / relative / name)
    return target
