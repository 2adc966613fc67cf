"""Ingestion throughput: the project loader against DuckDB's bare read of the same files.

    python -m benchmarks.ingestion --landing /tmp/scale20m/landing              # the activity log
    python -m benchmarks.ingestion --landing /tmp/scale20m/landing --all        # every object
    python -m benchmarks.ingestion --landing /tmp/scale20m/landing --repeat 3   # median and spread

For an object, its data files are split by format (`csv`, `csv.gz`, `parquet`) and, per format,
two measurements are taken on exactly the same files, each in a fresh child process writing a
fresh warehouse file (so CPU time and peak memory are the measurement's own):

- bare: `create table t as select * from read_csv([<files>])` (DuckDB's auto-detection;
  `read_parquet` for Parquet), one statement for the format's files;
- loader: `load_object` of the object into an empty warehouse, from a scratch landing folder
  that links only those files (same paths' bytes, same modification times).

Both run with the same DuckDB thread count (`--threads`, default DuckDB's own: the cores). The
files are read once beforehand so both find them in the page cache. Printed per format and in
total: rows, wall seconds, rows/s, CPU seconds (user + system, DuckDB's threads included), peak
RSS of the child, and loader/bare throughput. `measure()` returns the same figures as a dict
(for the project's main benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:  # `python benchmarks/ingestion.py` from anywhere
    sys.path.insert(0, str(_REPO_ROOT))

from orchestration.ingestion.contract import ACTIVITY_LOG, OBJECTS, ExtractObject  # noqa: E402
from orchestration.ingestion.discovery import LandedFile, discover_files  # noqa: E402

FORMATS = ("csv", "csv.gz", "parquet")
# What the throughput goal is about: the CSV family, which `read_csv` reads.
HEADLINE_FORMATS = ("csv", "csv.gz")


def _format(landed: LandedFile) -> str:
    if landed.is_parquet:
        return "parquet"
    return "csv.gz" if landed.is_gzip else "csv"


def object_files(landing: Path, obj: ExtractObject) -> dict[str, list[LandedFile]]:
    """The object's data files in landing order, by format (formats without files left out)."""
    groups: dict[str, list[LandedFile]] = {}
    for landed in discover_files(landing).for_object(obj):
        groups.setdefault(_format(landed), []).append(landed)
    return {fmt: groups[fmt] for fmt in FORMATS if fmt in groups}


def _warm_page_cache(files: list[LandedFile]) -> None:
    for landed in files:
        with landed.path.open("rb", buffering=0) as handle:
            while handle.read(16 * 1024 * 1024):
                pass


def _link_landing(root: Path, files: list[LandedFile]) -> None:
    """A landing folder holding links to `files` at their landing-relative paths."""
    for landed in files:
        link = root / landed.source_file
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(landed.path.resolve(), link)


# ---- the child side: one measurement in this process -----------------------------------------


def _usage() -> tuple[float, float]:
    """CPU seconds and peak resident MB of this process. The peak is VmHWM, not ru_maxrss: Linux
    carries the parent's resident size at the fork into ru_maxrss (a child of the main benchmark
    would report at least the parent's size)."""
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return self_usage.ru_utime + self_usage.ru_stime, peak_kb / 1024


def _bare(database: Path, fmt: str, paths: list[str], threads: int | None) -> dict:
    import duckdb

    con = duckdb.connect(str(database))
    if threads:
        con.execute(f"set threads = {threads}")
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    listed = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
    cpu0, _ = _usage()
    started = time.perf_counter()
    con.execute(f"create table t as select * from {reader}({listed})")
    wall = time.perf_counter() - started
    cpu1, peak = _usage()
    rows = con.execute("select count(*) from t").fetchall()[0][0]
    con.close()
    return {"rows": rows, "wall_s": wall, "cpu_s": cpu1 - cpu0, "peak_rss_mb": peak}


