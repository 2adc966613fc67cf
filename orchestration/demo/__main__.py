"""Command line: write the demo (or a scale) landing folder, or the next day's drop.

python -m orchestration.demo --out data/landing                  # demo size
python -m orchestration.demo --out /tmp/landing --size 20000000  # 20M activity rows
python -m orchestration.demo --out data/landing --next-day       # one more day of drops
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from orchestration.demo.generator import DEMO_ACTIVITY_ROWS, generate_landing
from orchestration.demo.next_day import generate_next_day


def _size(value: str) -> int:
    if value == "demo":
        return DEMO_ACTIVITY_ROWS
    try:
        rows = int(value.replace("_", ""))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"--size must be 'demo' or a number of activity rows: {value}"
        ) from exc
    if rows < 0:
        raise argparse.ArgumentTypeError("--size must be >= 0")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--size",
        type=_size,
        default=DEMO_ACTIVITY_ROWS,
        help=f"'demo' ({DEMO_ACTIVITY_ROWS:,}) or activity rows",
    )
    parser.add_argument("--next-day", action="store_true", help="write the next day's drop into --out")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier extract and its drops")
    parser.add_argument("--workers", type=int, default=1, help="processes building units (big sizes)")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar (none either when stderr is not a terminal)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        if args.next_day:
            report = generate_next_day(args.out, seed=args.seed, progress=not args.quiet)
        else:
            report = generate_landing(
                args.out,
                seed=args.seed,
                activity_rows=args.size,
                progress=not args.quiet,
                overwrite=args.overwrite,
                workers=args.workers,
            )
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
