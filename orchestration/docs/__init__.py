"""The project's reference pages in `docs/`, kept in step with the code and the models' YAML.

`docs/landing-contract.md` (for people who produce extracts) and `docs/kpi-reference.md` (for
people who read the dashboards) are hand-written Markdown with generated blocks between
markers (`markers.py`): the objects and columns of the extract contract come from
`orchestration/ingestion/contract.py` (`landing.py`), the KPI marts' grain and column
definitions from their YAML (`kpi.py`). Refresh them with `python -m orchestration.docs`
(`make docs`); `python -m orchestration.docs --check` (and `tests/docs/`) fails when a page
differs from what the generator writes now.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orchestration.docs.kpi import kpi_blocks
from orchestration.docs.landing import landing_blocks
from orchestration.docs.markers import MarkerError, fill_blocks

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = "docs"

# Page (under docs/) -> the function writing its generated blocks from the project root.
PAGES: dict[str, Callable[[Path], dict[str, str]]] = {
    "landing-contract.md": landing_blocks,
    "kpi-reference.md": kpi_blocks,
}

__all__ = ["DOCS_DIR", "PAGES", "PROJECT_ROOT", "MarkerError", "fill_blocks", "rendered_pages", "stale_pages"]


def rendered_pages(project_root: Path = PROJECT_ROOT, docs_dir: Path | None = None) -> dict[Path, str]:
    """Each page's text with its generated blocks as the generator writes them now."""
    folder = docs_dir or project_root / DOCS_DIR
    pages = {}
    for name, blocks in PAGES.items():
        path = folder / name
        pages[path] = fill_blocks(path.read_text(encoding="utf-8"), blocks(project_root), page=str(path))
    return pages


def stale_pages(project_root: Path = PROJECT_ROOT, docs_dir: Path | None = None) -> list[Path]:
    """The pages whose text differs from what the generator writes now."""
    return [
        path
        for path, text in rendered_pages(project_root, docs_dir).items()
        if path.read_text(encoding="utf-8") != text
    ]


def write_pages(project_root: Path = PROJECT_ROOT, docs_dir: Path | None = None) -> list[Path]:
    """Rewrite the generated blocks of every page; return the pages that changed."""
    changed = []
    for path, text in rendered_pages(project_root, docs_dir).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
