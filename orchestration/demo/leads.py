"""Leads moving through the funnel, and their LeadHistory rows.

A lead is created `Open - Not Contacted`; most are contacted (`Working - Contacted`), half of
those become `Marketing Qualified`, a few referral leads skip MQL straight to `Sales Qualified`.
Few MQLs are accepted by sales (the planted MQL->SQL leak); most SQLs convert into an
opportunity. Leads not progressing are closed `Closed - Not Converted` or left open.
Everything after the extract's cutoff is simulated but not exported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo import clock, names, params
from orchestration.demo import columns as col
from orchestration.demo.columns import SECONDS_PER_DAY
from orchestration.demo.ids import IdAllocator
from orchestration.demo.org import Org

OPEN, WORKING, MQL, SQL, CONVERTED, NOT_CONVERTED = range(6)
_STEPS = 4  # most status changes a lead goes through


@dataclass
class Leads:
    original_owner: np.ndarray
    owner: np.ndarray  # current owner (the successor for leads open when their rep left)
    created: np.ndarray
    source: np.ndarray  # index into params.LEAD_SOURCES
    status: np.ndarray  # (n, _STEPS) status entered at each change, -1 for none
    changed: np.ndarray  # (n, _STEPS) epoch seconds of each change
    reassigned: np.ndarray  # epoch seconds of the owner change, -1 for none
    deleted: np.ndarray
    deleted_at: np.ndarray
    first_name: pa.Array
    last_name: pa.Array
    company: pa.Array

    def __len__(self) -> int:
        return len(self.created)

    def visible(self) -> np.ndarray:
        """Status changes exported in the full extract."""
        cutoff = np.where(self.deleted, self.deleted_at, clock.CUTOFF)[:, None]
        return (self.status >= 0) & (self.changed < np.minimum(cutoff, clock.CUTOFF))

    def converted_at(self) -> np.ndarray:
        """Epoch seconds of the conversion, -1 if not converted before the cutoff."""
        hit = self.visible() & (self.status == CONVERTED)
        return np.where(hit.any(axis=1), np.where(hit, self.changed, 0).max(axis=1), -1)


def _rep_day_counts(
    org: Org, rng: np.random.Generator, per_month: float, weekdays_only: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(rep index, day) of every record created at `per_month` per ramped rep, by Poisson."""
    reps = org.reps
    days = np.arange(clock.CRM_START_DAY, clock.AS_OF_DAY + 1)
    start, end = reps.start_day[:, None], reps.end_day[:, None]
    active = (days[None, :] >= start) & (days[None, :] < end)
    rate = per_month / clock.DAYS_PER_MONTH * reps.volume[:, None] * clock.ramp_factor(days[None, :], start)
    if weekdays_only:
        rate = rate * np.where(clock.is_weekday(days), 7 / 5, 0.0)[None, :]
    counts = rng.poisson(np.where(active, rate, 0.0))
    rep, day_pos = np.nonzero(counts)
    repeat = counts[rep, day_pos]
    return np.repeat(rep, repeat), np.repeat(days[day_pos], repeat)


