"""Read back what the generator landed: the newest version of each record of an object.

Only for the generator's own next-day drops: it knows the shapes it wrote. CSV columns come back
as text under their file headers (so changed versions can be written in the same shape);
Parquet keeps its types. `columns` maps contract snake_case names to the file's headers.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.demo.shapes import SHAPES, Format
from orchestration.ingestion.contract import OBJECTS, ExtractObject, normalize_header

_DROP_DATE = re.compile(r"_(?:full|delta)_(\d{4}-\d{2}-\d{2})\.(?:csv|csv\.gz|parquet)$")
_OBJECTS = {obj.api_name: obj for obj in OBJECTS}


@dataclass
class ObjectState:
    root: Path
    contract: ExtractObject
    table: pa.Table  # newest version per record, file headers (all, or those asked for)
    columns: dict[str, str]  # contract snake_case name -> file header, for the columns read
    schema: pa.Schema  # the files' full schema (text for CSV)
    complete: bool  # every column read

    def name_of(self, header: str) -> str:
        return normalize_header(header, self.contract)

    def get(self, name: str) -> pa.Array:
        return self.table.column(self.columns[name]).combine_chunks()

    def records(self, ids: pa.Array) -> pa.Table:
        """The newest versions of the records `ids`, every column, in the order of `ids`."""
        full = self if self.complete else read_object(self.root, self.contract.api_name, ids=ids)
        rows = positions(ids, full.get(self.contract.id_column))
        return full.table.take(pa.array(rows, type=pa.int64())).select(self.schema.names).cast(self.schema)


def _drop_files(folder: Path) -> list[tuple[date, Path]]:
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _DROP_DATE.search(path.name)
            if match:
                found.append((date.fromisoformat(match.group(1)), path))
    return sorted(found)


def last_drop_date(root: Path) -> date | None:
    """Date of the newest full or daily drop in the landing folder."""
    dates = [d for shape in SHAPES.values() for d, _ in _drop_files(root / shape.family / shape.folder)]
    return max(dates) if dates else None


def _csv_header(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as raw:
        first = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="").readline()
    return next(csv.reader([first]))


def _file_schema(path: Path, fmt: Format) -> pa.Schema:
    if fmt is Format.PARQUET:
        return pq.read_schema(path)
    return pa.schema([pa.field(h, pa.string()) for h in _csv_header(path)])


def _read(
    path: Path, fmt: Format, headers: list[str] | None, id_header: str, ids: pa.Array | None
) -> pa.Table:
    """One file (only `headers` if given, only records with an Id in `ids` if given), read in
    batches so that a filter keeps memory small."""
    if fmt is Format.PARQUET:
        keep = None if ids is None else pc.field(id_header).isin(ids)
        return pq.read_table(path, columns=headers, filters=keep)
    names = _csv_header(path)
    options = pacsv.ConvertOptions(
        column_types={h: pa.string() for h in names}, strings_can_be_null=True, include_columns=headers
    )
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=options,
    )
    batches = []
    for batch in reader:
        if ids is not None:
            batch = batch.filter(pc.is_in(batch.column(id_header), value_set=ids))
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)


def read_object(
    root: Path, object_name: str, columns: list[str] | None = None, ids: pa.Array | None = None
) -> ObjectState:
    """All drops of one object, newest version per Id (by SystemModstamp, then later drop).

    `columns` (contract names) limits the columns read; `ids` the records kept. Both keep
    memory small on big folders."""
    shape = SHAPES[object_name]
    obj = _OBJECTS[object_name]
    files = _drop_files(root / shape.family / shape.folder)
    if not files:
        raise FileNotFoundError(f"no extract of {object_name} in {root}")
    schema = _file_schema(files[0][1], shape.format)
    header_of = {normalize_header(h, obj): h for h in schema.names}
    headers = None
    if columns is not None:
        wanted = {obj.id_column, "system_modstamp", *columns}
        headers = [h for h in schema.names if normalize_header(h, obj) in wanted]
    tables = [_read(path, shape.format, headers, header_of[obj.id_column], ids) for _, path in files]
    table = pa.concat_tables(tables, promote_options="default")
    stamp = table.column(header_of["system_modstamp"])
    if pa.types.is_timestamp(stamp.type):
        stamp = pc.cast(stamp, pa.int64())
    keys = pa.table(
        {
            "id": table.column(header_of[obj.id_column]),
            "stamp": stamp,
            "rank": pa.array(np.repeat(np.arange(len(tables)), [t.num_rows for t in tables])),
            "line": pa.array(np.arange(table.num_rows)),
        }
    )
    order = pc.sort_indices(keys, [("id", "ascending"), ("stamp", "descending"), ("rank", "descending"),
                                   ("line", "descending")])  # fmt: skip
    sorted_ids = pc.take(keys.column("id"), order)
    first = pc.not_equal(sorted_ids.slice(1), sorted_ids.slice(0, len(sorted_ids) - 1))
    first = np.r_[True, pc.fill_null(first, True).to_numpy(zero_copy_only=False)] if len(sorted_ids) else []
    newest = np.sort(order.to_numpy()[np.asarray(first, dtype=bool)])  # keep the files' row order
    kept = {name: header for name, header in header_of.items() if header in table.column_names}
    return ObjectState(
        root=root,
        contract=obj,
        table=table.take(pa.array(newest, type=pa.int64())),
        columns=kept,
        schema=schema,
        complete=columns is None,
    )


def positions(values: pa.Array | pa.ChunkedArray, value_set: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Index of each value in `value_set`, -1 where absent."""
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    found = pc.fill_null(pc.index_in(values, value_set=value_set), -1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def codes(values: pa.Array | pa.ChunkedArray, labels: list[str], default: int = -1) -> np.ndarray:
    """Index of each text value in `labels` (default where absent)."""
    found = positions(values, pa.array(labels, pa.string()))
    return np.where(found >= 0, found, default)


def seconds(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Epoch seconds of ISO-8601 text (`...Z`) or timestamp values; -1 for null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type):
        values = pc.strptime(values, format="%Y-%m-%dT%H:%M:%SZ", unit="s")
    as_int = pc.fill_null(pc.cast(pc.cast(values, pa.timestamp("s")), pa.int64()), -1)
    return as_int.to_numpy(zero_copy_only=False)


def days(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Day numbers of `YYYY-MM-DD` text or date values; -1 for null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    as_date = pc.cast(values, pa.date32())
    return pc.fill_null(pc.cast(as_date, pa.int32()), -1).to_numpy(zero_copy_only=False).astype(np.int64)


def flags(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Booleans of `true/false` text or boolean values; null is False."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type):
        values = pc.equal(pc.utf8_lower(values), "true")
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False).astype(bool)


def text(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(pa.string()).to_numpy(zero_copy_only=False)
