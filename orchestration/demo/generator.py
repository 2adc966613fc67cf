"""The full extract: a complete landing folder as of `params.AS_OF`.

The org is built in units of ~40 reps; the demo is one unit, bigger sizes stack units (one per
`DEMO_ACTIVITY_ROWS` activity rows). Each unit is generated, appended to the open files and
dropped before the next, so memory stays bounded whatever the size. Optionally, worker
processes build the next units while one is written (same output).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from orchestration.demo import activities, clock, leads, opportunities, org, params, quotas
from orchestration.demo import columns as col
from orchestration.demo.ids import IdAllocator
from orchestration.demo.shapes import ACTIVITY_KEY, ACTIVITY_SHAPES, SHAPES, FileShape, Sink, prepare

DEMO_ACTIVITY_ROWS = params.DEMO_ACTIVITY_ROWS
MAX_ACTIVITY_ROWS_PER_FILE = 2_000_000  # big activity logs are split into parts per year


@dataclass
class GenerationReport:
    out_dir: Path
    as_of: date
    seed: int
    files: list[Path] = field(default_factory=list)  # relative to out_dir
    rows: dict[str, int] = field(default_factory=dict)  # object (API name, `activities`) -> rows

    def summary(self) -> str:
        lines = [f"{self.as_of} extract in {self.out_dir} (seed {self.seed}): {len(self.files)} files"]
        lines += [f"  {name:<28} {count:>12,}" for name, count in self.rows.items()]
        return "\n".join(lines)


@dataclass
class UnitTables:
    tables: dict[str, pa.Table]  # Salesforce object -> rows
    activity_log: pa.Table
    activity_year: np.ndarray


def _rng(seed: int, unit: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, unit, stream])


def unit_sizes(activity_rows: int) -> list[int]:
    """Activity-log rows of each unit: one unit per DEMO_ACTIVITY_ROWS (at least one)."""
    if activity_rows < 0:
        raise ValueError("activity_rows must be >= 0")
    units = max(1, round(activity_rows / DEMO_ACTIVITY_ROWS))
    base, extra = divmod(activity_rows, units)
    return [base + (1 if i < extra else 0) for i in range(units)]


def build_unit(unit: int, seed: int, activity_rows: int, ids: IdAllocator) -> UnitTables:
    the_org = org.build_org(unit, _rng(seed, unit, 1), ids)
    reps, accounts = the_org.reps, the_org.accounts
    the_leads = leads.simulate_leads(the_org, _rng(seed, unit, 2))

    # Converted leads become opportunities, on a new account or one of the rep's.
    rng = _rng(seed, unit, 3)
    converted_at = the_leads.converted_at()
    converted = np.flatnonzero(converted_at >= 0)
    owner = the_leads.owner[converted]
    base_owner = accounts.owner[: accounts.base_count]
    lo = np.searchsorted(base_owner, owner, side="left")
    hi = np.searchsorted(base_owner, owner, side="right")
    account = lo + (rng.random(len(converted)) * (hi - lo)).astype(np.int64)
    new = rng.random(len(converted)) < params.NEW_ACCOUNT_ON_CONVERSION
    account[new] = org.add_accounts(
        accounts,
        owner[new],
        reps.territory[owner[new]],
        converted_at[converted][new],
        col.take(the_leads.company, converted[new]),
    )
    conversions = opportunities.Conversions(
        lead=converted,
        owner=owner,
        at=converted_at[converted],
        account=account,
        source=the_leads.source[converted],
    )
    opps, extras = opportunities.simulate(the_org, conversions, _rng(seed, unit, 4))

    account_ids = ids.take("Account", len(accounts.owner))
    opps.ids = ids.take("Opportunity", len(opps))
    lead_ids = ids.take("Lead", len(the_leads))
    from_lead = np.flatnonzero(opps.lead >= 0)
    opp_of_lead = np.full(len(the_leads), -1)
    opp_of_lead[opps.lead[from_lead]] = from_lead
    account_of_lead = np.full(len(the_leads), -1)
    account_of_lead[converted] = account
    lead_table, lead_history = leads.lead_tables(
        the_org,
        the_leads,
        lead_ids,
        col.take(opps.ids, opp_of_lead, opp_of_lead >= 0),
        col.take(account_ids, account_of_lead, account_of_lead >= 0),
        _rng(seed, unit, 5),
        ids,
    )
    opportunity_table, opportunity_history = opportunities.tables(
        the_org, opps, extras, account_ids, ids, _rng(seed, unit, 6)
    )
    quota_table = quotas.quota_table(the_org, opps, ids, _rng(seed, unit, 7))

    # Accounts: a departed rep's accounts belong to the successor; won deals make customers.
    current_owner = accounts.owner.copy()
    for gone in np.flatnonzero(reps.successor >= 0):
        current_owner[current_owner == gone] = reps.successor[gone]
    won = opps.won_by_cutoff
    first_won = np.full(len(accounts.owner), np.iinfo(np.int64).max)
    np.minimum.at(first_won, opps.account[won], opps.closes_at[won])
    first_won = np.where(first_won == np.iinfo(np.int64).max, -1, first_won)
    account_table, object_territories = org.account_tables(
        the_org, account_ids, current_owner, first_won, ids, _rng(seed, unit, 8)
    )

    live_opps = np.flatnonzero(~opps.deleted)
    live_leads = np.flatnonzero(~the_leads.deleted)
    is_base = np.arange(len(accounts.owner)) < accounts.base_count
    records = activities.Records(
        opp_owner=opps.original_owner[live_opps],
        opp_created=opps.created[live_opps],
        opp_closes=opps.closes_at[live_opps],
        opp_account=opps.account[live_opps],
        opp_ids=col.take(opps.ids, live_opps),
        lead_owner=the_leads.original_owner[live_leads],
        lead_created=the_leads.created[live_leads],
        lead_ids=col.take(lead_ids, live_leads),
        # Blocks about "some account of the rep" pick among the rep's base accounts.
        account_owner=np.where(is_base, accounts.owner, -1),
        account_ids=account_ids,
    )
    sellers = activities.Sellers(
        user_ids=reps.user_ids,
        start_day=reps.start_day,
        end_day=reps.end_day,
        intensity=reps.intensity,
        selling_tilt=reps.selling_tilt,
        utc_offset=reps.utc_offset,
    )
    acts = activities.simulate(
        sellers,
        records,
        clock.ACTIVITY_START_DAY,
        clock.AS_OF_DAY,
        _rng(seed, unit, 9),
        ids,
        total_rows=activity_rows,
    )
    tables = {
        "User": the_org.users,
        "UserRole": the_org.roles,
        "Account": account_table,
        "Lead": lead_table,
        "LeadHistory": lead_history,
        "Opportunity": opportunity_table,
        "OpportunityHistory": opportunity_history,
        "ForecastingQuota": quota_table,
        "Territory2": the_org.territories,
        "UserTerritory2Association": the_org.user_territories,
        "ObjectTerritory2Association": object_territories,
        "Task": acts.tasks,
        "Event": acts.events,
    }
    return UnitTables(tables=tables, activity_log=acts.log, activity_year=acts.log_year)


@dataclass
class PreparedUnit:
    """A unit's rows in their files' form (headers, text for CSV), ready to append."""

    unit: int
    activity_rows: int
    tables: dict[str, pa.Table]  # Salesforce object -> rows
    activity: dict[int, pa.Table]  # year of started_at -> activity-log rows


def prepare_unit(unit: int, seed: int, activity_rows: int) -> PreparedUnit:
    """Build and format one unit; a pure function of its arguments (runs in worker processes)."""
    built = build_unit(unit, seed, activity_rows, IdAllocator(day_index=0, unit=unit))
    tables = {name: prepare(SHAPES[name], table) for name, table in built.tables.items()}
    activity = {
        year: prepare(shape, built.activity_log.filter(pa.array(built.activity_year == year)))
        for year, shape in ACTIVITY_SHAPES.items()
    }
    return PreparedUnit(unit=unit, activity_rows=activity_rows, tables=tables, activity=activity)


def _prepared_units(sizes: list[int], seed: int, workers: int) -> Iterator[PreparedUnit]:
    """Units in order. With workers, the next units are built while this one is written."""
    if workers <= 1 or len(sizes) == 1:
        for unit, rows in enumerate(sizes):
            yield prepare_unit(unit, seed, rows)
        return
    context = multiprocessing.get_context("spawn")  # no fork: Arrow's threads are not fork-safe
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[PreparedUnit]] = deque()
        submitted = 0
        while pending or submitted < len(sizes):
            while submitted < len(sizes) and len(pending) < workers + 1:  # bounds the units in memory
                pending.append(pool.submit(prepare_unit, submitted, seed, sizes[submitted]))
                submitted += 1
            yield pending.popleft().result()


def full_extract_name(shape: FileShape, year: int | None = None, part: int = 1) -> str:
    if year is None:
        return f"{shape.stem}_full_{params.AS_OF.isoformat()}"
    return f"{shape.stem}_{year}" if part == 1 else f"{shape.stem}_{year}_part{part}"


def _existing_outputs(out_dir: Path) -> list[Path]:
    """Files of an earlier full extract, and of the daily drops on top of it."""
    paths = []
    for shape in SHAPES.values():
        folder = out_dir / shape.family / shape.folder
        paths += list(folder.glob(f"{shape.stem}_full_*.{shape.format.value}"))
        paths += list(folder.glob(f"{shape.stem}_delta_*.{shape.format.value}"))
    for year, shape in ACTIVITY_SHAPES.items():
        folder = out_dir / shape.family / shape.folder
        paths += list(folder.glob(f"{shape.stem}_{year}*.{shape.format.value}"))
        paths += list(folder.glob(f"{shape.stem}_delta_*.*"))
    return sorted(set(paths))


class _ActivitySinks:
    """The activity-log files: one per year, a new part every MAX_ACTIVITY_ROWS_PER_FILE rows."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.open: dict[int, tuple[Sink, int]] = {}
        self.closed: list[Sink] = []

    def write(self, year: int, prepared: pa.Table) -> None:
        sink, part = self.open.get(year, (None, 0))
        if sink is not None and sink.rows >= MAX_ACTIVITY_ROWS_PER_FILE and prepared.num_rows:
            sink.close()
            self.closed.append(sink)
            sink = None
        if sink is None:
            shape = ACTIVITY_SHAPES[year]
            part += 1
            sink = Sink(
                shape.path(self.out_dir, full_extract_name(shape, year, part)), shape, prepared.schema
            )
            self.open[year] = (sink, part)
        sink.write(prepared)

    def close(self) -> list[Sink]:
        for sink, _ in self.open.values():
            sink.close()
            self.closed.append(sink)
        self.open = {}
        return self.closed


