"""A record rule blocks only when strictly more than SALES_QUALITY_RECORD_THRESHOLD of a table's
current records break it; below that, each bad record is a warning naming its Id.

On a copy of the clean demo warehouse, opportunities owned by no User are added until the share
of bad current records is exactly at the threshold (passes), then one more (blocks). The count
of current records is taken from the staging table (a second method: dbt's newest-version
rule), not from the suite's own query.
"""

from __future__ import annotations

import shutil
from fractions import Fraction

import duckdb
import pytest

from orchestration.quality.runner import run_suites
from orchestration.quality.suites.raw import raw_suites

RULE = "Opportunity.OwnerId is a known User"


def _plant_orphans(warehouse, first: int, count: int) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for n in range(first, first + count):
            con.execute(
                "insert into raw.salesforce_opportunity select * replace "
                f"('ORPHAN_{n:04d}' as id, '005NOSUCHUSER0000' as owner_id) "
                "from raw.salesforce_opportunity where not coalesce(is_deleted, false) limit 1"
            )


def _outcomes(warehouse):
    suites = [s for s in raw_suites() if s.table == "salesforce_opportunity"]
    return {o.suite.severity.value: o for o in run_suites(warehouse, suites, build_docs=False)}


def _share_finding(outcome):
    return next(f for f in outcome.findings if "SALES_QUALITY_RECORD_THRESHOLD" in f.rule and RULE in f.rule)


@pytest.mark.parametrize("threshold", ["0.01", "0.05"])
def test_both_sides_of_the_threshold(demo_base, tmp_path, monkeypatch, threshold):
    monkeypatch.setenv("SALES_QUALITY_RECORD_THRESHOLD", threshold)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(demo_base.warehouse, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (current,) = con.execute("select count(*) from staging.stg_salesforce__opportunities").fetchone()
    share = Fraction(threshold)
    # The most orphans k with k / (current + k) <= share: at the threshold, not above it.
    at_threshold = max(k for k in range(current) if Fraction(k, current + k) <= share)
    assert at_threshold >= 1

    _plant_orphans(warehouse, 0, at_threshold)
    outcomes = _outcomes(warehouse)
    assert _share_finding(outcomes["blocking"]).passed
    orphans = next(f for f in outcomes["warning"].failures if f.rule.startswith(RULE))
    assert orphans.unexpected_count == at_threshold  # each bad record reported ...
    assert {row["id"] for row in orphans.samples} <= {f"ORPHAN_{n:04d}" for n in range(at_threshold)}
    assert all(row["_source_file"] and row["_source_line"] for row in orphans.samples)  # ... where it is

    _plant_orphans(warehouse, at_threshold, 1)  # one more: strictly above the threshold
    blocked = _share_finding(_outcomes(warehouse)["blocking"])
    assert blocked.failed
    assert blocked.samples == [{"bad_records": at_threshold + 1, "total_records": current + at_threshold + 1}]
