"""Generated blocks inside hand-written Markdown.

A block is everything between a begin marker and the end marker of the same name:

    <!-- BEGIN GENERATED objects (python -m orchestration.docs; do not edit by hand) -->
    ...
    <!-- END GENERATED objects -->

`fill_blocks` rewrites each block's content (the marker lines included) and leaves the text
around them untouched, so a page can mix prose written by people with tables written from the
code and the models' YAML.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(
    r"<!-- BEGIN GENERATED (?P<name>[a-z0-9-]+)[^>]*-->\n(?P<body>.*?)<!-- END GENERATED (?P=name) -->",
    re.DOTALL,
)
_BEGIN = re.compile(r"<!-- BEGIN GENERATED (?P<name>[a-z0-9-]+)")


class MarkerError(ValueError):
    """A page's markers do not match the blocks its generator writes."""


def begin_marker(name: str) -> str:
    return f"<!-- BEGIN GENERATED {name} (python -m orchestration.docs; do not edit by hand) -->"


def end_marker(name: str) -> str:
    return f"<!-- END GENERATED {name} -->"


def block_names(text: str) -> list[str]:
    """The names of the generated blocks of `text`, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def fill_blocks(text: str, blocks: dict[str, str], page: str = "page") -> str:
    """`text` with every generated block's body replaced by `blocks[name]`.

    Raises MarkerError when a begin marker has no matching end, when the page has a block the
    generator does not write, or lacks one it does (a block removed by hand would otherwise
    drop out of the page silently).
    """
    opened = [m.group("name") for m in _BEGIN.finditer(text)]
    found = block_names(text)
    if opened != found:
        unclosed = sorted(set(opened) - set(found)) or opened
        raise MarkerError(f"{page}: block(s) without a matching end marker: {', '.join(unclosed)}")
    if len(set(found)) != len(found):
        raise MarkerError(f"{page}: a generated block appears twice: {', '.join(found)}")
    unknown = [name for name in found if name not in blocks]
    missing = [name for name in blocks if name not in found]
    if unknown or missing:
        raise MarkerError(
            f"{page}: generated blocks do not match: "
            + "; ".join(
                part
                for part in (
                    f"not written by the generator: {', '.join(unknown)}" if unknown else "",
                    f"missing from the page: {', '.join(missing)}" if missing else "",
                )
                if part
            )
        )

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        body = blocks[name].strip("\n")
        return f"{begin_marker(name)}\n{body}\n{end_marker(name)}"

    return _BLOCK.sub(replace, text)
