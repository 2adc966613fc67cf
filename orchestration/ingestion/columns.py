"""Matching a file's columns to its object (contract: Precise rules "Header names", required columns)."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingestion.contract import ACTIVITY_LOG, Column, ExtractObject, normalize_header

# Columns of which a file (and each of its records) must carry at least one, per raw table.
# Activity log: `duration_minutes` is required unless `ended_at` is given.
ALTERNATIVES: dict[str, tuple[str, ...]] = {ACTIVITY_LOG.raw_table: ("duration_minutes", "ended_at")}


def normalized_names(headers: list[str], obj: ExtractObject) -> list[str]:
    """Raw column name of each header; a blank header becomes `column_<position>` (1-based)."""
    names = []
    for position, header in enumerate(headers, start=1):
        name = normalize_header(header, obj) if header.strip() else ""
        names.append(name or f"column_{position}")
    return names


def column_problem(source_file: str, headers: list[str], names: list[str], obj: ExtractObject) -> str | None:
    """Why the file must be rejected whole (clashing headers, missing required columns), or None."""
    first_header: dict[str, str] = {}
    clashes = []
    for header, name in zip(headers, names, strict=True):
        if name in first_header:
            clashes.append(f"headers {first_header[name]!r} and {header!r} both map to column {name}")
        else:
            first_header[name] = header
    if clashes:
        return f"{source_file}: " + "; ".join(clashes)
    present = set(names)
    missing = [c.api_name for c in obj.required_columns if c.name not in present]
    alternatives = ALTERNATIVES.get(obj.raw_table, ())
    if alternatives and not present.intersection(alternatives):
        missing.append(" or ".join(alternatives))
    if missing:
        return f"{source_file}: missing required column(s): {', '.join(missing)}"
    return None


@dataclass(frozen=True)
class ColumnPlan:
    """Where each staged column goes: contract columns get typed, the others stay VARCHAR."""

    contract: list[tuple[Column, str]]  # (contract column, staged column) in file order
    extras: list[tuple[str, str]]  # (raw column name, staged column) in file order
    alternatives: list[tuple[str, str]]  # (column name, staged column) of ALTERNATIVES present

    @property
    def names(self) -> dict[str, str]:
        """Raw column name -> staged column, every column of the file."""
        return {c.name: s for c, s in self.contract} | dict(self.extras)


def plan_columns(obj: ExtractObject, names: list[str], staged: list[str]) -> ColumnPlan:
    contract_names = {c.name: c for c in obj.columns}
    contract, extras = [], []
    for name, column in zip(names, staged, strict=True):
        if name in contract_names:
            contract.append((contract_names[name], column))
        else:
            extras.append((name, column))
    present = {c.name: s for c, s in contract}
    alternatives = [(n, present[n]) for n in ALTERNATIVES.get(obj.raw_table, ()) if n in present]
    return ColumnPlan(contract, extras, alternatives)
