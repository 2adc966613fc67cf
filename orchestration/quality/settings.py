"""Settings of the data-quality checks, from environment variables with defaults.

| Variable | Default | Meaning |
|---|---|---|
| `SALES_QUALITY_DIR` | `<warehouse>.quality` | Data Docs in `data_docs/`, GX results in `gx_store/` |
| `SALES_QUALITY_CLOSE_DATE_TOLERANCE_DAYS` | `31` | how far a CloseDate may lie before the CreatedDate |
| `SALES_QUALITY_MAX_LOAD_GROWTH` | `1.0` | a load may grow a non-empty raw table by at most this share |
| `SALES_QUALITY_RECORD_THRESHOLD` | `0.01` | a record rule broken by more of current records blocks |
| `SALES_QUALITY_SAMPLE_SIZE` | `10` | bad values / rows shown per failed expectation |
| `SALES_QUALITY_KEEP_RUNS` | `20` | validation results (and Data Docs pages) kept per suite |

`<warehouse>.quality` is beside the warehouse file, named after it: `data/warehouse.quality/` for
the default `data/warehouse.duckdb`.
"""

from __future__ import annotations

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


def default_quality_dir(warehouse: Path | None = None) -> Path:
    """`<warehouse stem>.quality/` beside the warehouse file (`data/warehouse.quality/` for the
    default one), so each warehouse keeps its own results and Data Docs."""
    return Path(warehouse or config.warehouse_path()).with_suffix(".quality")


def quality_settings(warehouse: Path | None = None) -> QualitySettings:
    """The settings of the current environment (relative paths from the project root); a
    `config.SettingError` lists every unusable value. Without SALES_QUALITY_DIR the results go
    beside `warehouse` (default: SALES_WAREHOUSE_PATH's file)."""
    values = config.gather(
        {
            "quality_dir": lambda: config.env_path("SALES_QUALITY_DIR", default_quality_dir(warehouse)),
            "close_date_tolerance_days": lambda: config.env_number(
                "SALES_QUALITY_CLOSE_DATE_TOLERANCE_DAYS",
                31,
                int,
                0,
                None,
                "a whole number of days, 0 or more",
            ),
            "max_load_growth": lambda: config.env_number(
                "SALES_QUALITY_MAX_LOAD_GROWTH", 1.0, float, 0.0, None, "a number, 0 or more"
            ),
            "record_threshold": lambda: config.env_number(
                "SALES_QUALITY_RECORD_THRESHOLD", 0.01, float, 0.0, 1.0, "a number between 0 and 1"
            ),
            "sample_size": lambda: config.env_number(
                "SALES_QUALITY_SAMPLE_SIZE", 10, int, 0, None, "a whole number, 0 or more"
            ),
            "keep_runs": lambda: config.env_number(
                "SALES_QUALITY_KEEP_RUNS", 20, int, 1, None, "a whole number, 1 or more"
            ),
        }
    )
    return QualitySettings(**values)
