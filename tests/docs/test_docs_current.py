"""docs/*.md tell the same story as the code and the models' YAML.

The generated blocks of docs/landing-contract.md (from orchestration/ingestion/contract.py) and
docs/kpi-reference.md (from models/marts/kpi/*.yml) must be exactly what
`python -m orchestration.docs` writes now; after changing the contract, a mart's YAML, a seed
or a dbt var, run it (`make docs`) and commit the pages with the change. The other tests show
that a stale page is caught, and that the pages cover every object and every mart.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.docs import PROJECT_ROOT, fill_blocks, rendered_pages, stale_pages, write_pages
from orchestration.docs.kpi import description_paragraphs, load_marts
from orchestration.docs.landing import landing_blocks
from orchestration.docs.markers import MarkerError, begin_marker, block_names, end_marker
from orchestration.ingestion.contract import (
    ACTIVITY_LOG,
    CORE_OBJECTS,
    LINEAGE_COLUMNS,
    OBJECTS,
    OPTIONAL_OBJECTS,
    Column,
    ColumnType,
)

DOCS = PROJECT_ROOT / "docs"
LANDING = DOCS / "landing-contract.md"
KPI = DOCS / "kpi-reference.md"


def _copy_project(tmp_path: Path) -> Path:
    """What the generator reads (docs, the KPI marts' YAML, seeds, dbt_project.yml), in a temp dir."""
    root = tmp_path / "project"
    shutil.copytree(DOCS, root / "docs")
    shutil.copytree(PROJECT_ROOT / "models" / "marts" / "kpi", root / "models" / "marts" / "kpi")
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    shutil.copy2(PROJECT_ROOT / "dbt_project.yml", root / "dbt_project.yml")
    return root


def _outside_blocks(text: str) -> str:
    """The hand-written part of a page (generated blocks removed)."""
    return re.sub(r"<!-- BEGIN GENERATED .*?<!-- END GENERATED [a-z0-9-]+ -->", "", text, flags=re.DOTALL)


def test_the_committed_pages_are_what_the_generator_writes_now():
    stale = stale_pages()
    assert not stale, (
        f"{', '.join(p.name for p in stale)} differ from the contract / the models' YAML: "
        "run `python -m orchestration.docs` (make docs) and commit the result"
    )


def test_the_check_command_passes_on_the_committed_pages():
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.docs", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_changed_column_description_in_a_marts_yaml_makes_the_kpi_page_stale(tmp_path):
    root = _copy_project(tmp_path)
    yml = root / "models" / "marts" / "kpi" / "kpi_win_rate.yml"
    document = yaml.safe_load(yml.read_text())
    (model,) = document["models"]
    column = next(c for c in model["columns"] if c["name"] == "win_rate")
    column["description"] = "Won deals over closed deals, redefined in a test."
    yml.write_text(yaml.safe_dump(document, sort_keys=False))

    assert stale_pages(root) == [root / "docs" / "kpi-reference.md"]
    page = (root / "docs" / "kpi-reference.md").read_text()
    assert "Won deals over closed deals, redefined in a test." not in page

    assert write_pages(root) == [root / "docs" / "kpi-reference.md"]
    page = (root / "docs" / "kpi-reference.md").read_text()
    assert "| `win_rate` | `decimal(18,6)` | Won deals over closed deals, redefined in a test. |" in page
    assert stale_pages(root) == []
    # Only the generated block changed: the hand-written text around it is kept.
    assert _outside_blocks(page) == _outside_blocks(KPI.read_text())


def test_a_new_mart_and_a_changed_type_show_up(tmp_path):
    root = _copy_project(tmp_path)
    source = root / "models" / "marts" / "kpi" / "kpi_revenue.yml"
    document = yaml.safe_load(source.read_text())
    model = document["models"][0]
    model["name"] = "kpi_revenue_by_region"
    model["description"] = "Bookings per month and region. Choices where the definition is open: none."
    model["data_tests"] = [
        {
            "unique_combination_of_columns": {
                "arguments": {"combination_of_columns": ["month_start", "region"]}
            }
        }
    ]
    model["columns"].insert(1, {"name": "region", "data_type": "varchar", "description": "Billing region."})
    model["columns"][0]["data_type"] = "timestamp"
    (root / "models" / "marts" / "kpi" / "kpi_revenue_by_region.yml").write_text(yaml.safe_dump(document))

    assert stale_pages(root) == [root / "docs" / "kpi-reference.md"]
    write_pages(root)
    page = (root / "docs" / "kpi-reference.md").read_text()
    assert "| [`kpi_revenue_by_region`](#kpi_revenue_by_region) | `month_start` × `region` | 9 |" in page
    assert "### `kpi_revenue_by_region`" in page
    assert "| `month_start` | `timestamp` | First day of the month (primary key). |" in page
    assert "**Choices where the definition is open:** none." in page


def test_a_hand_edit_inside_a_generated_block_is_stale_and_overwritten(tmp_path):
    root = _copy_project(tmp_path)
    page = root / "docs" / "landing-contract.md"
    edited = page.read_text().replace("| `Id`, `Name`, `IsActive`, `CreatedDate` |", "| `Id`, `Name` |", 1)
    assert edited != page.read_text()
    page.write_text(edited)
    assert stale_pages(root) == [page]
    write_pages(root)
    assert page.read_text() == LANDING.read_text()


def test_a_contract_change_makes_the_landing_page_stale():
    # A new optional column on Opportunity, and Lead turned into a core object.
    opportunity = next(o for o in OBJECTS if o.api_name == "Opportunity")
    changed = dataclasses.replace(
        opportunity, columns=(*opportunity.columns, Column("Deal_Region__c", ColumnType.STRING))
    )
    objects = tuple(changed if o is opportunity else o for o in OBJECTS)
    core = {**CORE_OBJECTS, "Lead": "no funnel"}
    optional = {k: v for k, v in OPTIONAL_OBJECTS.items() if k != "Lead"}
    text = LANDING.read_text()

    regenerated = fill_blocks(text, landing_blocks(PROJECT_ROOT, objects, core, optional))
    assert regenerated != text
    assert "| `Deal_Region__c` | `deal_region_c` | string | no |" in regenerated
    assert "| `Lead` | core | no funnel |" in regenerated
    assert "`Deal_Region__c`" not in text


def test_markers_that_do_not_match_the_generator_are_an_error():
    blocks = {"one": "generated"}
    page = f"intro\n{begin_marker('one')}\nold\n{end_marker('one')}\noutro\n"
    filled = fill_blocks(page, blocks)
    assert filled == f"intro\n{begin_marker('one')}\ngenerated\n{end_marker('one')}\noutro\n"
    with pytest.raises(MarkerError, match="missing from the page: two"):
        fill_blocks(page, {**blocks, "two": "x"})
    with pytest.raises(MarkerError, match="not written by the generator: one"):
        fill_blocks(page, {"two": "x"})
    with pytest.raises(MarkerError, match="without a matching end marker"):
        fill_blocks(f"{begin_marker('one')}\nold\n", blocks)


def test_the_landing_page_covers_every_object_column_and_core_or_optional_kind():
    text = LANDING.read_text()
    assert block_names(text) == [
        "value-types",
        "objects",
        "core-optional",
        "activity-categories",
        "lineage",
        "columns",
    ]
    for obj in OBJECTS:
        assert f"`{obj.family}/{obj.folder}/`" in text
        for column in obj.columns:
            row = f"| `{column.api_name}` | `{column.name}` | {column.type.value} |"
            assert row in text, (obj.api_name, column)
    # Every object is core or optional, never both: the page says what a run gives without it.
    names = {o.api_name for o in OBJECTS}
    assert set(CORE_OBJECTS) | set(OPTIONAL_OBJECTS) == names
    assert not set(CORE_OBJECTS) & set(OPTIONAL_OBJECTS)
    for name in LINEAGE_COLUMNS:
        assert f"| `{name}` |" in text
    # The activity log's columns are explained in the hand-written text too.
    hand_written = _outside_blocks(text)
    for column in ACTIVITY_LOG.columns:
        if column.api_name not in ("SystemModstamp", "LastModifiedDate"):
            assert f"`{column.name}`" in hand_written, column.name


def test_the_kpi_page_covers_every_kpi_model_and_column():
    text = KPI.read_text()
    assert block_names(text) == ["settings", "kpi-index", "kpi-marts", "lookups"]
    models = sorted(p.stem for p in (PROJECT_ROOT / "models" / "marts" / "kpi").glob("kpi_*.sql"))
    marts = load_marts(PROJECT_ROOT)
    assert [m.name for m in marts] == models
    for mart in marts:
        assert f"### `{mart.name}`" in text
        assert mart.key, f"{mart.name} has no uniqueness test: the page cannot state its grain"
        for paragraph in description_paragraphs(mart.description):
            assert paragraph in text
        for column in mart.columns:
            assert column.data_type and column.description, (mart.name, column.name)
            assert f"| `{column.name}` | `{column.data_type}` |" in text


def test_the_description_is_split_at_its_labelled_parts():
    description = (
        "One row per month. Choices where the definition is open: a null amount counts 0 (so "
        "it is a deal). Record defects (no definition covers them): taken as they are."
    )
    assert description_paragraphs(description) == [
        "One row per month.",
        "**Choices where the definition is open:** a null amount counts 0 (so it is a deal).",
        "**Record defects (no definition covers them):** taken as they are.",
    ]


def _links(path: Path) -> list[str]:
    text = path.read_text()
    return [
        target
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not target.startswith(("http://", "https://", "#", "mailto:"))
    ]


@pytest.mark.parametrize(
    "page",
    ["README.md", "docs/landing-contract.md", "docs/kpi-reference.md", "orchestration/demo/README.md"],
)
def test_relative_links_point_at_files_of_the_project(page):
    path = PROJECT_ROOT / page
    for target in _links(path):
        assert (path.parent / target.split("#")[0]).exists(), f"{page}: broken link {target}"


def test_the_readme_lists_the_documentation():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for page in (
        "docs/landing-contract.md",
        "docs/kpi-reference.md",
        "orchestration/quality/README.md",
        "orchestration/demo/README.md",
    ):
        assert f"]({page})" in readme, page


def test_the_project_no_longer_points_outside_itself_for_its_specs():
    """The specs the project was built from are not in a clone: nothing may send readers there."""
    suffixes = (".md", ".py", ".yml", ".sql", ".csv")
    paths = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "dbt_project.yml"]
    for folder in ("docs", "orchestration", "models", "macros", "seeds"):
        paths += [p for p in (PROJECT_ROOT / folder).rglob("*") if p.suffix in suffixes]
    offenders = [p.relative_to(PROJECT_ROOT).as_posix() for p in paths if "shared/spec" in p.read_text()]
    assert offenders == []


def test_writing_the_pages_twice_changes_nothing(tmp_path):
    root = _copy_project(tmp_path)
    write_pages(root)
    once = {path: path.read_text() for path in rendered_pages(root)}
    assert write_pages(root) == []
    assert {path: path.read_text() for path in rendered_pages(root)} == once
