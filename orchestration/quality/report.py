"""A suite's outcome as a Dagster AssetCheckResult and as console lines a person can act on."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import dagster as dg

from orchestration.quality.outcome import Finding
from orchestration.quality.spec import Severity

if TYPE_CHECKING:
    from orchestration.quality.runner import SuiteOutcome

_MAX_TABLE_ROWS = 30


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text.replace("|", "\\|").replace("\n", " ")


def _failure_table(failures: list[Finding]) -> str:
    lines = ["| rule | expectation | unexpected | sample |", "|---|---|---|---|"]
    for finding in failures[:_MAX_TABLE_ROWS]:
        if finding.error:
            unexpected = f"ERROR: {finding.error}"
        elif finding.unexpected_count is not None:
            unexpected = f"{finding.unexpected_count:,}"
        else:
            unexpected = f"observed {finding.observed}"
        sample = _cell(finding.samples[:3]) if finding.samples else ""
        lines.append(f"| {_cell(finding.rule)} | `{finding.expectation_type}` | {unexpected} | {sample} |")
    return "\n".join(lines)


def describe(outcome: SuiteOutcome) -> str:
    """One sentence: what failed (or that everything held)."""
    if outcome.error:
        return f"{outcome.suite.name} could not run: {outcome.error}"
    failures = outcome.failures
    if not failures:
        return f"{len(outcome.findings)} expectations held"
    parts = "; ".join(f.summary() for f in failures[:5])
    more = f" (+{len(failures) - 5} more)" if len(failures) > 5 else ""
    return f"{len(failures)} of {len(outcome.findings)} expectations failed: {parts}{more}"


def check_result(outcome: SuiteOutcome, asset_key: dg.AssetKey, docs_index: str) -> dg.AssetCheckResult:
    severity = (
        dg.AssetCheckSeverity.ERROR
        if outcome.suite.severity is Severity.BLOCKING
        else dg.AssetCheckSeverity.WARN
    )
    failures = outcome.failures
    metadata: dict[str, Any] = {
        "suite": outcome.suite.name,
        "expectations": len(outcome.findings),
        "failed_expectations": len(failures),
        "errored_expectations": sum(1 for f in outcome.findings if f.error),
        "unexpected_rows": sum(f.unexpected_count or 0 for f in failures),
        "validation_seconds": round(outcome.seconds, 3),
        "data_docs": dg.MetadataValue.url(outcome.docs_url or docs_index),
        "data_docs_index": dg.MetadataValue.path(docs_index),
    }
    if outcome.batch_query:
        metadata["batch_query"] = dg.MetadataValue.md(f"```sql\n{outcome.batch_query}\n```")
    if outcome.error:
        metadata["error"] = outcome.error
    if failures:
        metadata["failures"] = dg.MetadataValue.md(_failure_table(failures))
        metadata["samples"] = dg.MetadataValue.json(
            {
                f.rule: {
                    "expectation": f.expectation_type,
                    "unexpected": f.unexpected_count,
                    "error": f.error,
                    "observed": f.observed,
                    "sample": json.loads(json.dumps(f.samples, default=str)),
                    "all_bad_rows_query": f.unexpected_index_query or f.kwargs.get("unexpected_rows_query"),
                }
                for f in failures
            }
        )
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.suite.check_name,
        passed=outcome.passed,
        severity=severity,
        description=describe(outcome),
        metadata=metadata,
    )


def console_lines(outcome: SuiteOutcome, asset_key: dg.AssetKey) -> list[str]:
    """What the run log prints for a failed suite: the rule, the count and a few bad rows."""
    head = (
        f"[quality] {asset_key.to_user_string()} {outcome.suite.check_name} "
        f"({'ERROR, blocking' if outcome.suite.severity is Severity.BLOCKING else 'WARN'}) FAILED"
    )
    if outcome.error:
        return [f"{head}: suite could not run: {outcome.error}"]
    lines = [f"{head}: {len(outcome.failures)} of {len(outcome.findings)} expectations"]
    for finding in outcome.failures:
        sample = f" e.g. {_cell(finding.samples[:3])}" if finding.samples else ""
        lines.append(f"    - {finding.summary()}{sample}")
    if outcome.docs_url:
        lines.append(f"    Data Docs: {outcome.docs_url}")
    return lines
