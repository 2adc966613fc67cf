"""One more day of extracts on top of a landing folder: new files only, never a changed one.

The drop covers the day after the newest drop found (the full extract's AS_OF at first). It
reads the newest state of the records back from the folder and writes, named `*_delta_<day>`:
opportunities moving on (a new version with a later SystemModstamp, plus OpportunityHistory
rows), new opportunities, leads changing status (new versions + LeadHistory rows), converted
and new leads, accounts becoming customers, and the day's activity log, Tasks and Events.
Deterministic: the same folder and seed give the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from orchestration.demo import activities, clock, names, params, state
from orchestration.demo import columns as col
from orchestration.demo.columns import SECONDS_PER_DAY, day_number
from orchestration.demo.generator import GenerationReport
from orchestration.demo.ids import IdAllocator
from orchestration.demo.leads import CONVERTED, SQL
from orchestration.demo.opportunities import STAGES
from orchestration.demo.shapes import ACTIVITY_DELTA_SHAPE, ACTIVITY_KEY, SHAPES, FileShape, write_file

_STREAM = 7_000_000  # keeps next-day random streams apart from the units'
_REP_TITLES = ("Account Executive", "Strategic Account Executive")
_LAST_OPEN = len(params.OPEN_STAGES) - 1
_WON, _LOST = len(params.OPEN_STAGES), len(params.OPEN_STAGES) + 1
_STAGE_NAMES = [s.name for s in STAGES]
_PROBABILITY = np.array([s.probability for s in STAGES])
_FORECAST = [s.forecast_category for s in STAGES]
_OPPORTUNITY_STATE = [
    "owner_id", "stage_name", "is_closed", "is_deleted", "close_date", "amount", "account_id", "created_date",
]  # fmt: skip
_LEAD_STATE = ["owner_id", "status", "is_deleted", "created_date", "lead_source"]
# Daily chance of each lead status change: from status -> ((to status, chance), ...).
_LEAD_MOVES: dict[int, tuple[tuple[int, float], ...]] = {
    0: ((1, 0.60), (5, 0.02)),
    1: ((2, 0.07), (3, 0.003), (5, 0.035)),
    2: ((3, 0.02), (5, 0.06)),
    3: ((4, 0.14), (5, 0.02)),
}
_COLD_AFTER_DAYS = 45  # leads untouched this long have gone cold ...
_COLD_PACE = 0.02  # ... and move at this fraction of the pace
_LOSS_CHANCE_ON_MOVE = 0.25  # an open deal that moves is lost rather than advanced
_WIN_CHANCE_FROM_NEGOTIATION = 0.75
_BACK_CHANCE_ON_MOVE = 0.03
_CLOSE_DATE_PUSH_CHANCE = 0.01
_WEEKEND_WORK = 0.03  # share of reps logging activity on a weekend day
_WEEKEND_PACE = 0.1  # deals and leads move at this fraction of the weekday pace


class _Day:
    """The drop's date, random streams and timestamps."""

    def __init__(self, root: Path, seed: int) -> None:
        last = state.last_drop_date(root)
        if last is None:
            raise FileNotFoundError(f"no extract found in {root}: run generate_landing first")
        self.date = last + timedelta(days=1)
        self.index = (self.date - params.AS_OF).days
        self.day = day_number(self.date)
        self.seed = seed

    def rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, _STREAM, self.index, stream])

    @property
    def pace(self) -> float:
        """Sales work mostly happens on weekdays."""
        return 1.0 if bool(clock.is_weekday(np.array([self.day]))[0]) else _WEEKEND_PACE

    def times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Sorted epoch seconds during the (UTC) working hours of the day."""
        return np.sort(self.day * SECONDS_PER_DAY + rng.integers(7 * 3600, 19 * 3600, n))

    @property
    def synced(self) -> int:
        return (self.day + 1) * SECONDS_PER_DAY - 1800


@dataclass
class _Drop:
    """What every part of the drop shares: the folder, the day, the reps and their accounts."""

    root: Path
    day: _Day
    ids: IdAllocator
    report: GenerationReport
    sellers: activities.Sellers
    accounts: state.ObjectState
    account_owner: np.ndarray  # rep index of each account's owner, -1 if not an active rep

    @property
    def rep_ids(self) -> pa.Array:
        return self.sellers.user_ids

    @property
    def account_ids(self) -> pa.Array:
        return self.accounts.get("id")

    def rep_index(self, user_ids: pa.ChunkedArray | pa.Array) -> np.ndarray:
        return state.positions(user_ids, self.rep_ids)

    def pick_accounts(self, reps: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A random account of each rep (position in `accounts`), -1 if the rep has none."""
        owned = np.flatnonzero(self.account_owner >= 0)
        owned = owned[np.argsort(self.account_owner[owned], kind="stable")]
        owners = self.account_owner[owned]
        first = np.searchsorted(owners, reps, side="left")
        count = np.searchsorted(owners, reps, side="right") - first
        pick = np.minimum(first + (u * count).astype(np.int64), max(len(owned) - 1, 0))
        return np.where((count > 0) & (reps >= 0), owned[pick] if len(owned) else -1, -1)

    def write(self, name: str, shape: FileShape, table: pa.Table, headers: list[str] | None = None) -> None:
        """Write a file of the drop under a hidden name (ignored by the loader) until `publish`."""
        if table.num_rows == 0:
            return
        path = shape.path(self.root, f"{shape.stem}_delta_{self.day.date.isoformat()}")
        if path.exists():
            raise FileExistsError(f"{path} exists: landed files are never rewritten")
        _hidden(path).unlink(missing_ok=True)  # left by an interrupted earlier attempt
        self.report.rows[name] = write_file(_hidden(path), shape, table, headers)
        self.report.files.append(path.relative_to(self.root))

    def publish(self) -> None:
        """Give the drop's files their names, once all of them are written."""
        for relative in self.report.files:
            path = self.root / relative
            _hidden(path).rename(path)


