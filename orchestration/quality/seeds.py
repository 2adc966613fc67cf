"""The values the lookup seeds know, read from the same CSVs `dbt seed` loads.

Read from `seeds/` rather than the `seeds` schema so the raw checks, which run before dbt, see
the lookups the coming dbt build will use.
"""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration import config
from orchestration.quality.spec import SeedValues


def _column(path: Path, column: str) -> tuple[str, ...]:
    with path.open(newline="", encoding="utf-8") as handle:
        return tuple(row[column] for row in csv.DictReader(handle) if row.get(column))


def seed_values(seeds_dir: Path | None = None) -> SeedValues:
    folder = seeds_dir or config.PROJECT_ROOT / "seeds"
    return SeedValues(
        stage_names=_column(folder / "opportunity_stages.csv", "stage_name"),
        lead_statuses=_column(folder / "lead_status_stages.csv", "status"),
        activity_types=_column(folder / "activity_categories.csv", "activity_type"),
    )