def generate_landing(
    out_dir: Path,
    seed: int = 42,
    activity_rows: int | None = None,
    progress: bool = True,
    *,
    overwrite: bool = False,
    workers: int | None = None,
) -> GenerationReport:
    """Write the full extract into `out_dir` (a landing folder).

    `activity_rows` sets the size (default DEMO_ACTIVITY_ROWS); reps, leads, deals, Tasks and
    Events grow with it. Files of an earlier extract (and its daily drops) are an error, unless
    `overwrite`, which deletes them first.
    With `workers` > 1, that many processes build the next units while the
    main process writes; the output does not depend on the number of workers.
    `progress`: a progress bar on stderr when stderr is a terminal (never in a log).
    """
    out_dir = Path(out_dir)
    rows = DEMO_ACTIVITY_ROWS if activity_rows is None else int(activity_rows)
    sizes = unit_sizes(rows)
    existing = _existing_outputs(out_dir)
    if existing and not overwrite:
        raise FileExistsError(f"{len(existing)} extract files already exist in {out_dir}, e.g. {existing[0]}")
    for path in existing:
        path.unlink()
    workers = 1 if workers is None else workers

    sinks: dict[str, Sink] = {}
    activity_sinks = _ActivitySinks(out_dir)
    report = GenerationReport(out_dir=out_dir, as_of=params.AS_OF, seed=seed)
    # disable=None: tqdm draws the bar only on a terminal (no carriage-return line in a log).
    bar = tqdm(
        total=rows, unit="row", unit_scale=True, desc="activity log", disable=None if progress else True
    )
    try:
        for prepared in _prepared_units(sizes, seed, workers):
            for name, table in prepared.tables.items():
                if name not in sinks:
                    shape = SHAPES[name]
                    sinks[name] = Sink(shape.path(out_dir, full_extract_name(shape)), shape, table.schema)
                sinks[name].write(table)
            for year, table in prepared.activity.items():
                activity_sinks.write(year, table)
            bar.update(prepared.activity_rows)
    finally:
        bar.close()
        for sink in sinks.values():
            sink.close()
        year_files = activity_sinks.close()
    for name, sink in sinks.items():
        report.files.append(sink.path.relative_to(out_dir))
        report.rows[name] = sink.rows
    report.files += [sink.path.relative_to(out_dir) for sink in year_files]
    report.rows[ACTIVITY_KEY] = sum(sink.rows for sink in year_files)
    return report
