"""Three headline KPIs computed by the project's SQL in DuckDB and by a straightforward pandas
implementation, from the same fact tables of the built warehouse, each in a fresh process (so
their CPU time and peak memory are their own), with a check that both give the same numbers.

- deal size and win rate per month (of CloseDate) x rep: won = is_won, lost = is_lost, a null
  amount counts 0 (docs/kpi-reference.md, kpi_deal_size and kpi_win_rate);
- selling share per week (Monday, UTC) x rep: minutes in the two selling categories over all
  minutes, null when there are none (kpi_activity_time_allocation).

DuckDB runs the compiled SQL of `int_closed_deals_summed_by_rep_month`, `kpi_deal_size`,
`kpi_win_rate` and `kpi_activity_time_allocation` into temp tables of a read-only connection;
pandas reads the facts' columns it needs (part of its time: it must hold them in memory) and
groups. Timed: from connecting to the last result; results are written out afterwards for the
comparison. Memory: each process's peak resident memory, and its peak above what the process
held after its imports (the work's own).

    python -m benchmarks.kpis duckdb|pandas <spec.json>   (the children)
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from pathlib import Path

from benchmarks.compiled import CompiledNode
from benchmarks.figures import ratio
from benchmarks.process_tree import run_measured
from orchestration import config

SELLING_CATEGORIES = ("digital_communication", "personal_communication")
_INTERMEDIATE = "int_closed_deals_summed_by_rep_month"
_MODELS = (_INTERMEDIATE, "kpi_deal_size", "kpi_win_rate", "kpi_activity_time_allocation")
_FACTS = ("fct_opportunities", "fct_activities")
# Ratios are rounded to 6 decimals and money to cents by the marts, not by pandas.
_TOLERANCE = {"won_count": 0.0, "won_amount": 0.005, "avg_deal_size": 0.005, "win_rate": 5.1e-7}
_SHARE_TOLERANCE = 5.1e-7


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024


def _rss_mb() -> float:
    return _status_mb("VmRSS:")


def _peak_mb() -> float:
    """This process's own peak (VmHWM). Not ru_maxrss: Linux carries the parent's resident size
    at the fork into it, so a child started by a big benchmark process would report that."""
    return _status_mb("VmHWM:")


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the children ---------------------------------------------------------------------------


def _duckdb(spec: dict) -> dict:
    import duckdb

    from orchestration.duckdb_memory import limit_memory

    baseline, cpu0, started = _rss_mb(), _cpu_s(), time.perf_counter()
    con = duckdb.connect(spec["warehouse"], read_only=True)
    con.execute("set TimeZone = 'UTC'")
    limit_memory(con)
    sql = dict(spec["sql"])
    intermediate = spec["relations"][_INTERMEDIATE]
    for name in _MODELS:
        select = sql[name].replace(intermediate, f"temp.main.{_INTERMEDIATE}")
        con.execute(f"create temp table {name} as {select}")
    wall, cpu, peak = time.perf_counter() - started, _cpu_s() - cpu0, _peak_mb()
    out = Path(spec["out"])
    con.execute(
        "copy (select d.month_start, d.rep_id, d.won_count, d.won_amount, d.avg_deal_size, w.win_rate "
        "from kpi_deal_size d join kpi_win_rate w using (month_start, rep_id)) "
        f"to '{out / 'deals_duckdb.parquet'}'"
    )
    con.execute(
        f"copy (select week_start, rep_id, selling_share from kpi_activity_time_allocation) "
        f"to '{out / 'selling_duckdb.parquet'}'"
    )
    con.close()
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak, "baseline_rss_mb": baseline}


def _pandas(spec: dict) -> dict:
    import duckdb
    import pandas as pd

    baseline, cpu0, started = _rss_mb(), _cpu_s(), time.perf_counter()
    relations = spec["relations"]
    with duckdb.connect(spec["warehouse"], read_only=True) as con:
        opportunities = con.execute(
            f"select rep_id, close_date, is_won, is_lost, amount from {relations['fct_opportunities']}"
        ).df()
        activities = con.execute(
            f"select rep_id, started_at, category, minutes from {relations['fct_activities']}"
        ).df()
    loaded = time.perf_counter() - started

    closed = opportunities[opportunities["is_won"] | opportunities["is_lost"]].copy()
    closed["month_start"] = pd.to_datetime(closed["close_date"]).dt.to_period("M").dt.start_time
    amount = closed["amount"].astype("float64").fillna(0.0)
    closed["won_amount"] = amount.where(closed["is_won"], 0.0)
    closed["lost_amount"] = amount.where(closed["is_lost"], 0.0)
    deals = (
        closed.groupby(["month_start", "rep_id"], dropna=False)
        .agg(
            won_count=("is_won", "sum"),
            lost_count=("is_lost", "sum"),
            won_amount=("won_amount", "sum"),
            lost_amount=("lost_amount", "sum"),
        )
        .reset_index()
    )
    deals["avg_deal_size"] = (deals["won_amount"] / deals["won_count"]).where(deals["won_count"] > 0)
    deals["win_rate"] = deals["won_count"] / (deals["won_count"] + deals["lost_count"])

    started_at = pd.to_datetime(activities["started_at"])
    activities["week_start"] = started_at.dt.normalize() - pd.to_timedelta(started_at.dt.weekday, unit="D")
    selling = activities["category"].isin(SELLING_CATEGORIES)
    activities["selling_minutes"] = activities["minutes"].where(selling, 0.0)
    weeks = (
        activities.groupby(["week_start", "rep_id"], dropna=False)
        .agg(total_minutes=("minutes", "sum"), selling_minutes=("selling_minutes", "sum"))
        .reset_index()
    )
    share = weeks["selling_minutes"] / weeks["total_minutes"]
    weeks["selling_share"] = share.where(weeks["total_minutes"] != 0)
    wall, cpu, peak = time.perf_counter() - started, _cpu_s() - cpu0, _peak_mb()

    out = Path(spec["out"])
    deals[["month_start", "rep_id", "won_count", "won_amount", "avg_deal_size", "win_rate"]].to_parquet(
        out / "deals_pandas.parquet"
    )
    weeks[["week_start", "rep_id", "selling_share"]].to_parquet(out / "selling_pandas.parquet")
    return {"wall_s": wall, "load_s": loaded, "cpu_s": cpu, "peak_rss_mb": peak, "baseline_rss_mb": baseline}


# ---- the parent -----------------------------------------------------------------------------


def _differences(out: Path) -> dict:
    """Rows on one side only and the largest difference of each figure, from the two outputs."""
    import duckdb

    con = duckdb.connect()
    figures = {}
    deals = con.execute(
        f"""
        select
            count(*) filter (where d.month_start is null) as only_pandas,
            count(*) filter (where p.month_start is null) as only_duckdb,
            max(abs(d.won_count - p.won_count)) as won_count,
            max(abs(d.won_amount - p.won_amount)) as won_amount,
            max(abs(d.avg_deal_size - p.avg_deal_size)) as avg_deal_size,
            count(*) filter (where (d.avg_deal_size is null) <> (p.avg_deal_size is null)) as avg_nulls,
            max(abs(d.win_rate - p.win_rate)) as win_rate
        from '{out / "deals_duckdb.parquet"}' d
        full join (select * replace (cast(month_start as date) as month_start)
                   from '{out / "deals_pandas.parquet"}') p
            on d.month_start = p.month_start and d.rep_id is not distinct from p.rep_id
        """
    ).fetchone()
    names = (
        "only_pandas",
        "only_duckdb",
        "won_count",
        "won_amount",
        "avg_deal_size",
        "avg_nulls",
        "win_rate",
    )
    figures["deals"] = {name: _number(v) for name, v in zip(names, deals, strict=True)}
    selling = con.execute(
        f"""
        select
            count(*) filter (where d.week_start is null) as only_pandas,
            count(*) filter (where p.week_start is null) as only_duckdb,
            max(abs(d.selling_share - p.selling_share)) as selling_share,
            count(*) filter (where (d.selling_share is null) <> (p.selling_share is null)) as share_nulls
        from '{out / "selling_duckdb.parquet"}' d
        full join (select * replace (cast(week_start as date) as week_start)
                   from '{out / "selling_pandas.parquet"}') p
            on d.week_start = p.week_start and d.rep_id is not distinct from p.rep_id
        """
    ).fetchone()
    names = ("only_pandas", "only_duckdb", "selling_share", "share_nulls")
    figures["selling"] = {name: _number(v) for name, v in zip(names, selling, strict=True)}
    figures["rows"] = {
        name: con.execute(f"select count(*) from '{out / (name + '.parquet')}'").fetchone()[0]
        for name in ("deals_duckdb", "deals_pandas", "selling_duckdb", "selling_pandas")
    }
    con.close()
    return figures


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # decimals and NaN-free doubles, for JSON


def same_numbers(differences: dict) -> bool:
    """Whether the two agree: the same rows, the same nulls, figures within the marts' rounding."""
    deals, selling = differences["deals"], differences["selling"]
    if deals["only_pandas"] or deals["only_duckdb"] or deals["avg_nulls"]:
        return False
    if selling["only_pandas"] or selling["only_duckdb"] or selling["share_nulls"]:
        return False
    for name, tolerance in _TOLERANCE.items():
        if (deals[name] or 0.0) > tolerance:
            return False
    return (selling["selling_share"] or 0.0) <= _SHARE_TOLERANCE


