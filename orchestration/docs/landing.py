"""The generated blocks of `docs/landing-contract.md`, written from the extract contract as data
(`orchestration/ingestion/contract.py`, `orchestration/ingestion/columns.py`) and the seed
`activity_categories`: the objects, their columns, types and required flags, the core and
optional objects, and the activity-type mapping. The loader reads the same definitions, so the
page cannot say something the loader does not do.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from orchestration.docs.markdown import cell, code, table
from orchestration.ingestion.columns import ALTERNATIVES
from orchestration.ingestion.contract import (
    CORE_OBJECTS,
    LINEAGE_COLUMNS,
    OBJECTS,
    OPTIONAL_OBJECTS,
    VERSION_COLUMNS,
    Column,
    ColumnType,
    ExtractObject,
)

# How a producer writes a value of each contract type (what `ingestion/casting.py` accepts).
# A type missing here fails the generator: a new type must be documented.
VALUE_FORMATS: dict[ColumnType, str] = {
    ColumnType.ID: (
        "text, compared exactly as written (15- and 18-character Salesforce Ids are not reconciled)"
    ),
    ColumnType.STRING: "text, kept as written",
    ColumnType.BOOLEAN: (
        "`true` or `false` in any case, or `1` or `0`; anything else (`yes`, `t`) rejects the row"
    ),
    ColumnType.TIMESTAMP: (
        "ISO-8601 date and time (`2026-01-05T09:30:00Z`, `2026-01-05 09:30:00+02:00`); a `Z` or "
        "offset is converted to UTC, a time without one is taken as UTC, a date alone is midnight UTC"
    ),
    ColumnType.DATE: "`YYYY-MM-DD`, a real calendar date (`2026-02-30` and `2026-1-5` reject the row)",
    ColumnType.MONEY: (
        "decimal number with a `.` separator, no thousands separator, no exponent (`-1234.5`); "
        "more than two decimals are rounded to the cent"
    ),
    ColumnType.INTEGER: (
        "whole number; a zero fraction (`5.0`, as Parquet writers store counts) is accepted, `5.5` is not"
    ),
    ColumnType.NUMBER: "decimal number with a `.` separator, exponent allowed (`0.25`, `1.5e3`)",
}

_LINEAGE_MEANINGS = {
    "_source_file": "the file the row came from, relative to the landing folder",
    "_source_line": (
        "the physical line the record starts on (the header is line 1); the row number for Parquet"
    ),
    "_file_hash": "sha256 of the file's bytes as landed",
    "_file_landed_at": "the file's modification time (UTC): the landing order",
    "_loaded_at": "when the loader committed the file",
}


def _version_names() -> set[str]:
    return {c.api_name for c in VERSION_COLUMNS}


def _alternatives(obj: ExtractObject) -> tuple[str, ...]:
    return ALTERNATIVES.get(obj.raw_table, ())


def _type_label(column: Column) -> str:
    return column.type.value


def folder(obj: ExtractObject) -> str:
    return f"{obj.family}/{obj.folder}/"


def display_name(obj: ExtractObject) -> str:
    """How the page names an object: its API name, or `activity log (`activities`)`."""
    return f"activity log ({code(obj.api_name)})" if obj.family == "activity" else code(obj.api_name)


def _required_cell(obj: ExtractObject) -> str:
    names = [code(c.api_name) for c in obj.required_columns]
    alternatives = _alternatives(obj)
    if alternatives:
        names.append(" or ".join(code(a) for a in alternatives))
    return ", ".join(names)


def _used_cell(obj: ExtractObject) -> str:
    skip = _version_names() | set(_alternatives(obj))
    names = [code(c.api_name) for c in obj.columns if not c.required and c.api_name not in skip]
    return ", ".join(names) or "–"


def objects_block(objects: Sequence[ExtractObject] = OBJECTS) -> str:
    rows = [[display_name(obj), code(folder(obj)), _required_cell(obj), _used_cell(obj)] for obj in objects]
    versions = " and ".join(code(c.api_name) for c in VERSION_COLUMNS)
    return (
        table(["Object", "Landing folder", "Required columns", "Optional columns (typed when present)"], rows)
        + f"\n\nEvery object may also carry {versions}, which decide the newest version of a record."
    )


def value_types_block(formats: Mapping[ColumnType, str] = VALUE_FORMATS) -> str:
    missing = [t.value for t in ColumnType if t not in formats]
    if missing:
        raise KeyError(f"no format documented for contract type(s): {', '.join(missing)}")
    rows = [[code(t.value), cell(formats[t]), code(t.duckdb_type)] for t in ColumnType]
    return table(["Type", "How to write it", "Lands in `raw` as"], rows)


def _column_required(obj: ExtractObject, column: Column) -> str:
    if column.required:
        return "yes"
    alternatives = _alternatives(obj)
    if column.name in alternatives:
        others = [code(a) for a in alternatives if a != column.name]
        return "unless " + " or ".join(others) + " is given"
    return "no"


def columns_block(objects: Sequence[ExtractObject] = OBJECTS) -> str:
    parts = []
    for obj in objects:
        heading = f"#### {display_name(obj)}"
        where = (
            f"Folder {code(folder(obj))}, loaded into {code('raw.' + obj.raw_table)}; "
            f"record key {code(obj.id_column)}."
        )
        rows = [
            [code(c.api_name), code(c.name), _type_label(c), _column_required(obj, c)] for c in obj.columns
        ]
        parts.append("\n\n".join([heading, where, table(["Column", "Lands as", "Type", "Required"], rows)]))
    return "\n\n".join(parts)


def core_optional_block(
    objects: Sequence[ExtractObject] = OBJECTS,
    core: Mapping[str, str] = CORE_OBJECTS,
    optional: Mapping[str, str] = OPTIONAL_OBJECTS,
) -> str:
    rows = []
    for obj in objects:
        if obj.api_name in core:
            rows.append([display_name(obj), "core", cell(core[obj.api_name])])
    for obj in objects:
        if obj.api_name in optional:
            rows.append([display_name(obj), "optional", cell(optional[obj.api_name])])
    return table(["Object", "Kind", "When it has no data at all"], rows)


def activity_categories_block(seed: Path) -> str:
    with seed.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    rows = [
        [
            code(r["activity_type"]),
            code(r["category"]),
            "yes" if r["is_selling"].strip().lower() == "true" else "no",
        ]
        for r in records
    ]
    return table(
        ["Label (`activity_type`, Task `TaskSubtype`, Event `Type`)", "Category", "Selling time"], rows
    )


def lineage_block(lineage: Mapping[str, str] = LINEAGE_COLUMNS) -> str:
    missing = [name for name in lineage if name not in _LINEAGE_MEANINGS]
    if missing:
        raise KeyError(f"no meaning documented for lineage column(s): {', '.join(missing)}")
    rows = [[code(name), code(kind), cell(_LINEAGE_MEANINGS[name])] for name, kind in lineage.items()]
    return table(["Column", "Type", "Meaning"], rows)


def landing_blocks(
    project_root: Path,
    objects: Sequence[ExtractObject] = OBJECTS,
    core: Mapping[str, str] = CORE_OBJECTS,
    optional: Mapping[str, str] = OPTIONAL_OBJECTS,
) -> dict[str, str]:
    """Block name -> Markdown, for docs/landing-contract.md (the contract's objects by default)."""
    return {
        "value-types": value_types_block(),
        "objects": objects_block(objects),
        "core-optional": core_optional_block(objects, core, optional),
        "activity-categories": activity_categories_block(project_root / "seeds" / "activity_categories.csv"),
        "lineage": lineage_block(),
        "columns": columns_block(objects),
    }