def _loader(database: Path, landing: Path, object_name: str, threads: int | None) -> dict:
    import duckdb

    from orchestration.ingestion.loader import ensure_raw_schema, load_object

    obj = next(o for o in OBJECTS if o.name == object_name)
    con = duckdb.connect(str(database))
    if threads:
        con.execute(f"set threads = {threads}")
    ensure_raw_schema(con)  # an empty warehouse, as the run's first step leaves it (not timed)
    lines: list[str] = []
    cpu0, _ = _usage()
    started = time.perf_counter()
    summary = load_object(con, landing, obj, 0.01, lines.append)
    wall = time.perf_counter() - started
    cpu1, peak = _usage()
    con.close()
    statuses: dict[str, int] = {}
    for f in summary.files:
        statuses[f.status] = statuses.get(f.status, 0) + 1
    return {
        "rows": sum(f.records_read for f in summary.files),
        "rows_loaded": summary.rows_loaded,
        "rows_rejected": summary.rows_rejected,
        "statuses": statuses,
        "wall_s": wall,
        "cpu_s": cpu1 - cpu0,
        "peak_rss_mb": peak,
        "log": lines,
    }


def _child(spec: dict) -> dict:
    database = Path(spec["database"])
    if spec["kind"] == "bare":
        return _bare(database, spec["format"], spec["paths"], spec["threads"])
    return _loader(database, Path(spec["landing"]), spec["object"], spec["threads"])


def _run_child(spec: dict) -> dict:
    """One measurement in a fresh interpreter (its own CPU time and peak RSS)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingestion", "--child", json.dumps(spec)],
        cwd=_REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement {spec['kind']} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- the parent side -----------------------------------------------------------------------


def _with_rate(figures: dict) -> dict:
    wall = figures["wall_s"]
    return figures | {"rows_per_s": figures["rows"] / wall if wall > 0 else 0.0}


def _total(parts: list[dict]) -> dict:
    return _with_rate(
        {
            "rows": sum(p["rows"] for p in parts),
            "wall_s": sum(p["wall_s"] for p in parts),
            "cpu_s": sum(p["cpu_s"] for p in parts),
            "peak_rss_mb": max((p["peak_rss_mb"] for p in parts), default=0.0),
        }
    )


def _ratio(loader: dict, bare: dict) -> float:
    return loader["rows_per_s"] / bare["rows_per_s"] if bare["rows_per_s"] else 0.0


def measure_object(landing: Path, obj: ExtractObject, workdir: Path, threads: int | None = None) -> dict:
    """Bare read and loader, per format and in total, for one object's files (see module doc)."""
    groups = object_files(landing, obj)
    result: dict = {"object": obj.name, "formats": {}}
    for fmt, files in groups.items():
        _warm_page_cache(files)
        scratch = Path(tempfile.mkdtemp(prefix=f"{obj.name}_", dir=workdir))
        try:
            bare = _run_child(
                {
                    "kind": "bare",
                    "database": str(scratch / "bare.duckdb"),
                    "format": fmt,
                    "paths": [str(f.path.resolve()) for f in files],
                    "threads": threads,
                }
            )
            (scratch / "bare.duckdb").unlink(missing_ok=True)
            _link_landing(scratch / "landing", files)
            loader = _run_child(
                {
                    "kind": "loader",
                    "database": str(scratch / "loader.duckdb"),
                    "landing": str(scratch / "landing"),
                    "object": obj.name,
                    "threads": threads,
                }
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        bare, loader = _with_rate(bare), _with_rate(loader)
        result["formats"][fmt] = {
            "files": len(files),
            "bytes": sum(f.size for f in files),
            "bare": bare,
            "loader": loader,
            "ratio": _ratio(loader, bare),
        }
    for name, formats in (("total", FORMATS), ("csv_family", HEADLINE_FORMATS)):
        chosen = [result["formats"][f] for f in formats if f in result["formats"]]
        if chosen:
            bare = _total([c["bare"] for c in chosen])
            loader = _total([c["loader"] for c in chosen])
            result[name] = {"bare": bare, "loader": loader, "ratio": _ratio(loader, bare)}
    return result


def measure(
    landing: Path,
    objects: list[ExtractObject] | None = None,
    workdir: Path | None = None,
    threads: int | None = None,
    repeat: int = 1,
) -> dict:
    """Figures for `objects` (default: the activity log), `repeat` times each.

    Returns {"threads", "runs": [{object name: measure_object(...)}, ...], "summary": {object
    name: {"ratio" | "csv_family_ratio": {"median", "min", "max", "values"}}}}.
    """
    objects = objects or [ACTIVITY_LOG]
    own_workdir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="ingest_bench_")) if workdir is None else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        runs = [
            {obj.name: measure_object(landing, obj, workdir, threads) for obj in objects}
            for _ in range(repeat)
        ]
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    summary: dict = {}
    for obj in objects:
        figures = {}
        for key in ("total", "csv_family"):
            values = [run[obj.name][key]["ratio"] for run in runs if key in run[obj.name]]
            if values:
                figures[f"{key}_ratio"] = _spread(values)
        for key in ("loader", "bare"):
            values = [run[obj.name]["total"][key]["rows_per_s"] for run in runs if "total" in run[obj.name]]
            if values:
                figures[f"{key}_rows_per_s"] = _spread(values)
        summary[obj.name] = figures
    return {"threads": threads or os.cpu_count(), "runs": runs, "summary": summary}


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "values": values}


