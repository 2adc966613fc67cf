"""How a failed run is reported: which step failed and why, in a few lines.

The CLI prints it; the `report_failed_runs` sensor logs it for runs launched from the UI, a
schedule or a sensor.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg


def _first_lines(message: str, limit: int = 12) -> str:
    lines = [line.rstrip() for line in message.strip().splitlines() if line.strip()]
    kept = lines[:limit]
    if len(lines) > limit:
        kept.append(f"... ({len(lines) - limit} more lines in the run's logs)")
    return "\n    ".join(kept)


def step_failure_reason(event: dg.DagsterEvent) -> str:
    """The error message of a STEP_FAILURE event (the user code's exception or Failure)."""
    data = event.step_failure_data
    error = data.user_failure_data.description if data.user_failure_data else None
    if not error and data.error is not None:
        error = data.error.message
        # A user exception is wrapped, and so is one that used up a retry policy's retries: the
        # reason is the cause's message.
        wrapped = "Error occurred while executing" in error or error.startswith("Exceeded max_retries")
        if data.error.cause is not None and wrapped:
            error = data.error.cause.message
    return (error or "no reason recorded").strip()


def format_run_failure(
    job_name: str, run_id: str, step_failures: Sequence[dg.DagsterEvent], run_message: str | None = None
) -> str:
    """`Run <id> of job <job> failed` then `step <key>: <reason>` per failed step."""
    lines = [f"Run {run_id} of job {job_name} failed."]
    for event in step_failures:
        lines.append(f"  step {event.step_key}: {_first_lines(step_failure_reason(event))}")
    if not step_failures and run_message:
        lines.append(f"  {_first_lines(run_message)}")
    return "\n".join(lines)


def format_check_summary(
    evaluations: Sequence[dg.AssetCheckEvaluation], docs_index: str | None = None
) -> str:
    """`Asset checks: N passed, M failed` then one line per failed check (blocking first), and
    where the Data Docs are: what a console user needs after a run."""
    failed = sorted(
        (e for e in evaluations if not e.passed),
        key=lambda e: (e.severity != dg.AssetCheckSeverity.ERROR, e.asset_key.to_user_string(), e.check_name),
    )
    lines = [f"Asset checks: {len(evaluations) - len(failed)} passed, {len(failed)} failed."]
    for evaluation in failed:
        lines.append(
            f"  {evaluation.severity.value:<5} {evaluation.asset_key.to_user_string()} "
            f"{evaluation.check_name}: {_first_lines(evaluation.description or 'failed', limit=3)}"
        )
    if docs_index:
        lines.append(f"Data quality report (Data Docs): {docs_index}")
    return "\n".join(lines)
