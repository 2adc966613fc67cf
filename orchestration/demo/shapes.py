"""How each object lands: folder spelling, header style, file format, line endings.

The demo mixes every shape the contract accepts, so loading it exercises all of them:

| Object | Folder | Headers | Format |
|---|---|---|---|
| User, Opportunity, ForecastingQuota, Territory2, ObjectTerritory2Association | API name | API | CSV |
| UserRole, Account | API name | Data Loader ALL-CAPS, all values quoted | CSV (CRLF) |
| Lead | `lead` | snake_case (Fivetran, with `_fivetran_*`) | Parquet |
| LeadHistory, OpportunityHistory, Event | snake_case | snake_case | gzip CSV |
| UserTerritory2Association | `user_territory2_association` | snake_case | CSV |
| Task | `Task` | API names | Parquet |
| activity log | `activities` | snake_case | CSV, gzip CSV, Parquet by year |

Writers are deterministic: no timestamps in gzip headers, fixed Parquet options, rows in the
order given.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.demo import columns as col
from orchestration.ingestion.contract import to_snake_case


class Headers(StrEnum):
    API = "api"  # Salesforce API names: StageName, Hire_Date__c
    SNAKE = "snake"  # Fivetran / Airbyte: stage_name, hire_date_c
    CAPS = "caps"  # Data Loader: STAGENAME, HIRE_DATE__C


class Format(StrEnum):
    CSV = "csv"
    CSV_GZ = "csv.gz"
    PARQUET = "parquet"


@dataclass(frozen=True)
class FileShape:
    family: str  # salesforce | activity
    folder: str
    stem: str  # file names are <stem>_<kind>_<YYYY-MM-DD>.<ext>
    headers: Headers
    format: Format
    crlf: bool = False
    quote_all: bool = False  # Data Loader quotes every value; else only strings are quoted
    quote_none: bool = False  # for columns that never hold a comma, quote or newline

    def path(self, root: Path, name: str) -> Path:
        return root / self.family / self.folder / f"{name}.{self.format.value}"

    def header(self, api_name: str) -> str:
        if self.headers is Headers.API or api_name.startswith("_"):
            return api_name
        if self.headers is Headers.SNAKE:
            return to_snake_case(api_name)
        return api_name.upper()


_sf = "salesforce"
SHAPES: dict[str, FileShape] = {
    "User": FileShape(_sf, "User", "user", Headers.API, Format.CSV),
    "UserRole": FileShape(_sf, "UserRole", "userrole", Headers.CAPS, Format.CSV, crlf=True, quote_all=True),
    "Account": FileShape(_sf, "Account", "account", Headers.CAPS, Format.CSV, crlf=True, quote_all=True),
    "Lead": FileShape(_sf, "lead", "lead", Headers.SNAKE, Format.PARQUET),
    "LeadHistory": FileShape(
        _sf, "lead_history", "lead_history", Headers.SNAKE, Format.CSV_GZ, quote_none=True
    ),
    "Opportunity": FileShape(_sf, "Opportunity", "opportunity", Headers.API, Format.CSV),
    "OpportunityHistory": FileShape(
        _sf, "opportunity_history", "opportunity_history", Headers.SNAKE, Format.CSV_GZ, quote_none=True
    ),
    "ForecastingQuota": FileShape(_sf, "ForecastingQuota", "forecasting_quota", Headers.API, Format.CSV),
    "Territory2": FileShape(_sf, "Territory2", "territory2", Headers.API, Format.CSV),
    "UserTerritory2Association": FileShape(
        _sf, "user_territory2_association", "user_territory2_association", Headers.SNAKE, Format.CSV
    ),
    "ObjectTerritory2Association": FileShape(
        _sf, "ObjectTerritory2Association", "object_territory2_association", Headers.API, Format.CSV
    ),
    "Task": FileShape(_sf, "Task", "task", Headers.API, Format.PARQUET),
    "Event": FileShape(_sf, "event", "event", Headers.SNAKE, Format.CSV_GZ, quote_none=True),
}
# The activity log of the full extract is split by year of started_at, one format per year.
ACTIVITY_SHAPES: dict[int, FileShape] = {
    2024: FileShape("activity", "activities", "activities", Headers.SNAKE, Format.CSV, quote_none=True),
    2025: FileShape("activity", "activities", "activities", Headers.SNAKE, Format.CSV_GZ, quote_none=True),
    2026: FileShape("activity", "activities", "activities", Headers.SNAKE, Format.PARQUET),
}
ACTIVITY_DELTA_SHAPE = ACTIVITY_SHAPES[2024]
ACTIVITY_KEY = "activities"

GZIP_LEVEL = 1
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1, "use_dictionary": True, "version": "2.6"}


def prepare(shape: FileShape, table: pa.Table, headers: list[str] | None = None) -> pa.Table:
    """The rows as they go into a file of this shape: its headers (`headers` overrides, e.g.
    those of an earlier file of the object), and text for CSV. Pure: runs in worker processes."""
    names = list(headers) if headers is not None else [shape.header(n) for n in table.column_names]
    if len(set(names)) != len(names):
        raise ValueError(f"{shape.folder}: two columns map to the same header")
    if shape.format is Format.PARQUET:
        arrays = list(table.columns)
    else:
        arrays = [col.as_text(c) for c in table.columns]
    return pa.Table.from_arrays(arrays, names=names)


class Sink:
    """One output file, written in chunks of prepared rows sharing one schema."""

    def __init__(self, path: Path, shape: FileShape, schema: pa.Schema) -> None:
        self.path = path
        self.shape = shape
        self.schema = schema
        self.rows = 0
        if path.exists():
            raise FileExistsError(f"{path} exists: landed files are never rewritten")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw: BinaryIO | None = None
        self._stream: BinaryIO | None = None
        if shape.format is Format.PARQUET:
            self._writer: pacsv.CSVWriter | pq.ParquetWriter = pq.ParquetWriter(
                path, schema, **PARQUET_OPTIONS
            )
            return
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._stream = self._raw
        if shape.format is Format.CSV_GZ:
            self._stream = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=GZIP_LEVEL
            )
        style = "all_valid" if shape.quote_all else "none" if shape.quote_none else "needed"
        options = pacsv.WriteOptions(
            eol="\r\n" if shape.crlf else "\n",
            quoting_style=style,
            quoting_header="needed" if shape.quote_all else "none",
        )
        self._writer = pacsv.CSVWriter(self._stream, schema, write_options=options)

    def write(self, prepared: pa.Table) -> None:
        if prepared.num_rows == 0:
            return
        if prepared.schema != self.schema:
            prepared = prepared.cast(self.schema)
        self._writer.write_table(prepared)
        self.rows += prepared.num_rows

    def close(self) -> None:
        self._writer.close()
        if self._stream is not None and self._stream is not self._raw:
            self._stream.close()
        if self._raw is not None:
            self._raw.close()


def write_file(path: Path, shape: FileShape, table: pa.Table, headers: list[str] | None = None) -> int:
    """Write one whole file; returns its rows."""
    prepared = prepare(shape, table, headers)
    sink = Sink(path, shape, prepared.schema)
    try:
        sink.write(prepared)
    finally:
        sink.close()
    return sink.rows