def _print_run(run: dict, show_log: bool) -> None:
    header = f"{'':<26}{'rows':>12}{'wall s':>9}{'rows/s':>12}{'CPU s':>9}{'peak MB':>9}{'ratio':>8}"
    for name, result in run.items():
        print(f"\n{name}")
        print(header)
        parts = [(fmt, figures) for fmt, figures in result["formats"].items()]
        parts += [(key, result[key]) for key in ("csv_family", "total") if key in result]
        for label, figures in parts:
            for kind in ("bare", "loader"):
                f = figures[kind]
                ratio = f"{figures['ratio']:.2f}x" if kind == "loader" else ""
                print(
                    f"  {label + ' ' + kind:<24}{f['rows']:>12,}{f['wall_s']:>9.2f}"
                    f"{f['rows_per_s'] / 1e6:>10.2f} M{f['cpu_s']:>9.1f}{f['peak_rss_mb']:>9.0f}{ratio:>8}"
                )
        if show_log:
            for fmt, figures in result["formats"].items():
                for line in figures["loader"].get("log", []):
                    print(f"    [{fmt}] {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingestion", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--landing", type=Path, help="landing folder (e.g. /tmp/scale20m/landing)")
    parser.add_argument("--all", action="store_true", help="every object, not only the activity log")
    parser.add_argument("--object", action="append", default=[], help="object name (repeatable)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads for both (default: cores)")
    parser.add_argument("--repeat", type=int, default=1, help="measure this many times")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temp folder)")
    parser.add_argument("--log", action="store_true", help="print the loader's per-file lines")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0
    if args.landing is None:
        parser.error("--landing is required")
    if args.all:
        objects = list(OBJECTS)
    elif args.object:
        objects = [o for o in OBJECTS if o.name in args.object]
    else:
        objects = [ACTIVITY_LOG]
    figures = measure(args.landing, objects, args.workdir, args.threads, args.repeat)
    for index, run in enumerate(figures["runs"], start=1):
        print(f"\n=== run {index} of {len(figures['runs'])} (threads: {figures['threads']})")
        _print_run(run, args.log)
    print("\nsummary (median [min - max] over runs)")
    for name, summary in figures["summary"].items():
        for key, spread in summary.items():
            scale = 1e6 if key.endswith("rows_per_s") else 1
            unit = " M rows/s" if scale > 1 else "x"
            print(
                f"  {name:<28} {key:<22} {spread['median'] / scale:.2f}{unit} "
                f"[{spread['min'] / scale:.2f} - {spread['max'] / scale:.2f}]"
            )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
