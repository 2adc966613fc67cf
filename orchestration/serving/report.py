"""What a run did to the serving file, in one or two lines for the run summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from orchestration.serving.assets import SERVING_ASSET_KEY
from orchestration.serving.publish import BUILD_INFO
from orchestration.serving.reader import open_serving


def published_build(serving_path: Path) -> tuple[str, Any, str | None] | None:
    """(build id, published at, newest landed file) of the serving file, None when there is none."""
    if not serving_path.exists():
        return None
    try:
        with open_serving(serving_path) as con:
            return con.execute(
                f"select build_id, published_at, newest_file from {BUILD_INFO} limit 1"
            ).fetchone()
    except duckdb.Error:
        return None


def serving_summary(result: Any, serving_path: Path, run_seconds: float | None = None) -> str:
    """Whether this run published (and, given the run's duration `run_seconds`, what share of the
    run it took), or why the serving file is as it was: BI must know whether it reads this run's
    numbers."""
    published = [e for e in result.get_asset_materialization_events() if e.asset_key == SERVING_ASSET_KEY]
    current = published_build(serving_path)
    if published:
        metadata = published[0].materialization.metadata
        seconds = metadata["publish_seconds"].value
        total = run_seconds
        share = f" ({seconds / total:.1%} of the run's {total:.0f} s)" if total else ""
        newest = f", data as of {current[2]}" if current and current[2] else ""
        return f"Published build {result.run_id} to {serving_path} in {seconds:.1f} s{share}{newest}."
    if current is None:
        return f"Nothing published: {serving_path} does not exist yet (BI has nothing to read)."
    build_id, published_at, _ = current
    why = "the run failed before publishing" if not result.success else "the run did not include publishing"
    return (
        f"Serving file unchanged ({why}): {serving_path} still holds build {build_id}, "
        f"published {published_at:%Y-%m-%d %H:%M} UTC."
    )
