"""The generated blocks of `docs/kpi-reference.md`, written from the models' YAML.

Each `kpi_*` mart's section is its YAML as dbt reads it: the model description (the grain,
which rows exist, the definitions and the choices made), the key its uniqueness test checks
(the grain as columns), and every column's data type (the contract dbt enforces) and
description. The same descriptions are stored as table and column comments in the warehouse
(`persist_docs`) and copied into the serving file, so the page, the dbt docs and what a BI tool
shows read the same text. The lookups come from the seeds and their YAML, the settings from
`dbt_project.yml`'s vars.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from orchestration.docs.markdown import cell, code, one_line, table

KPI_PREFIX = "kpi_"
# Seeds shown under Lookups, in this order.
LOOKUP_SEEDS = ("opportunity_stages", "lead_status_stages", "activity_categories")

# Labelled parts of a model description, each rendered as its own paragraph with its label in
# bold ("Choices where the definition is open: ...", "Record defects (...): ...").
_LABELLED_PART = re.compile(r"(?<=[.)]) (?=(?:Choices|Record defects)\b[^:.]{0,60}:)")
_LABEL = re.compile(r"^((?:Choices|Record defects)\b[^:.]{0,60}:)")


@dataclass(frozen=True)
class MartColumn:
    name: str
    data_type: str
    description: str


@dataclass(frozen=True)
class Mart:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[MartColumn, ...]
    source: str  # YAML file, relative to the project root


def _unique_key(model: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns of the model's uniqueness test: a `unique_combination_of_columns` model test,
    else a column with a `unique` test."""
    for test in model.get("data_tests") or []:
        if isinstance(test, Mapping) and "unique_combination_of_columns" in test:
            spec = test["unique_combination_of_columns"] or {}
            columns = (spec.get("arguments") or spec).get("combination_of_columns")
            if columns:
                return tuple(columns)
    for column in model.get("columns") or []:
        for test in column.get("data_tests") or []:
            if test == "unique" or (isinstance(test, Mapping) and "unique" in test):
                return (column["name"],)
    return ()


def contract_type(data_type: str) -> str:
    """A column's contract type as DuckDB (the serving file) has it: a type the engines spell
    differently is a Jinja switch on `target.type` in the YAML (docs/engines.md)."""
    return jinja2.Template(data_type).render(target={"type": "duckdb"}) if "{{" in data_type else data_type


def marts_from_yaml(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Mart]:
    """The kpi_* models of parsed YAML documents ((relative path, document) pairs), by name."""
    marts = []
    for source, document in documents:
        for model in (document or {}).get("models") or []:
            name = model["name"]
            if not name.startswith(KPI_PREFIX):
                continue
            columns = tuple(
                MartColumn(
                    c["name"],
                    contract_type(str(c.get("data_type") or "")),
                    one_line(str(c.get("description") or "")),
                )
                for c in model.get("columns") or []
            )
            marts.append(
                Mart(name, one_line(str(model.get("description") or "")), _unique_key(model), columns, source)
            )
    return sorted(marts, key=lambda m: m.name)


def load_marts(project_root: Path, models_dir: Path | None = None) -> list[Mart]:
    """The kpi_* marts of every YAML file under `models_dir` (default models/marts/kpi)."""
    folder = models_dir or project_root / "models" / "marts" / "kpi"
    documents = []
    for path in sorted(folder.rglob("*.yml")):
        relative = path.relative_to(project_root) if path.is_relative_to(project_root) else path
        documents.append((relative.as_posix(), yaml.safe_load(path.read_text(encoding="utf-8"))))
    return marts_from_yaml(documents)


def description_paragraphs(description: str) -> list[str]:
    """A model description split into paragraphs at its labelled parts, labels in bold."""
    parts = _LABELLED_PART.split(one_line(description))
    return [_LABEL.sub(r"**\1**", part.strip()) for part in parts if part.strip()]


def _key_text(mart: Mart) -> str:
    return " × ".join(code(c) for c in mart.key) if mart.key else "–"


def index_block(marts: list[Mart]) -> str:
    rows = [[f"[{code(m.name)}](#{m.name})", _key_text(m), str(len(m.columns))] for m in marts]
    return table(["Mart", "One row per (its unique key)", "Columns"], rows)


def mart_section(mart: Mart) -> str:
    lines = [f"### {code(mart.name)}", ""]
    lines.append(f"**One row per** {_key_text(mart)} (dbt tests that this key is unique).")
    lines[-1] += f" Source: `{mart.source}`."
    for paragraph in description_paragraphs(mart.description):
        lines += ["", paragraph]
    rows = [
        [code(c.name), code(c.data_type) if c.data_type else "–", cell(c.description)] for c in mart.columns
    ]
    lines += ["", table(["Column", "Type", "Definition"], rows)]
    return "\n".join(lines)


def marts_block(marts: list[Mart]) -> str:
    return "\n\n".join(mart_section(m) for m in marts)


def _seed_docs(project_root: Path) -> dict[str, Mapping[str, Any]]:
    path = project_root / "seeds" / "_seeds.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {seed["name"]: seed for seed in document.get("seeds") or []}


def lookups_block(project_root: Path, seeds: Iterable[str] = LOOKUP_SEEDS) -> str:
    docs = _seed_docs(project_root)
    parts = []
    for name in seeds:
        seed = docs.get(name, {})
        with (project_root / "seeds" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            records = list(reader)
        parts.append(f"#### {code(name)} (`seeds/{name}.csv`)")
        if seed.get("description"):
            parts.append(one_line(seed["description"]))
        parts.append(table([code(h) for h in header], [[cell(v) for v in r] for r in records]))
    return "\n\n".join(parts)


def settings_block(project_root: Path) -> str:
    project = yaml.safe_load((project_root / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    variables = project.get("vars") or {}
    rows = [[code(name), code(str(value))] for name, value in variables.items()]
    return table(["dbt var", "Default"], rows)


def kpi_blocks(project_root: Path, models_dir: Path | None = None) -> dict[str, str]:
    """Block name -> Markdown, for docs/kpi-reference.md."""
    marts = load_marts(project_root, models_dir)
    if not marts:
        raise ValueError(f"no {KPI_PREFIX}* model found under {models_dir or project_root / 'models'}")
    return {
        "settings": settings_block(project_root),
        "kpi-index": index_block(marts),
        "kpi-marts": marts_block(marts),
        "lookups": lookups_block(project_root),
    }
