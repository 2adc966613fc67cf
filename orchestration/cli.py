"""`python -m orchestration.cli run`: the README's main command.

Generates demo data when the landing folder is empty, produces the dbt manifest, runs the
full-refresh job (ingestion then dbt build) and prints where the warehouse is and what it holds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from orchestration import config


def _landing_is_empty(landing: Path) -> bool:
    return not landing.exists() or not any(p.is_file() for p in landing.rglob("*"))


def prepare_manifest() -> None:
    """`dbt parse` writes target/manifest.json, which the dbt assets need when definitions load."""
    os.environ.setdefault("SALES_WAREHOUSE_PATH", str(config.warehouse_path()))
    subprocess.run(
        [
            Path(sys.executable).with_name("dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            config.PROJECT_ROOT,
            "--profiles-dir",
            config.PROJECT_ROOT / "profiles",
        ],
        check=True,
    )


def run(seed: int) -> int:
    landing = config.landing_dir()
    if _landing_is_empty(landing):
        from orchestration.demo.generator import generate_landing

        print(f"Landing folder {landing} is empty: generating demo data (seed {seed})...")
        generate_landing(landing, seed=seed)
    config.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    prepare_manifest()

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.summary import warehouse_summary

    dagster_home = Path(
        os.environ.setdefault("DAGSTER_HOME", str(config.PROJECT_ROOT / "data" / "dagster_home"))
    )
    dagster_home.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.get() as instance:
        result = defs.get_job_def("full_refresh").execute_in_process(
            instance=instance,
            raise_on_error=False,
            # INFO keeps the console to one line per file loaded and per dbt node.
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    print()
    print(warehouse_summary(config.warehouse_path()))
    if not result.success:
        failed = [e for e in result.all_events if e.is_step_failure]
        for event in failed:
            print(
                f"FAILED step {event.step_key}: {event.event_specific_data.error.message.strip()}",
                file=sys.stderr,
            )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="load the landing folder (demo data if empty) and build dbt")
    run_parser.add_argument("--seed", type=int, default=42, help="demo data seed (default 42)")
    args = parser.parse_args(argv)
    return run(args.seed)


if __name__ == "__main__":
    sys.exit(main())
