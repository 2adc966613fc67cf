"""What a validation found, read from Great Expectations' result.

An expectation passes only when GX says so *and* nothing raised: GX reports an error while
computing a metric in `exception_info` (either flat, or keyed by metric), sometimes next to
`success=False` with an empty result. Such an expectation is a failure here, never a pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

UNEXPECTED_ROWS = "unexpected_rows_expectation"


@dataclass
class Finding:
    """One expectation's outcome, in the terms a person fixing the data needs."""

    rule: str  # the expectation's description (what must hold)
    expectation_type: str
    kwargs: dict[str, Any]
    passed: bool
    error: str | None = None  # GX raised while computing it
    unexpected_count: int | None = None  # rows (or values) that break the rule
    element_count: int | None = None
    observed: Any = None  # e.g. the row count
    samples: list[Any] = field(default_factory=list)  # bad values, with their row's keys when known
    unexpected_index_query: str | None = None  # a query listing every bad row

    @property
    def failed(self) -> bool:
        return not self.passed

    def summary(self) -> str:
        if self.error:
            return f"{self.rule}: ERROR {self.error}"
        if self.unexpected_count is not None:
            of = f" of {self.element_count:,}" if self.element_count is not None else ""
            return f"{self.rule}: {self.unexpected_count:,}{of} unexpected"
        return f"{self.rule}: observed {self.observed}"


def raised_exception(exception_info: Any) -> str | None:
    """The message of an exception GX recorded for an expectation, if any."""
    if not exception_info:
        return None
    if isinstance(exception_info, dict) and "raised_exception" in exception_info:
        if not exception_info.get("raised_exception"):
            return None
        return _first_line(exception_info.get("exception_message") or "exception raised")
    if isinstance(exception_info, dict):  # {metric id: {exception_message, exception_traceback, ...}}
        for info in exception_info.values():
            if isinstance(info, dict) and (
                info.get("raised_exception")
                or info.get("exception_message")
                or info.get("exception_traceback")
            ):
                return _first_line(info.get("exception_message") or "exception raised")
    return None


def _first_line(message: str) -> str:
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0][:500] if lines else str(message)[:500]


def _rule(config: Any) -> str:
    description = getattr(config, "description", None) or (config.kwargs or {}).get("description")
    if description:
        return str(description)
    kwargs = {k: v for k, v in (config.kwargs or {}).items() if k not in ("batch_id", "result_format")}
    return f"{config.type} {json.dumps(kwargs, default=str)}"


def findings_from(result: Any, sample_size: int) -> list[Finding]:
    """One Finding per expectation of a suite validation result (ExpectationSuiteValidationResult)."""
    findings = []
    for item in result.results:
        config = item.expectation_config
        details = item.result or {}
        error = raised_exception(item.exception_info)
        kwargs = {k: v for k, v in (config.kwargs or {}).items() if k != "batch_id"}
        finding = Finding(
            rule=_rule(config),
            expectation_type=config.type,
            kwargs=kwargs,
            passed=bool(item.success) and error is None,
            error=error,
            unexpected_count=details.get("unexpected_count"),
            element_count=details.get("element_count"),
            observed=details.get("observed_value"),
            unexpected_index_query=_as_text(details.get("unexpected_index_query")),
        )
        if config.type == UNEXPECTED_ROWS:
            finding.unexpected_count = details.get("observed_value")
        samples = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
        finding.samples = list(samples)[:sample_size]
        if not finding.passed and not error and not details:
            finding.error = "no result computed (GX returned an empty result)"
        findings.append(finding)
    return findings


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, default=str)
