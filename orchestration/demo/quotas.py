"""ForecastingQuota rows: a quarterly quota per rep, monthly ramp quotas for recent hires.

Quotas are set at what a ramped rep of the territory books in a median quarter (growing with
prices each year), so about half of the ramped reps reach their quota in a typical quarter.
Reps in their first six months get half a quota. One quota is entered twice: first with an
extra zero, then re-entered under a new Id with the right amount (the newest one counts).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from orchestration.demo import clock, params
from orchestration.demo import columns as col
from orchestration.demo.columns import SECONDS_PER_DAY, day_number
from orchestration.demo.ids import IdAllocator
from orchestration.demo.opportunities import Opportunities
from orchestration.demo.org import Org

MONTHLY_QUOTA_HIRES_FROM = day_number(date(2026, 1, 1))  # ramping reps hired since get monthly quotas
CALIBRATION_QUARTERS = (date(2024, 4, 1), date(2026, 7, 1))
RE_ENTERED_QUARTER = date(2026, 4, 1)
BOOKING_LAG_DAYS = 35  # a quarter's bookings come from deals priced ~80 days before mid-quarter


def _growth(period_start: np.ndarray) -> np.ndarray:
    """Price level of the deals a period's bookings come from."""
    return clock.price_growth(np.asarray(period_start) - BOOKING_LAG_DAYS)


def quota_levels(org: Org, opps: Opportunities) -> np.ndarray:
    """Quarterly quota of a ramped rep at 2024 prices, per rep (by territory volume)."""
    reps = org.reps
    starts = clock.quarter_start_days(*CALIBRATION_QUARTERS)
    ends = np.append(starts[1:], clock.month_start(clock.month_index(starts[-1:]) + 3)) - 1
    won = opps.won_by_cutoff
    close_day = opps.close_day
    bookings = np.zeros((len(reps), len(starts)))
    for q, (qs, qe) in enumerate(zip(starts, ends, strict=True)):
        in_q = won & (close_day >= qs) & (close_day <= qe)
        bookings[:, q] = np.bincount(opps.owner[in_q], weights=opps.amount[in_q], minlength=len(reps))
    ramped = starts[None, :] >= clock.add_months(reps.start_day, params.RAMP_MONTHS)[:, None]
    present = (reps.start_day[:, None] <= starts[None, :]) & (reps.end_day[:, None] > ends[None, :])
    usable = ramped & present
    normalised = bookings / _growth(starts)[None, :]
    level = np.zeros(len(reps))
    for volume in np.unique(reps.volume):
        group = reps.volume == volume
        samples = normalised[group][usable[group]]
        level[group] = np.median(samples) if len(samples) else params.AMOUNT_MEDIAN * 4
    return level


def quota_table(org: Org, opps: Opportunities, ids: IdAllocator, rng: np.random.Generator) -> pa.Table:
    reps = org.reps
    level = quota_levels(org, opps)
    ramped_from = clock.add_months(reps.start_day, params.RAMP_MONTHS)
    monthly_rep = reps.start_day >= MONTHLY_QUOTA_HIRES_FROM

    owner: list[np.ndarray] = []
    start: list[np.ndarray] = []
    amount: list[np.ndarray] = []
    monthly: list[np.ndarray] = []
    for qs in clock.quarter_start_days(params.FIRST_QUOTA_QUARTER, params.LAST_QUOTA_QUARTER):
        employed = (reps.start_day <= qs) & (reps.end_day > qs)
        in_monthly_ramp = monthly_rep & (qs < ramped_from)
        ramp_share = np.where(qs >= ramped_from, 1.0, 0.5)
        value = np.round(level * _growth(np.array([qs]))[0] * ramp_share / 5000) * 5000
        rows = np.flatnonzero(employed & ~in_monthly_ramp)
        owner.append(rows)
        start.append(np.full(len(rows), qs))
        amount.append(value[rows])
        monthly.append(np.zeros(len(rows), dtype=bool))
        # Recent hires get monthly quotas, growing with their ramp, until a quarter starts ramped.
        for month in range(3):
            ms = clock.month_start(clock.month_index(np.array([qs])) + month)[0]
            rows = np.flatnonzero(in_monthly_ramp & (reps.start_day <= ms) & (reps.end_day > ms))
            months_in = (ms - reps.start_day[rows]) / clock.DAYS_PER_MONTH
            share = np.clip(np.ceil(months_in + 0.01) / params.RAMP_MONTHS, 0.0, 1.0)
            month_value = np.round(level[rows] * _growth(np.array([ms]))[0] / 3 * share / 1000) * 1000
            owner.append(rows)
            start.append(np.full(len(rows), ms))
            amount.append(month_value)
            monthly.append(np.ones(len(rows), dtype=bool))
    owner_a = np.concatenate(owner)
    start_a = np.concatenate(start)
    amount_a = np.concatenate(amount).astype(np.int64)
    monthly_a = np.concatenate(monthly)
    entered = (start_a - rng.integers(8, 25, len(start_a))) * SECONDS_PER_DAY + 10 * 3600
    entered += rng.integers(0, 7 * 3600, len(start_a))

    # The re-entered quota: the first ramped team-0 rep's quota of RE_ENTERED_QUARTER.
    target_start = day_number(RE_ENTERED_QUARTER)
    candidates = np.flatnonzero(
        (start_a == target_start)
        & ~monthly_a
        & (reps.team[owner_a] == 0)
        & (ramped_from[owner_a] <= target_start)
    )
    fixed = candidates[0]
    correct_amount = amount_a[fixed]
    amount_a[fixed] = correct_amount * 10  # the typo, entered first
    owner_a = np.append(owner_a, owner_a[fixed])
    start_a = np.append(start_a, target_start)
    amount_a = np.append(amount_a, correct_amount)
    monthly_a = np.append(monthly_a, False)
    entered = np.append(entered, (target_start + 2) * SECONDS_PER_DAY + 15 * 3600)

    order = np.lexsort((owner_a, start_a, entered))  # in the order they were entered
    owner_a, start_a, amount_a, monthly_a, entered = (
        a[order] for a in (owner_a, start_a, amount_a, monthly_a, entered)
    )
    n = len(order)
    return pa.table(
        {
            "Id": ids.take("ForecastingQuota", n),
            "QuotaOwnerId": col.take(reps.user_ids, owner_a),
            "QuotaAmount": col.money(amount_a),
            "StartDate": col.dates(start_a),
            "PeriodType": col.pick(("Quarter", "Month"), monthly_a.astype(np.int64)),
            "Territory2Id": pa.nulls(n, pa.string()),
            "SystemModstamp": col.timestamps(entered),
            "LastModifiedDate": col.timestamps(entered),
            "CreatedDate": col.timestamps(entered),
            "CurrencyIsoCode": col.constant("USD", n),
        }
    )