def measure(warehouse: Path, nodes: list[CompiledNode], workdir: Path, env: dict[str, str]) -> dict:
    """Both children on `warehouse` (free of writers), then the comparison."""
    by_name = {n.name: n for n in nodes if n.resource_type == "model"}
    scratch = workdir / "kpis"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    spec = {
        "warehouse": str(warehouse),
        "out": str(scratch),
        "sql": {name: by_name[name].sql for name in _MODELS},
        "relations": {name: by_name[name].relation_name for name in (*_MODELS, *_FACTS)},
    }
    (scratch / "spec.json").write_text(json.dumps(spec))
    child_env = {**env, config.TEMP_DIR_ENV: str(scratch / "spill")}
    results = {}
    try:
        for engine in ("duckdb", "pandas"):
            log = scratch / f"{engine}.log"
            argv = [sys.executable, "-m", "benchmarks.kpis", engine, str(scratch / "spec.json")]
            measured = run_measured(argv, child_env, config.PROJECT_ROOT, log)
            if measured.returncode != 0:
                raise RuntimeError(f"KPIs with {engine} failed:\n{log.read_text()[-3000:]}")
            figures = json.loads(log.read_text().strip().splitlines()[-1])
            figures["work_rss_mb"] = figures["peak_rss_mb"] - figures["baseline_rss_mb"]
            results[engine] = figures
        differences = _differences(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    duck, pandas = results["duckdb"], results["pandas"]
    return {
        "duckdb": duck,
        "pandas": pandas,
        "speedup": ratio(pandas["wall_s"], duck["wall_s"]),
        "memory_ratio": ratio(duck["peak_rss_mb"], pandas["peak_rss_mb"]),
        "work_memory_ratio": ratio(duck["work_rss_mb"], pandas["work_rss_mb"]),
        "differences": differences,
        "same_numbers": same_numbers(differences),
    }


if __name__ == "__main__":
    child = {"duckdb": _duckdb, "pandas": _pandas}[sys.argv[1]]
    print(json.dumps(child(json.loads(Path(sys.argv[2]).read_text()))))
