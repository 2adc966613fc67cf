"""Every case of the bad-input corpus (corpus/cases.yaml) gives its documented outcome.

The cases are landed together on the clean demo extract, one run per reject threshold (a run
per case would cost ~5 s each for the same evidence). For each case: where each of its files
ends up (loaded, rows rejected with line, column and reason, file rejected, quarantined,
unreadable, skipped, ignored) and which check reports a record that loads but is wrong. For each
run: no table gained or lost a row beyond what the cases document, the companion file loaded,
and every failing expectation is one a case of the run documents (no other check fails).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from corpus_harness import (
    COMPANION,
    COMPANION_ROWS,
    DEFAULT_THRESHOLD,
    CaseRun,
    load_cases,
    object_of,
    run_cases,
)

from orchestration.ingestion.contract import ACTIVITY_LOG
from orchestration.quality.runner import SuiteOutcome, run_suites
from orchestration.quality.suites.raw import raw_suites
from orchestration.quality.suites.staging import STAGING_MODELS, staging_suites

CASES = load_cases()
_STAGING_OF = {model.object_name: model.model for model in STAGING_MODELS}


def _threshold(case: dict[str, Any]) -> float:
    return float(case.get("threshold", DEFAULT_THRESHOLD))


def _suites_for(run: CaseRun) -> list:
    """The raw and staging suites of every object the run's files belong to."""
    objects = {
        obj.name: obj for obj in (object_of(f) for f in [*run.case_files, COMPANION]) if obj is not None
    }
    tables = {obj.raw_table for obj in objects.values()}
    models = {_STAGING_OF[name] for name in objects if name in _STAGING_OF}
    return [s for s in raw_suites() if s.table in tables] + [s for s in staging_suites() if s.table in models]


@pytest.fixture(scope="module")
def runs(demo_base, tmp_path_factory) -> dict[float, tuple[CaseRun, dict[str, SuiteOutcome]]]:
    groups: dict[float, list[dict[str, Any]]] = defaultdict(list)
    for case in CASES:
        groups[_threshold(case)].append(case)
    result = {}
    for threshold, cases in groups.items():
        run = run_cases(demo_base, cases, threshold, tmp_path_factory.mktemp(f"corpus_{threshold}"))
        outcomes = run_suites(run.warehouse, _suites_for(run), build_docs=False)
        result[threshold] = (run, {o.suite.name: o for o in outcomes})
    return result


def test_corpus_is_complete():
    outcomes = {case["outcome"] for case in CASES}
    assert len(CASES) >= 20
    expected = {"rejected_row", "file_rejected", "quarantined", "unreadable", "skipped", "ignored", "loaded"}
    assert expected | {"check_failure"} <= outcomes
    assert len({case["id"] for case in CASES}) == len(CASES)
    for case in CASES:  # a re-landed file is a copy of a clean file: no folder of its own
        assert (Path(__file__).parent / "corpus" / "cases" / case["id"]).is_dir() or "reland" in case, case[
            "id"
        ]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_corpus_case(case: dict[str, Any], runs):
    run, outcomes = runs[_threshold(case)]
    for relative, expected in case.get("files", {}).items():
        entry = run.manifest(relative)
        assert entry is not None, f"{relative} is not in raw.load_manifest"
        for key in ("status", "records_read", "rows_loaded", "rows_rejected"):
            assert entry[key] == expected[key], (relative, key, entry)
        assert (
            entry["records_read"] == entry["rows_loaded"] + entry["rows_rejected"]
        )  # every record accounted for
        if "reason" in expected:
            assert expected["reason"] in (entry["reason"] or ""), entry["reason"]
        expected_rejects = case.get("rejects", {}).get(relative, [])
        rejects = run.rejects(relative)
        assert len(rejects) == len(expected_rejects), rejects
        for (line, column, reason), (want_line, want_column, want_reason) in zip(
            rejects, expected_rejects, strict=True
        ):
            assert (line, column) == (want_line, want_column)
            assert want_reason in reason
    for relative in case.get("ignored", []):
        assert relative in run.ignored()
        assert run.manifest(relative) is None
    if "staging" in case:
        rows = run.query(case["staging"]["query"])
        assert [list(row) for row in rows] == case["staging"]["rows"]
    if "check" in case:
        check = case["check"]
        outcome = outcomes[f"{check['layer']}.{check['table']}.{check['severity']}"]
        assert not outcome.passed and outcome.error is None
        findings = [f for f in outcome.failures if check["rule"] in f.rule]
        assert findings, [f.rule for f in outcome.failures]
        assert any(check["sample"] in str(f.samples) for f in findings), [f.samples for f in findings]


@pytest.mark.parametrize("threshold", sorted({_threshold(c) for c in CASES}))
def test_run_lost_nothing_else(threshold, runs):
    run, _ = runs[threshold]
    documented = {
        relative for case in run.cases for relative in [*case.get("files", {}), *case.get("ignored", [])]
    }
    assert set(run.case_files) == documented  # every landed file has a documented outcome
    gained = {ACTIVITY_LOG.raw_table: COMPANION_ROWS}
    for case in run.cases:
        for relative, expected in case.get("files", {}).items():
            obj = object_of(relative)
            if obj is not None:
                gained[obj.raw_table] = gained.get(obj.raw_table, 0) + expected["rows_loaded"]
    assert run.rows_after == {
        table: before + gained.get(table, 0) for table, before in run.rows_before.items()
    }
    companion = run.manifest(COMPANION)
    assert companion is not None and (companion["status"], companion["rows_loaded"]) == (
        "loaded",
        COMPANION_ROWS,
    )


@pytest.mark.parametrize("threshold", sorted({_threshold(c) for c in CASES}))
def test_run_fails_only_documented_checks(threshold, runs):
    run, outcomes = runs[threshold]
    documented = {
        (f"{c['check']['layer']}.{c['check']['table']}.{c['check']['severity']}", c["check"]["rule"])
        for c in run.cases
        if "check" in c
    }
    failing = set()
    for name, outcome in outcomes.items():
        assert outcome.error is None, (name, outcome.error)
        for finding in outcome.failures:
            rule = next((r for (suite, r) in documented if suite == name and r in finding.rule), None)
            assert rule is not None, (name, finding.summary(), finding.samples)
            failing.add((name, rule))
    assert failing == documented
