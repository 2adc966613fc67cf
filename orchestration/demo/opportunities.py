"""Opportunities moving through the standard stages, and their OpportunityHistory rows.

Each deal's outcome is drawn first (won with its rep's win rate, else lost at a stage weighted
towards the early ones); its path then walks the stages in order, skipping the optional ones,
sometimes stepping back (Value Proposition -> Needs Analysis, Negotiation/Review ->
Proposal/Price Quote) and forward again. Dwell times are lognormal per stage, with
Negotiation/Review the slow one. Some history rows change only the amount or the close date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo import clock, params
from orchestration.demo import columns as col
from orchestration.demo.columns import SECONDS_PER_DAY
from orchestration.demo.ids import IdAllocator
from orchestration.demo.leads import _rep_day_counts
from orchestration.demo.org import Org

STAGES = (*params.OPEN_STAGES, params.CLOSED_WON, params.CLOSED_LOST)
WON, LOST = len(params.OPEN_STAGES), len(params.OPEN_STAGES) + 1
# The walk through the open stages, with the two optional step-backs (entries 4-5 and 10-11).
_TEMPLATE = np.array([0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 6, 7])
_BACK_1 = np.array([4, 5])
_BACK_2 = np.array([10, 11])
_PROPOSAL_ENTRY = 8
DIRECT_SOURCES = (("Other", 0.5), (None, 0.35), ("Partner Referral", 0.1), ("Employee Referral", 0.05))
_NEXT_STEPS = (None, "Send proposal", "Schedule demo, confirm budget", "Follow up with procurement")
_DESCRIPTIONS = (
    "Champion: Head of Operations.\nCompeting with an incumbent; price sensitive.",
    "Expansion to two more sites.\nLegal review expected to take 3 weeks.",
)


@dataclass
class Conversions:
    """Leads converted before the cutoff: each becomes an opportunity."""

    lead: np.ndarray
    owner: np.ndarray
    at: np.ndarray
    account: np.ndarray
    source: np.ndarray  # index into params.LEAD_SOURCES


@dataclass
class Opportunities:
    owner: np.ndarray  # current owner
    original_owner: np.ndarray
    account: np.ndarray
    created: np.ndarray
    closes_at: np.ndarray  # simulated close, possibly after the cutoff
    won: np.ndarray  # simulated outcome
    amount: np.ndarray  # current amount (whole dollars)
    deleted: np.ndarray
    lead: np.ndarray  # converting lead, -1 for direct opportunities
    ids: pa.Array | None = None

    def __len__(self) -> int:
        return len(self.created)

    @property
    def close_day(self) -> np.ndarray:
        return self.closes_at // SECONDS_PER_DAY

    @property
    def won_by_cutoff(self) -> np.ndarray:
        return self.won & (self.closes_at < clock.CUTOFF) & ~self.deleted


@dataclass
class _Paths:
    active: np.ndarray  # (n, len(_TEMPLATE))
    entered: np.ndarray  # (n, len(_TEMPLATE)) epoch seconds
    closes_at: np.ndarray


def _draw_choice(rng: np.random.Generator, labels: tuple, n: int) -> np.ndarray:
    shares = np.array([share for _, share in labels])
    return rng.choice(len(labels), size=n, p=shares / shares.sum())


def simulate(org: Org, conversions: Conversions, rng: np.random.Generator) -> tuple[Opportunities, dict]:
    reps, accounts = org.reps, org.accounts
    rep, day = _rep_day_counts(org, rng, params.DIRECT_OPPS_PER_REP_MONTH, weekdays_only=True)
    created = clock.local_times(day, reps.utc_offset[rep], rng, 8.5, 17.5)
    keep = created < clock.CUTOFF
    rep, created = rep[keep], created[keep]
    n_direct = len(rep)
    base_owner = accounts.owner[: accounts.base_count]
    first = np.searchsorted(base_owner, rep, side="left")
    count = np.searchsorted(base_owner, rep, side="right") - first
    direct_account = first + (rng.random(n_direct) * count).astype(np.int64)
    direct_type = _draw_choice(rng, tuple((t, s) for t, s, _ in params.OPPORTUNITY_TYPES), n_direct)
    direct_source = _draw_choice(rng, DIRECT_SOURCES, n_direct)

    owner = np.concatenate([rep, conversions.owner])
    created = np.concatenate([created, np.minimum(conversions.at + 120, clock.CUTOFF - 1)])
    account = np.concatenate([direct_account, conversions.account])
    type_idx = np.concatenate([direct_type, np.zeros(len(conversions.lead), dtype=np.int64)])
    lead = np.concatenate([np.full(n_direct, -1), conversions.lead])
    # LeadSource labels: direct ones first, then the lead sources.
    source_labels = [s for s, _ in DIRECT_SOURCES] + [s for s, _, _ in params.LEAD_SOURCES]
    source = np.concatenate([direct_source, len(DIRECT_SOURCES) + conversions.source])
    order = np.lexsort((owner, created))
    owner, created, account, type_idx, lead, source = (
        a[order] for a in (owner, created, account, type_idx, lead, source)
    )
    n = len(order)
    from_lead = lead >= 0

    won = rng.random(n) < reps.win_rate[owner]
    start_at = np.where(
        rng.random(n)
        < np.where(
            from_lead, params.LEAD_OPPS_START_AT_QUALIFICATION, params.DIRECT_OPPS_START_AT_QUALIFICATION
        ),
        1,
        0,
    )
    paths = _walk(rng, created, won, start_at)
    type_factor = np.array([f for _, _, f in params.OPPORTUNITY_TYPES])[type_idx]
    growth = clock.price_growth(created // SECONDS_PER_DAY)
    amount0 = params.AMOUNT_MEDIAN * growth * type_factor * rng.lognormal(0.0, params.AMOUNT_SIGMA, n)
    amount0 = np.maximum(np.round(amount0, -2), 500).astype(np.int64)
    amount1 = np.maximum(np.round(amount0 * rng.uniform(0.75, 1.15, n), -2), 500).astype(np.int64)
    revised = paths.active[:, _PROPOSAL_ENTRY] & (rng.random(n) < 0.3)
    revised_at = np.where(
        revised,
        paths.entered[:, _PROPOSAL_ENTRY]
        + (paths.entered[:, _PROPOSAL_ENTRY + 1] - paths.entered[:, _PROPOSAL_ENTRY]) // 2,
        np.iinfo(np.int64).max,
    )
    first_entry_end = _entry_end(paths, np.argmax(paths.active, axis=1))
    pushed = rng.random(n) < 0.2
    pushed_at = np.where(pushed, created + (first_entry_end - created) * 3 // 5, np.iinfo(np.int64).max)

    deleted = ~from_lead & (rng.random(n) < params.DELETED_OPPORTUNITY_SHARE)
    deleted_at = np.where(deleted, created + rng.integers(3600, 5 * SECONDS_PER_DAY, n), clock.CUTOFF)
    deleted_at = np.minimum(deleted_at, clock.CUTOFF)

    current_owner = owner.copy()
    for gone in np.flatnonzero(reps.successor >= 0):
        leave = int(reps.end_day[gone]) * SECONDS_PER_DAY + 9 * 3600 - int(reps.utc_offset[gone])
        moves = (owner == gone) & (created < leave) & (paths.closes_at > leave)
        current_owner[moves] = reps.successor[gone]

    amount_now = np.where(revised_at < deleted_at, amount1, amount0)
    opps = Opportunities(
        owner=current_owner,
        original_owner=owner,
        account=account,
        created=created,
        closes_at=paths.closes_at,
        won=won,
        amount=amount_now,
        deleted=deleted,
        lead=lead,
    )
    extras = {
        "paths": paths,
        "type": type_idx,
        "source": source,
        "source_labels": source_labels,
        "amount0": amount0,
        "amount1": amount1,
        "revised_at": revised_at,
        "pushed_at": pushed_at,
        "deleted_at": deleted_at,
    }
    return opps, extras


def _entry_end(paths: _Paths, entry: np.ndarray) -> np.ndarray:
    """When the path leaves `entry` (the next active entry's start, else the close)."""
    n, width = paths.active.shape
    later = paths.active & (np.arange(width)[None, :] > entry[:, None])
    has_next = later.any(axis=1)
    nxt = np.argmax(later, axis=1)
    return np.where(has_next, paths.entered[np.arange(n), nxt], paths.closes_at)


def _walk(rng: np.random.Generator, created: np.ndarray, won: np.ndarray, start_at: np.ndarray) -> _Paths:
    n = len(created)
    stages = params.OPEN_STAGES
    weights = np.array([s.loss_weight for s in stages])
    # Lost at a stage at or after the starting one, weighted towards the early stages.
    lost_at = np.empty(n, dtype=np.int64)
    for start in (0, 1):
        rows = np.flatnonzero(start_at == start)
        w = weights.copy()
        w[:start] = 0.0
        lost_at[rows] = rng.choice(len(stages), size=len(rows), p=w / w.sum())
    last_open = np.where(won, len(stages) - 1, lost_at)

    stage = _TEMPLATE[None, :]
    in_range = (stage >= start_at[:, None]) & (stage <= last_open[:, None])
    skip_p = np.array([s.skip_probability for s in stages])[_TEMPLATE]
    skipped = (rng.random((n, len(_TEMPLATE))) < skip_p[None, :]) & (stage < last_open[:, None])
    active = in_range & ~skipped
    back_1 = (rng.random(n) < params.BACK_TO_NEEDS_ANALYSIS) & (last_open >= 3)
    back_2 = (rng.random(n) < params.BACK_TO_PROPOSAL) & (last_open >= len(stages) - 1)
    active[:, _BACK_1] = back_1[:, None]
    active[:, _BACK_2] = back_2[:, None]
    active[:, :4] = in_range[:, :4]

    medians = np.array([s.median_days for s in stages])[_TEMPLATE]
    dwell = rng.lognormal(np.log(medians)[None, :], params.STAGE_SIGMA, (n, len(_TEMPLATE)))
    dwell = np.where(active, (dwell * SECONDS_PER_DAY).astype(np.int64) + 300, 0)
    ends = created[:, None] + np.cumsum(dwell, axis=1)
    return _Paths(active=active, entered=ends - dwell, closes_at=ends[:, -1])


def tables(
    org: Org,
    opps: Opportunities,
    extras: dict,
    account_ids: pa.Array,
    ids: IdAllocator,
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:
    """Opportunity (state at the cutoff) and OpportunityHistory rows."""
    n = len(opps)
    paths: _Paths = extras["paths"]
    deleted_at = extras["deleted_at"]
    # History rows: one per active path entry, the close, and the amount / close-date changes.
    rows, entries = np.nonzero(paths.active)
    opp = [rows, np.arange(n), np.flatnonzero(extras["revised_at"] < np.iinfo(np.int64).max)]
    opp.append(np.flatnonzero(extras["pushed_at"] < np.iinfo(np.int64).max))
    at = [
        paths.entered[rows, entries],
        paths.closes_at,
        extras["revised_at"][opp[2]],
        extras["pushed_at"][opp[3]],
    ]
    stage = [
        _TEMPLATE[entries],
        np.where(opps.won, WON, LOST),
        np.full(len(opp[2]), -1),
        np.full(len(opp[3]), -1),
    ]
    kind = [np.full(len(a), k) for k, a in enumerate(opp)]  # 0 stage, 1 close, 2 amount, 3 close date
    opp_a, at_a, stage_a, kind_a = (np.concatenate(x) for x in (opp, at, stage, kind))
    visible = at_a < deleted_at[opp_a]
    order = np.lexsort((kind_a, at_a, opp_a))
    order = order[visible[order]]
    opp_a, at_a, stage_a, kind_a = opp_a[order], at_a[order], stage_a[order], kind_a[order]
    # Amount/close-date rows keep the stage they happen in: the previous row's.
    stage_a = _fill_forward(stage_a)
    amount = np.where(at_a >= extras["revised_at"][opp_a], extras["amount1"][opp_a], extras["amount0"][opp_a])
    close_day = opps.close_day[opp_a] - np.where(at_a < extras["pushed_at"][opp_a], 21, 0)
    close_day = np.where(stage_a >= WON, opps.close_day[opp_a], close_day)
    probability = np.array([s.probability for s in STAGES])
    forecast = [s.forecast_category for s in STAGES]
    stage_names = [s.name for s in STAGES]
    count = len(order)
    history = pa.table(
        {
            "Id": ids.take("OpportunityHistory", count),
            "OpportunityId": col.take(opps.ids, opp_a),
            "StageName": col.pick(stage_names, stage_a),
            "CreatedDate": col.timestamps(at_a),
            "Amount": col.money(amount),
            "Probability": col.integers(probability[stage_a]),
            "CloseDate": col.dates(close_day),
            "ForecastCategory": col.pick(forecast, stage_a),
            "IsDeleted": col.booleans(opps.deleted[opp_a]),
            "SystemModstamp": col.timestamps(at_a),
        }
    )

    # The opportunity as of its last exported history row.
    last = np.flatnonzero(np.r_[opp_a[1:] != opp_a[:-1], True])
    assert len(last) == n and (opp_a[last] == np.arange(n)).all()
    now_stage = stage_a[last]
    modified = np.where(opps.deleted, deleted_at, at_a[last])
    is_closed = now_stage >= WON
    type_names = [t for t, _, _ in params.OPPORTUNITY_TYPES]
    short = [t.replace("Existing Customer - ", "") for t in type_names]
    account_names = col.take(org.accounts.names, opps.account)
    described = rng.random(n) < 0.02
    region = [params.TERRITORIES[t].region for t in org.accounts.territory[opps.account].tolist()]
    opportunity = pa.table(
        {
            "Id": opps.ids,
            "AccountId": col.take(account_ids, opps.account),
            "OwnerId": col.take(org.reps.user_ids, opps.owner),
            "StageName": col.pick(stage_names, now_stage),
            "CloseDate": col.dates(close_day[last]),
            "IsClosed": col.booleans(is_closed),
            "IsWon": col.booleans(now_stage == WON),
            "CreatedDate": col.timestamps(opps.created),
            "Name": col.join(account_names, col.pick(short, extras["type"]), separator=" - "),
            "Amount": col.money(amount[last]),
            "Probability": col.integers(probability[now_stage]),
            "ForecastCategory": col.pick(forecast, now_stage),
            "LeadSource": col.pick(extras["source_labels"], extras["source"]),
            "Type": col.pick(type_names, extras["type"]),
            "CurrencyIsoCode": col.constant("USD", n),
            "Territory2Id": col.take(org.territory_ids, org.accounts.territory[opps.account]),
            "IsDeleted": col.booleans(opps.deleted),
            "SystemModstamp": col.timestamps(modified),
            "LastModifiedDate": col.timestamps(modified),
            "Description": col.pick(_DESCRIPTIONS, rng.integers(0, len(_DESCRIPTIONS), n), described),
            "NextStep": col.pick(_NEXT_STEPS, np.where(is_closed, 0, rng.integers(0, len(_NEXT_STEPS), n))),
            "Region__c": pa.array(region),
        }
    )
    return opportunity, history


def _fill_forward(stage: np.ndarray) -> np.ndarray:
    """Replace -1 with the last value before it (rows are grouped by opportunity, and every
    group starts with a stage row)."""
    idx = np.where(stage >= 0, np.arange(len(stage)), 0)
    np.maximum.accumulate(idx, out=idx)
    return stage[idx]
