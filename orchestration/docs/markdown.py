"""Small Markdown helpers for the generated blocks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def one_line(text: str) -> str:
    """Whitespace (YAML's folded lines, newlines) collapsed to single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def cell(text: str) -> str:
    """Text fit for a table cell: one line, pipes escaped."""
    return one_line(text).replace("|", "\\|")


def code(name: str) -> str:
    return f"`{name}`"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; cells are used as given (see `cell`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