def simulate_leads(org: Org, rng: np.random.Generator) -> Leads:
    reps = org.reps
    rep, day = _rep_day_counts(org, rng, params.LEADS_PER_REP_MONTH, weekdays_only=False)
    created = clock.local_times(day, reps.utc_offset[rep], rng, 6, 22)
    order = np.lexsort((rep, created))
    order = order[created[order] < clock.CUTOFF]  # the evening of the last day is after the cutoff
    rep, created = rep[order], created[order]
    n = len(created)
    shares = np.array([s for _, s, _ in params.LEAD_SOURCES])
    source = rng.choice(len(shares), size=n, p=shares / shares.sum())
    skip_probability = np.array([p for _, _, p in params.LEAD_SOURCES])[source]

    status = np.full((n, _STEPS), -1, dtype=np.int8)
    changed = np.zeros((n, _STEPS), dtype=np.int64)
    step = np.zeros(n, dtype=np.int64)

    def push(mask: np.ndarray, code: int, at: np.ndarray) -> None:
        rows = np.flatnonzero(mask)
        status[rows, step[rows]] = code
        changed[rows, step[rows]] = at[rows]
        step[rows] += 1

    def after(mean_days: float) -> np.ndarray:
        return (rng.exponential(mean_days, n) * SECONDS_PER_DAY).astype(np.int64) + 600

    contacted = rng.random(n) < params.P_CONTACTED
    t_working = created + after(1.0)
    push(contacted, WORKING, t_working)
    push(~contacted, NOT_CONVERTED, created + after(3.0))

    u = rng.random(n)
    to_mql = contacted & (u < params.P_MQL)
    skips_mql = contacted & ~to_mql & (u < params.P_MQL + skip_probability)
    stalled = contacted & ~to_mql & ~skips_mql
    t_qualified = t_working + after(7.0)
    push(to_mql, MQL, t_qualified)
    push(skips_mql, SQL, t_qualified)
    push(stalled & (rng.random(n) < 0.8), NOT_CONVERTED, t_working + after(21.0))

    accepted = to_mql & (rng.random(n) < params.P_SQL)
    t_accepted = t_qualified + after(6.0)
    push(accepted, SQL, t_accepted)
    push(to_mql & ~accepted & (rng.random(n) < 0.85), NOT_CONVERTED, t_qualified + after(14.0))

    sales_qualified = accepted | skips_mql
    t_sql = np.where(skips_mql, t_qualified, t_accepted)
    converts = sales_qualified & (rng.random(n) < params.P_CONVERT)
    push(converts, CONVERTED, t_sql + after(5.0))
    push(sales_qualified & ~converts & (rng.random(n) < 0.9), NOT_CONVERTED, t_sql + after(10.0))

    # Open leads of a rep who leaves go to the successor on the departure day.
    owner = rep.copy()
    reassigned = np.full(n, -1, dtype=np.int64)
    for gone in np.flatnonzero(reps.successor >= 0):
        leave = int(reps.end_day[gone]) * SECONDS_PER_DAY + 9 * 3600 - int(reps.utc_offset[gone])
        closing = (status == CONVERTED) | (status == NOT_CONVERTED)
        closed_before = (closing & (changed <= leave)).any(axis=1)
        moves = (rep == gone) & (created < leave) & ~closed_before
        owner[moves] = reps.successor[gone]
        reassigned[moves] = leave

    deleted = (rng.random(n) < params.DELETED_LEAD_SHARE) & ~converts
    deleted_at = created + rng.integers(3600, 3 * SECONDS_PER_DAY, n)
    first, last = names.person_names(rng, n)
    return Leads(
        original_owner=rep,
        owner=owner,
        created=created,
        source=source,
        status=status,
        changed=changed,
        reassigned=reassigned,
        deleted=deleted,
        deleted_at=deleted_at,
        first_name=first,
        last_name=last,
        company=names.company_names(rng, n),
    )


