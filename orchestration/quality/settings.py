"""Settings of the data-quality checks, from environment variables with defaults.

| Variable | Default | Meaning |
|---|---|---|
| `SALES_QUALITY_DIR` | `data/quality` | Data Docs in `<dir>/data_docs/`, GX results in `<dir>/gx_store/` |
| `SALES_QUALITY_CLOSE_DATE_TOLERANCE_DAYS` | `31` | how far a CloseDate may lie before the CreatedDate |
| `SALES_QUALITY_MAX_LOAD_GROWTH` | `1.0` | a load may grow a non-empty raw table by at most this share |
| `SALES_QUALITY_RECORD_THRESHOLD` | `0.01` | a record rule broken by more of current records blocks |
| `SALES_QUALITY_SAMPLE_SIZE` | `10` | bad values / rows shown per failed expectation |
| `SALES_QUALITY_KEEP_RUNS` | `20` | validation results (and Data Docs pages) kept per suite |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration import config


@dataclass(frozen=True)
class QualitySettings:
    quality_dir: Path
    close_date_tolerance_days: int = 31
    max_load_growth: float = 1.0
    record_threshold: float = 0.01
    sample_size: int = 10
    keep_runs: int = 20

    @property
    def docs_dir(self) -> Path:
        """The Data Docs site; open `index.html` in a browser."""
        return self.quality_dir / "data_docs"

    @property
    def docs_index(self) -> Path:
        return self.docs_dir / "index.html"

    @property
    def store_dir(self) -> Path:
        """GX's expectation suites and validation results (generated JSON, never committed)."""
        return self.quality_dir / "gx_store"


def quality_settings() -> QualitySettings:
    """The settings of the current environment (relative paths from the project root)."""
    raw_dir = os.environ.get("SALES_QUALITY_DIR")
    quality_dir = Path(raw_dir).expanduser() if raw_dir else config.PROJECT_ROOT / "data" / "quality"
    if not quality_dir.is_absolute():
        quality_dir = config.PROJECT_ROOT / quality_dir
    return QualitySettings(
        quality_dir=quality_dir,
        close_date_tolerance_days=int(os.environ.get("SALES_QUALITY_CLOSE_DATE_TOLERANCE_DAYS", "31")),
        max_load_growth=float(os.environ.get("SALES_QUALITY_MAX_LOAD_GROWTH", "1.0")),
        record_threshold=float(os.environ.get("SALES_QUALITY_RECORD_THRESHOLD", "0.01")),
        sample_size=int(os.environ.get("SALES_QUALITY_SAMPLE_SIZE", "10")),
        keep_runs=int(os.environ.get("SALES_QUALITY_KEEP_RUNS", "20")),
    )
