"""The benchmark's arithmetic: ratios, rates, and a stage's CPU time and peak memory from a
process tree's samples. Pure functions, unit-tested on made-up samples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """One look at a process tree: `at` epoch seconds; CPU seconds used so far by the whole tree
    (the root, its finished children and its live descendants); resident MB of the root and of
    its descendants together (dbt's process, its own children)."""

    at: float
    cpu_s: float
    root_rss_mb: float
    children_rss_mb: float


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def rows_per_second(rows: int | None, seconds: float | None) -> float | None:
    return ratio(rows, seconds)


def _at_or_before(samples: Sequence[Sample], moment: float) -> Sample | None:
    before = [s for s in samples if s.at <= moment]
    return before[-1] if before else None


def _at_or_after(samples: Sequence[Sample], moment: float) -> Sample | None:
    after = [s for s in samples if s.at >= moment]
    return after[0] if after else None


def cpu_between(samples: Sequence[Sample], start: float, end: float) -> float | None:
    """CPU seconds the tree used from `start` to `end`: the counter at the first sample at or
    after `end` minus the one at the last sample at or before `start` (so the window is never
    narrower than asked; samples are a tenth of a second apart). None without samples around it."""
    first, last = _at_or_before(samples, start), _at_or_after(samples, end)
    if first is None or last is None:
        return None
    return max(last.cpu_s - first.cpu_s, 0.0)


def peaks_between(samples: Sequence[Sample], start: float, end: float) -> tuple[float, float] | None:
    """Highest resident MB of the root and of its descendants seen from `start` to `end`
    (samples inside the window, and the one just before it: it holds until the next)."""
    inside = [s for s in samples if start <= s.at <= end]
    edge = _at_or_before(samples, start)
    chosen = ([edge] if edge is not None else []) + inside
    if not chosen:
        return None
    return max(s.root_rss_mb for s in chosen), max(s.children_rss_mb for s in chosen)