def lead_tables(
    org: Org,
    leads: Leads,
    lead_ids: pa.Array,
    opportunity_ids: pa.Array,
    account_ids: pa.Array,
    rng: np.random.Generator,
    ids: IdAllocator,
) -> tuple[pa.Table, pa.Table]:
    """Lead and LeadHistory rows. `opportunity_ids` / `account_ids` are aligned with the leads
    (null where not converted)."""
    n = len(leads)
    visible = leads.visible()
    last_change = np.where(visible, leads.changed, 0).max(axis=1)
    last_step = visible.sum(axis=1) - 1
    current = np.where(last_step >= 0, leads.status[np.arange(n), np.maximum(last_step, 0)], OPEN)
    reassigned = (leads.reassigned >= 0) & (leads.reassigned < clock.CUTOFF)
    modified = np.maximum.reduce([leads.created + 60, last_change, np.where(reassigned, leads.reassigned, 0)])
    modified = np.where(leads.deleted, np.minimum(leads.deleted_at, clock.CUTOFF - 1), modified)
    converted_at = leads.converted_at()
    converted = converted_at >= 0
    reached = np.maximum(current, np.where(visible, leads.status, 0).max(axis=1))
    score = np.clip(rng.integers(5, 60, n) + np.where(reached >= MQL, 30, 0), 0, 99)
    domain = names.email_domain(leads.company)
    email = col.join(names.email_local_part(leads.first_name, leads.last_name), domain, separator="@")
    phone = col.join("+1 555 01", pa.array(rng.integers(10, 99, n)).cast(pa.string()), separator="")
    synced = clock.CUTOFF - 1800 + rng.integers(0, 1200, n)
    source_names = [s for s, _, _ in params.LEAD_SOURCES]
    lead = pa.table(
        {
            "Id": lead_ids,
            "OwnerId": col.take(org.reps.user_ids, leads.owner),
            "Status": col.pick(params.LEAD_STATUSES, current),
            "CreatedDate": col.timestamps(leads.created),
            "Email": email,
            "Phone": phone,
            "FirstName": leads.first_name,
            "LastName": leads.last_name,
            "Company": leads.company,
            "LeadSource": col.pick(source_names, leads.source),
            "IsConverted": col.booleans(converted),
            "ConvertedDate": col.dates(converted_at // SECONDS_PER_DAY, converted),
            "ConvertedOpportunityId": opportunity_ids,
            "ConvertedAccountId": account_ids,
            "IsDeleted": col.booleans(leads.deleted),
            "SystemModstamp": col.timestamps(modified),
            "LastModifiedDate": col.timestamps(modified),
            "Title": col.pick(names.TITLES, rng.integers(0, len(names.TITLES), n)),
            "Lead_Score__c": col.integers(score),
            "_fivetran_synced": col.timestamps(synced),
            "_fivetran_deleted": col.booleans(np.zeros(n, dtype=bool)),
        }
    )
    return lead, _history(org, leads, lead_ids, visible, reassigned, ids)


def _history(
    org: Org,
    leads: Leads,
    lead_ids: pa.Array,
    visible: np.ndarray,
    reassigned: np.ndarray,
    ids: IdAllocator,
) -> pa.Table:
    n = len(leads)
    # 'created' rows, one per lead.
    lead_idx = [np.arange(n)]
    at = [leads.created]
    kind = [np.zeros(n, dtype=np.int8)]  # 0 created, 1 status, 2 owner
    old = [np.full(n, -1)]
    new = [np.full(n, -1)]
    # Status rows.
    rows, steps = np.nonzero(visible)
    previous = np.where(steps > 0, leads.status[rows, np.maximum(steps - 1, 0)], OPEN)
    lead_idx.append(rows)
    at.append(leads.changed[rows, steps])
    kind.append(np.ones(len(rows), dtype=np.int8))
    old.append(previous.astype(np.int64))
    new.append(leads.status[rows, steps].astype(np.int64))
    # Owner rows (values are user Ids).
    moved = np.flatnonzero(reassigned)
    lead_idx.append(moved)
    at.append(leads.reassigned[moved])
    kind.append(np.full(len(moved), 2, dtype=np.int8))
    old.append(leads.original_owner[moved])
    new.append(leads.owner[moved])

    lead_idx_a, at_a, kind_a = np.concatenate(lead_idx), np.concatenate(at), np.concatenate(kind)
    old_a, new_a = np.concatenate(old), np.concatenate(new)
    order = np.lexsort((kind_a, at_a, lead_idx_a))
    lead_idx_a, at_a, kind_a, old_a, new_a = (a[order] for a in (lead_idx_a, at_a, kind_a, old_a, new_a))
    is_status, is_owner = kind_a == 1, kind_a == 2
    statuses = pa.array(list(params.LEAD_STATUSES))
    user_ids = org.reps.user_ids

    def value(codes: np.ndarray) -> pa.Array:
        status_text = col.take(statuses, codes, is_status)
        owner_text = col.take(user_ids, codes, is_owner)
        return pc.coalesce(status_text, owner_text)

    count = len(order)
    return pa.table(
        {
            "Id": ids.take("LeadHistory", count),
            "LeadId": col.take(lead_ids, lead_idx_a),
            "Field": col.pick(("created", "Status", "Owner"), kind_a),
            "OldValue": value(old_a),
            "NewValue": value(new_a),
            "CreatedDate": col.timestamps(at_a),
            "IsDeleted": col.booleans(leads.deleted[lead_idx_a]),
        }
    )
