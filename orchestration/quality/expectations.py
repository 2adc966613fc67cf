"""Great Expectations' expectation classes, imported on first use.

Importing GX takes ~6 s; the Dagster definitions (which only need the suites' names and
severities) load without it, and the first suite built at run time pays the import.
Use as `from orchestration.quality import expectations as gxe` then `gxe.ExpectColumnValuesToBeBetween`.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # the import system probing the module (__path__, ...)
        raise AttributeError(name)
    import great_expectations.expectations as gx_expectations

    return getattr(gx_expectations, name)
