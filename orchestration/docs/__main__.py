"""`python -m orchestration.docs [--check]`: rewrite (or check) the generated parts of docs/*.md."""

from __future__ import annotations

import argparse
import sys

from orchestration.docs import PROJECT_ROOT, MarkerError, stale_pages, write_pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.docs",
        description="Write the generated blocks of docs/landing-contract.md and docs/kpi-reference.md "
        "from orchestration/ingestion/contract.py, the seeds and the kpi_* marts' YAML.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a page is not what the generator writes",
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_pages()
            for path in stale:
                print(f"{path.relative_to(PROJECT_ROOT)} is out of date: run `python -m orchestration.docs`")
            return 1 if stale else 0
        for path in write_pages():
            print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    except MarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