def _hidden(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def _as(value: pa.Array, target: pa.DataType) -> pa.Array:
    if pa.types.is_string(target) and not pa.types.is_string(value.type):
        return col.as_text(value)
    return value.cast(target)


def _rows_like(obj: state.ObjectState, count: int, values: dict[str, pa.Array | None]) -> pa.Table:
    """New rows in the files' schema; `values` by contract name (or snake_case extra name)."""
    arrays = []
    for field in obj.schema:
        value = values.get(obj.name_of(field.name))
        arrays.append(pa.nulls(count, field.type) if value is None else _as(value, field.type))
    return pa.Table.from_arrays(arrays, schema=obj.schema)


def _changed(obj: state.ObjectState, ids: pa.Array, updates: dict[str, pa.Array]) -> pa.Table:
    """New versions of the records `ids`: their newest rows with some columns replaced."""
    table = obj.records(ids)
    header_of = {obj.name_of(h): h for h in obj.schema.names}
    for name, value in updates.items():
        header = header_of[name]
        field = obj.schema.field(header)
        table = table.set_column(table.column_names.index(header), field, _as(value, field.type))
    return table


def _history(ids: IdAllocator, object_name: str, parts: list[dict[str, pa.Array]], stamped: bool) -> pa.Table:
    """History rows of several parts in time order, with new Ids."""
    table = pa.concat_tables([pa.table(part) for part in parts])
    table = table.take(pc.sort_indices(table, [("CreatedDate", "ascending")]))
    n = table.num_rows
    columns = {"Id": ids.take(object_name, n), **{c: table.column(c) for c in table.column_names}}
    columns["IsDeleted"] = col.booleans(np.zeros(n, dtype=bool))
    if stamped:
        columns["SystemModstamp"] = table.column("CreatedDate")
    return pa.table(columns)


def _stage_row(opportunity_ids: pa.Array, stage: np.ndarray, when: np.ndarray, amount: pa.Array,
               close_day: np.ndarray) -> dict[str, pa.Array]:  # fmt: skip
    return {
        "OpportunityId": opportunity_ids,
        "StageName": col.pick(_STAGE_NAMES, stage),
        "CreatedDate": col.timestamps(when),
        "Amount": amount.cast(col.MONEY),
        "Probability": col.integers(_PROBABILITY[stage]),
        "CloseDate": col.dates(close_day),
        "ForecastCategory": col.pick(_FORECAST, stage),
    }


def _start(root: Path, seed: int) -> _Drop:
    day = _Day(root, seed)
    users = state.read_object(root, "User")
    active = state.flags(users.get("is_active")) & np.isin(state.text(users.get("title")), _REP_TITLES)
    rep_ids = users.get("id").filter(pa.array(active))
    zones = state.text(users.get("time_zone_sid_key"))[active] if "time_zone_sid_key" in users.columns else []
    offsets = np.array([params.TIME_ZONE_OFFSETS.get(z, 0) * 3600 for z in zones], dtype=np.int64)
    hired = state.days(users.get("hire_date_c"))[active]
    created = state.seconds(users.get("created_date"))[active] // SECONDS_PER_DAY
    n_reps = len(rep_ids)
    rng = day.rng(1)
    sellers = activities.Sellers(
        user_ids=rep_ids,
        start_day=np.where(hired >= 0, hired, created),
        end_day=np.full(n_reps, clock.FOREVER),
        intensity=rng.uniform(0.85, 1.15, n_reps),
        selling_tilt=rng.uniform(*params.SELLING_TILT_RANGE, n_reps),
        utc_offset=offsets if len(offsets) == n_reps else np.zeros(n_reps, dtype=np.int64),
    )
    accounts = state.read_object(root, "Account")
    return _Drop(
        root=root,
        day=day,
        ids=IdAllocator(day_index=day.index),
        report=GenerationReport(out_dir=root, as_of=day.date, seed=seed),
        sellers=sellers,
        accounts=accounts,
        account_owner=state.positions(accounts.get("owner_id"), rep_ids),
    )


@dataclass
class _Moves:
    """Open opportunities that moved today: rows in the state, new stage, when, close date."""

    rows: np.ndarray
    stage: np.ndarray
    when: np.ndarray
    close_day: np.ndarray


def _move_opportunities(drop: _Drop, opps: state.ObjectState) -> _Moves:
    """Open deals advance, step back, are won or lost (chance per day ~ ln 2 / stage median),
    a few push their close date."""
    rng = drop.day.rng(2)
    stage = state.codes(opps.get("stage_name"), _STAGE_NAMES, default=0)
    is_open = ~state.flags(opps.get("is_closed")) & ~state.flags(opps.get("is_deleted"))
    n = len(stage)
    median = np.array([s.median_days for s in params.OPEN_STAGES] + [1.0, 1.0])
    moves = is_open & (rng.random(n) < np.log(2) / median[stage] * drop.day.pace)
    u = rng.random(n)
    skip = np.array([s.skip_probability for s in params.OPEN_STAGES] + [0.0, 0.0, 0.0])
    skips = rng.random(n) < skip[np.minimum(stage + 1, _LAST_OPEN)]
    forward = np.minimum(stage + 1 + skips, _LAST_OPEN)
    back = np.maximum(stage - 1, 0)
    after = np.where(u < _LOSS_CHANCE_ON_MOVE, _LOST, np.where(u > 1 - _BACK_CHANCE_ON_MOVE, back, forward))
    after = np.where(stage == _LAST_OPEN, np.where(u < _WIN_CHANCE_FROM_NEGOTIATION, _WON, _LOST), after)
    pushes = is_open & ~moves & (rng.random(n) < _CLOSE_DATE_PUSH_CHANCE * drop.day.pace)
    rows = np.flatnonzero(moves | pushes)
    target = np.where(moves, after, stage)[rows]
    close_day = state.days(opps.get("close_date"))[rows]
    today = drop.day.day
    new_close = np.where(target >= _WON, today, np.maximum(close_day, today + 7))
    new_close = np.where(pushes[rows], np.maximum(close_day, today) + 30, new_close)
    return _Moves(rows=rows, stage=target, when=drop.day.times(rng, len(rows)), close_day=new_close)


@dataclass
class _LeadMoves:
    """Leads whose status changed today, and the conversions among them."""

    rows: np.ndarray  # rows in the lead state
    old: np.ndarray
    new: np.ndarray
    when: np.ndarray
    converted: np.ndarray  # mask over `rows`
    owner: np.ndarray  # rep index of each conversion
    account: np.ndarray  # account position of each conversion
    opportunity_ids: pa.Array  # of each conversion


def _move_leads(drop: _Drop, leads: state.ObjectState) -> _LeadMoves:
    rng = drop.day.rng(3)
    status = state.codes(leads.get("status"), list(params.LEAD_STATUSES), default=0)
    is_open = (status <= SQL) & ~state.flags(leads.get("is_deleted"))
    n = len(status)
    idle = drop.day.day * SECONDS_PER_DAY - state.seconds(leads.get("system_modstamp"))
    pace = np.where(idle < _COLD_AFTER_DAYS * SECONDS_PER_DAY, 1.0, _COLD_PACE) * drop.day.pace
    u = rng.random(n)
    after = np.full(n, -1)
    for current, options in _LEAD_MOVES.items():
        edge = np.zeros(n)
        for to, chance in options:
            hit = is_open & (status == current) & (u >= edge) & (u < edge + chance * pace) & (after < 0)
            after[hit] = to
            edge = edge + chance * pace
    owner = drop.rep_index(leads.get("owner_id"))
    account = drop.pick_accounts(owner, rng.random(n))
    # A conversion needs an active owner with an account to put the deal on.
    after = np.where((after == CONVERTED) & (account < 0), -1, after)
    rows = np.flatnonzero(after >= 0)
    converted = after[rows] == CONVERTED
    return _LeadMoves(
        rows=rows,
        old=status[rows],
        new=after[rows],
        when=drop.day.times(rng, len(rows)),
        converted=converted,
        owner=owner[rows][converted],
        account=account[rows][converted],
        opportunity_ids=drop.ids.take("Opportunity", int(converted.sum())),
    )


def _opportunity_drop(drop: _Drop, opps: state.ObjectState, leads: state.ObjectState,
                      lead_moves: _LeadMoves) -> np.ndarray:  # fmt: skip
    """Write new versions of moved deals, new deals and their history; returns the positions
    of the accounts of deals won today."""
    moves = _move_opportunities(drop, opps)
    moved_ids = opps.get("id").take(pa.array(moves.rows, type=pa.int64()))
    changed = _changed(
        opps,
        moved_ids,
        {
            "stage_name": col.pick(_STAGE_NAMES, moves.stage),
            "close_date": col.dates(moves.close_day),
            "is_closed": col.booleans(moves.stage >= _WON),
            "is_won": col.booleans(moves.stage == _WON),
            "probability": col.integers(_PROBABILITY[moves.stage]),
            "forecast_category": col.pick(_FORECAST, moves.stage),
            "system_modstamp": col.timestamps(moves.when),
            "last_modified_date": col.timestamps(moves.when),
        },
    )
    amounts = opps.get("amount").take(pa.array(moves.rows, type=pa.int64()))
    history = [_stage_row(moved_ids, moves.stage, moves.when, amounts, moves.close_day)]

    # New deals: today's conversions, and the reps' own (weekdays).
    rng = drop.day.rng(4)
    today = drop.day.day
    weekday = bool(clock.is_weekday(np.array([today]))[0])
    per_rep = params.DIRECT_OPPS_PER_REP_MONTH / clock.DAYS_PER_MONTH * (7 / 5 if weekday else 0.0)
    own_rep = np.repeat(np.arange(len(drop.rep_ids)), rng.poisson(per_rep, len(drop.rep_ids)))
    own_account = drop.pick_accounts(own_rep, rng.random(len(own_rep)))
    own_rep, own_account = own_rep[own_account >= 0], own_account[own_account >= 0]
    n_own = len(own_rep)
    owner = np.concatenate([lead_moves.owner, own_rep])
    account = np.concatenate([lead_moves.account, own_account])
    when = np.concatenate([lead_moves.when[lead_moves.converted] + 120, drop.day.times(rng, n_own)])
    n = len(owner)
    ids = pa.concat_arrays([lead_moves.opportunity_ids, drop.ids.take("Opportunity", n_own)])
    stage = np.where(rng.random(n) < 0.4, 1, 0)
    price = clock.price_growth(np.array([today]))[0] * params.AMOUNT_MEDIAN
    amount = np.maximum(np.round(price * rng.lognormal(0, params.AMOUNT_SIGMA, n), -2), 500).astype(np.int64)
    close_day = np.full(n, today + 90)
    converted_rows = pa.array(lead_moves.rows[lead_moves.converted], type=pa.int64())
    sources = pa.concat_arrays([leads.get("lead_source").take(converted_rows), col.constant("Other", n_own)])
    territories = state.read_object(drop.root, "ObjectTerritory2Association")
    account_ids = drop.account_ids.take(pa.array(account, type=pa.int64()))
    territory = territories.get("territory_2_id").take(
        pa.array(np.maximum(state.positions(account_ids, territories.get("object_id")), 0))
    )
    accounts = drop.accounts
    new = _rows_like(
        opps,
        n,
        {
            "id": ids,
            "account_id": account_ids,
            "owner_id": drop.rep_ids.take(pa.array(owner, type=pa.int64())),
            "stage_name": col.pick(_STAGE_NAMES, stage),
            "close_date": col.dates(close_day),
            "is_closed": col.booleans(np.zeros(n, dtype=bool)),
            "is_won": col.booleans(np.zeros(n, dtype=bool)),
            "created_date": col.timestamps(when),
            "name": col.join(accounts.get("name").take(pa.array(account)), "New Business", separator=" - "),
            "amount": col.money(amount),
            "probability": col.integers(_PROBABILITY[stage]),
            "forecast_category": col.pick(_FORECAST, stage),
            "lead_source": sources,
            "type": col.constant("New Business", n),
            "currency_iso_code": col.constant("USD", n),
            "territory_2_id": territory,
            "is_deleted": col.booleans(np.zeros(n, dtype=bool)),
            "system_modstamp": col.timestamps(when),
            "last_modified_date": col.timestamps(when),
            "region_c": accounts.get("region_c").take(pa.array(account))
            if "region_c" in accounts.columns
            else None,
        },
    )
    history.append(_stage_row(ids, stage, when, col.money(amount), close_day))
    drop.write("Opportunity", SHAPES["Opportunity"], pa.concat_tables([changed, new]), opps.schema.names)
    history_table = _history(drop.ids, "OpportunityHistory", history, stamped=True)
    drop.write("OpportunityHistory", SHAPES["OpportunityHistory"], history_table)
    won = moves.stage == _WON
    return state.positions(
        opps.get("account_id").take(pa.array(moves.rows[won], type=pa.int64())), drop.account_ids
    )


def _lead_drop(drop: _Drop, leads: state.ObjectState, moves: _LeadMoves) -> None:
    """Write new versions of the leads that moved, today's new leads, and their history."""
    rng = drop.day.rng(5)
    n_moved = len(moves.rows)
    moved_ids = leads.get("id").take(pa.array(moves.rows, type=pa.int64()))
    opportunity = np.full(n_moved, -1)
    opportunity[moves.converted] = np.arange(int(moves.converted.sum()))
    account = np.full(n_moved, -1)
    account[moves.converted] = moves.account
    updates = {
        "status": col.pick(params.LEAD_STATUSES, moves.new),
        "is_converted": col.booleans(moves.converted),
        "converted_date": col.dates(np.full(n_moved, drop.day.day), moves.converted),
        "converted_opportunity_id": col.take(moves.opportunity_ids, opportunity, opportunity >= 0),
        "converted_account_id": col.take(drop.account_ids, account, account >= 0),
        "system_modstamp": col.timestamps(moves.when),
        "last_modified_date": col.timestamps(moves.when),
    }
    if "fivetran_synced" in {leads.name_of(h) for h in leads.schema.names}:
        updates["fivetran_synced"] = col.timestamps(np.full(n_moved, drop.day.synced))
    changed = _changed(leads, moved_ids, updates)

    n_reps = len(drop.rep_ids)
    rep = np.repeat(np.arange(n_reps), rng.poisson(params.LEADS_PER_REP_MONTH / clock.DAYS_PER_MONTH, n_reps))
    n = len(rep)
    ids = drop.ids.take("Lead", n)
    when = drop.day.times(rng, n)
    first_name, last_name = names.person_names(rng, n)
    company = names.company_names(rng, n)
    shares = np.array([share for _, share, _ in params.LEAD_SOURCES])
    source = rng.choice(len(shares), size=n, p=shares / shares.sum())
    no = col.booleans(np.zeros(n, dtype=bool))
    new = _rows_like(
        leads,
        n,
        {
            "id": ids,
            "owner_id": drop.rep_ids.take(pa.array(rep, type=pa.int64())),
            "status": col.constant(params.LEAD_STATUSES[0], n),
            "created_date": col.timestamps(when),
            "email": col.join(
                names.email_local_part(first_name, last_name), names.email_domain(company), separator="@"
            ),  # fmt: skip
            "first_name": first_name,
            "last_name": last_name,
            "company": company,
            "lead_source": col.pick([s for s, _, _ in params.LEAD_SOURCES], source),
            "is_converted": no,
            "is_deleted": no,
            "system_modstamp": col.timestamps(when),
            "last_modified_date": col.timestamps(when),
            "fivetran_synced": col.timestamps(np.full(n, drop.day.synced)),
            "fivetran_deleted": no,
        },
    )
    drop.write("Lead", SHAPES["Lead"], pa.concat_tables([changed, new]), leads.schema.names)
    created = {
        "LeadId": ids,
        "Field": col.constant("created", n),
        "OldValue": pa.nulls(n, pa.string()),
        "NewValue": pa.nulls(n, pa.string()),
        "CreatedDate": col.timestamps(when),
    }
    status = {
        "LeadId": moved_ids,
        "Field": col.constant("Status", n_moved),
        "OldValue": col.pick(params.LEAD_STATUSES, moves.old),
        "NewValue": col.pick(params.LEAD_STATUSES, moves.new),
        "CreatedDate": col.timestamps(moves.when),
    }
    drop.write(
        "LeadHistory", SHAPES["LeadHistory"], _history(drop.ids, "LeadHistory", [created, status], False)
    )


def _customer_drop(drop: _Drop, won_accounts: np.ndarray) -> None:
    """Prospects with a deal won today become customers."""
    accounts = drop.accounts
    is_prospect = state.text(accounts.get("type")) == "Prospect"
    rows = np.flatnonzero(np.isin(np.arange(len(is_prospect)), won_accounts) & is_prospect)
    when = drop.day.times(drop.day.rng(6), len(rows))
    changed = _changed(
        accounts,
        drop.account_ids.take(pa.array(rows, type=pa.int64())),
        {
            "type": col.constant("Customer - Direct", len(rows)),
            "system_modstamp": col.timestamps(when),
            "last_modified_date": col.timestamps(when),
        },
    )
    drop.write("Account", SHAPES["Account"], changed, accounts.schema.names)


def _activity_drop(drop: _Drop, opps: state.ObjectState, leads: state.ObjectState) -> None:
    """The day's activity log, Tasks and Events, about the deals, leads and accounts as of
    the start of the day."""
    closed = state.flags(opps.get("is_closed"))
    live = np.flatnonzero(~state.flags(opps.get("is_deleted")))
    closes = np.where(
        closed, (state.days(opps.get("close_date")) + 1) * SECONDS_PER_DAY, clock.FOREVER * SECONDS_PER_DAY
    )
    status = state.codes(leads.get("status"), list(params.LEAD_STATUSES), default=0)
    open_leads = np.flatnonzero((status <= SQL) & ~state.flags(leads.get("is_deleted")))
    take = pa.array(open_leads, type=pa.int64())
    records = activities.Records(
        opp_owner=drop.rep_index(opps.get("owner_id"))[live],
        opp_created=state.seconds(opps.get("created_date"))[live],
        opp_closes=closes[live],
        opp_account=state.positions(opps.get("account_id"), drop.account_ids)[live],
        opp_ids=opps.get("id").take(pa.array(live, type=pa.int64())),
        lead_owner=drop.rep_index(leads.get("owner_id").take(take)),
        lead_created=state.seconds(leads.get("created_date").take(take)),
        lead_ids=leads.get("id").take(take),
        account_owner=drop.account_owner,
        account_ids=drop.account_ids,
    )
    day = drop.day.day
    acts = activities.simulate(
        drop.sellers,
        records,
        day,
        day,
        drop.day.rng(7),
        drop.ids,
        total_rows=None,
        weekend_work=_WEEKEND_WORK,
        created_after=day * SECONDS_PER_DAY,
    )
    drop.write("Task", SHAPES["Task"], acts.tasks)
    drop.write("Event", SHAPES["Event"], acts.events)
    drop.write(ACTIVITY_KEY, ACTIVITY_DELTA_SHAPE, acts.log)


def generate_next_day(out_dir: Path, seed: int = 42, progress: bool = False) -> GenerationReport:
    """Write the next day's drop into the landing folder `out_dir` (new files only)."""
    root = Path(out_dir)
    drop = _start(root, seed)
    # disable=None: a bar on a terminal only.
    with tqdm(total=4, desc=f"drop {drop.day.date}", disable=None if progress else True) as steps:
        opps = state.read_object(root, "Opportunity", columns=_OPPORTUNITY_STATE)
        leads = state.read_object(root, "Lead", columns=_LEAD_STATE)
        lead_moves = _move_leads(drop, leads)
        won_accounts = _opportunity_drop(drop, opps, leads, lead_moves)
        steps.update()
        _lead_drop(drop, leads, lead_moves)
        steps.update()
        _customer_drop(drop, won_accounts)
        steps.update()
        _activity_drop(drop, opps, leads)
        drop.publish()
        steps.update()
    return drop.report
