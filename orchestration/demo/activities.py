"""A rep's working days as blocks of time: the activity log, Tasks and Events.

Every working day of a rep is a sequence of blocks (emails, calls, meetings, internal work)
starting around 08:00 local time. Most blocks are in the activity log; some of its calls,
emails and customer meetings were also logged in Salesforce (a Task or Event, which the log row
names in `crm_activity_id`); some calls and meetings exist only in Salesforce; to-do Tasks have
no duration. Selling blocks point at a deal, lead or account of the rep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo import clock, params
from orchestration.demo import columns as col
from orchestration.demo.columns import SECONDS_PER_DAY
from orchestration.demo.ids import IdAllocator

TYPES = params.ACTIVITY_TYPES
TYPE_LABELS = [t.label for t in TYPES]
_T = {t.label: i for i, t in enumerate(TYPES)}
EMAIL, CALL, MEETING, DEMO, PREP = _T["Email"], _T["Call"], _T["Customer meeting"], _T["Demo"], _T["Prep"]
_SELLING = np.array([t.category in params.SELLING_CATEGORIES for t in TYPES])
_SOURCES = sorted({t.source_system for t in TYPES})
_SOURCE_OF_TYPE = np.array([_SOURCES.index(t.source_system) for t in TYPES])
_HAS_DURATION = np.array([t.source_system != "calendar" for t in TYPES])
_HAS_END = np.array([t.source_system != "activity_capture" for t in TYPES])
LOG, CRM_CALL, CRM_MEETING = 0, 1, 2
_OPP_WINDOW = 150 * SECONDS_PER_DAY
_LEAD_WINDOW = 30 * SECONDS_PER_DAY
_KEY = 10**10  # owner * _KEY + epoch seconds orders records by owner, then time
_NONE = -1

CALL_SUBJECTS = ("Call", "Discovery call", "Follow-up call", "Pricing call")
EMAIL_SUBJECTS = ("Email: Follow-up", "Email: Proposal", "Email: Intro", "Email: Meeting recap")
TODO_SUBJECTS = ("Update opportunity notes", "Send contract", "Prepare quote", "Log call notes")
EVENT_SUBJECTS = ("Discovery meeting", "Product demo", "Business review", "On-site visit")


@dataclass
class Sellers:
    """What the block generator needs to know about the reps."""

    user_ids: pa.Array
    start_day: np.ndarray
    end_day: np.ndarray
    intensity: np.ndarray
    selling_tilt: np.ndarray
    utc_offset: np.ndarray


@dataclass
class Records:
    """Records a block can be about: one set of arrays per kind, owners as rep indices."""

    opp_owner: np.ndarray
    opp_created: np.ndarray
    opp_closes: np.ndarray
    opp_account: np.ndarray
    opp_ids: pa.Array
    lead_owner: np.ndarray
    lead_created: np.ndarray
    lead_ids: pa.Array
    account_owner: np.ndarray
    account_ids: pa.Array


@dataclass
class ActivityTables:
    log: pa.Table
    log_year: np.ndarray
    tasks: pa.Table
    events: pa.Table


def _rep_days(
    sellers: Sellers, first_day: int, last_day: int, weekend_work: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    days = np.arange(first_day, last_day + 1)
    present = (days[None, :] >= sellers.start_day[:, None]) & (days[None, :] < sellers.end_day[:, None])
    works = np.where(clock.is_weekday(days), 1.0 - params.ABSENCE_RATE, weekend_work)[None, :]
    working = present & (rng.random(present.shape) < works)
    rep, pos = np.nonzero(working)
    return rep, days[pos]


def _type_probabilities(sellers: Sellers) -> np.ndarray:
    shares = np.array([t.share for t in TYPES])[None, :]
    tilt = np.where(_SELLING[None, :], sellers.selling_tilt[:, None], 1.0)
    p = shares * tilt
    return np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)


def _pick_recent(
    keys: np.ndarray, owner: np.ndarray, at: np.ndarray, window: int, u: np.ndarray
) -> np.ndarray:
    """Index (into the sorted keys) of a record of `owner` created in (at - window, at], or -1."""
    lo = np.searchsorted(keys, owner * _KEY + at - window, side="right")
    hi = np.searchsorted(keys, owner * _KEY + at, side="right")
    found = hi > lo
    return np.where(found, lo + (u * (hi - lo)).astype(np.int64), _NONE)


def simulate(
    sellers: Sellers,
    records: Records,
    first_day: int,
    last_day: int,
    rng: np.random.Generator,
    ids: IdAllocator,
    total_rows: int | None,
    weekend_work: float = 0.0,
    created_after: int | None = None,
) -> ActivityTables:
    """Blocks of every working rep-day in [first_day, last_day]. With `total_rows`, the activity
    log has exactly that many rows; else about ACTIVITY_ROWS_PER_REP_DAY per rep-day.
    Records are created before the day after `last_day` and, with `created_after` (epoch
    seconds), not before it: a daily drop holds only records changed since the previous one."""
    window = (created_after, (last_day + 1) * SECONDS_PER_DAY)
    rep_of_day, day = _rep_days(sellers, first_day, last_day, weekend_work, rng)
    n_days = len(day)
    weight = sellers.intensity[rep_of_day]
    if total_rows is not None:
        per_day = rng.multinomial(total_rows, weight / weight.sum()) if n_days else np.zeros(0, int)
    else:
        per_day = rng.poisson(params.ACTIVITY_ROWS_PER_REP_DAY * weight)
    crm_calls = rng.poisson(params.CRM_ONLY_CALLS_PER_DAY, n_days)
    crm_meetings = rng.poisson(params.CRM_ONLY_MEETINGS_PER_DAY, n_days)
    todos = rng.poisson(params.TODO_TASKS_PER_DAY, n_days)

    # Blocks: activity-log rows, then Salesforce-only calls and meetings.
    block_day = np.concatenate([np.repeat(np.arange(n_days), c) for c in (per_day, crm_calls, crm_meetings)])
    kind = np.repeat([LOG, CRM_CALL, CRM_MEETING], [per_day.sum(), crm_calls.sum(), crm_meetings.sum()])
    n = len(block_day)
    rep = rep_of_day[block_day]
    cumulative = _type_probabilities(sellers)
    drawn = (rng.random(n)[:, None] > cumulative[rep]).sum(axis=1)
    type_idx = np.where(
        kind == LOG, np.minimum(drawn, len(TYPES) - 1), np.where(kind == CRM_CALL, CALL, MEETING)
    )
    medians = np.array([t.median_minutes for t in TYPES])
    sigmas = np.array([t.sigma for t in TYPES])
    minutes = np.maximum(np.round(rng.lognormal(np.log(medians[type_idx]), sigmas[type_idx])), 1).astype(
        np.int64
    )
    gap = rng.integers(0, 13, n)

    # Schedule each rep-day's blocks back to back from ~08:00 local, inside its UTC day.
    order = np.lexsort((rng.random(n), block_day))
    block_day, kind, rep, type_idx, minutes, gap = (
        a[order] for a in (block_day, kind, rep, type_idx, minutes, gap)
    )
    step = (minutes + gap) * 60
    ends = np.cumsum(step)
    firsts = np.flatnonzero(np.r_[True, block_day[1:] != block_day[:-1]])
    group_base = np.zeros(n_days, dtype=np.int64)
    group_total = np.zeros(n_days, dtype=np.int64)
    if n:
        group_base[block_day[firsts]] = ends[firsts] - step[firsts]
        np.add.at(group_total, block_day, step)
    offset_in_day = ends - step - group_base[block_day]
    local_start = (8 * 60 + rng.integers(0, 75, n_days)) * 60
    day_start = day * SECONDS_PER_DAY + local_start - sellers.utc_offset[rep_of_day]
    latest = (day + 1) * SECONDS_PER_DAY - 60 - group_total
    day_start = np.maximum(np.minimum(day_start, latest), day * SECONDS_PER_DAY)
    start = day_start[block_day] + offset_in_day
    end = start + minutes * 60

    opp, lead, account = _links(records, rep, type_idx, start, rng)

    # Salesforce copies of log blocks, and Salesforce-only blocks.
    u = rng.random(n)
    task_share = np.zeros(len(TYPES))
    event_share = np.zeros(len(TYPES))
    for label, share in params.LOGGED_AS_TASK.items():
        task_share[_T[label]] = share
    for label, share in params.LOGGED_AS_EVENT.items():
        event_share[_T[label]] = share
    is_log = kind == LOG
    as_task = (is_log & (u < task_share[type_idx])) | (kind == CRM_CALL)
    as_event = (is_log & (u < event_share[type_idx])) | (kind == CRM_MEETING)

    todo_day = np.repeat(np.arange(n_days), todos)
    tasks, task_of_block = _tasks(
        sellers, records, rep, type_idx, start, end, minutes, opp, lead, account, as_task,
        rep_of_day, day, todo_day, window, rng, ids,
    )  # fmt: skip
    events, event_of_block = _events(
        sellers, records, rep, type_idx, start, end, minutes, opp, lead, account, as_event, window, rng, ids
    )
    crm_id = pc.coalesce(
        col.take(tasks.column("Id").combine_chunks(), task_of_block, task_of_block >= 0),
        col.take(events.column("Id").combine_chunks(), event_of_block, event_of_block >= 0),
    )

    # The activity log, in time order.
    rows = np.flatnonzero(is_log)
    rows = rows[np.lexsort((rep[rows], start[rows]))]
    t = type_idx[rows]
    m = len(rows)
    log = pa.table(
        {
            "activity_id": ids.take_activity(m),
            "rep_id": col.take(sellers.user_ids, rep[rows]),
            "activity_type": col.pick(TYPE_LABELS, t),
            "started_at": col.timestamps(start[rows]),
            "duration_minutes": col.integers(minutes[rows], _HAS_DURATION[t]),
            "ended_at": col.timestamps(end[rows], _HAS_END[t]),
            "account_id": col.take(records.account_ids, account[rows], account[rows] >= 0),
            "opportunity_id": col.take(records.opp_ids, opp[rows], opp[rows] >= 0),
            "lead_id": col.take(records.lead_ids, lead[rows], lead[rows] >= 0),
            "crm_activity_id": col.take(crm_id, rows),
            "source_system": col.pick(_SOURCES, _SOURCE_OF_TYPE[t]),
        }
    )
    return ActivityTables(
        log=log, log_year=clock.year_of(start[rows] // SECONDS_PER_DAY), tasks=tasks, events=events
    )


def _links(
    records: Records, rep: np.ndarray, type_idx: np.ndarray, start: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(opportunity, lead, account) each block is about, -1 for none."""
    n = len(rep)
    u, u_pick = rng.random(n), rng.random(n)
    selling = _SELLING[type_idx]
    wants_opp = (selling & (u < 0.6)) | ((type_idx == PREP) & (u < 0.5))
    wants_lead = selling & (u >= 0.6) & (u < 0.8) & ((type_idx == EMAIL) | (type_idx == CALL))
    wants_account = selling & ~wants_opp & ~wants_lead

    opp_order = np.lexsort((records.opp_created, records.opp_owner))
    opp_keys = records.opp_owner[opp_order] * _KEY + records.opp_created[opp_order]
    found = _pick_recent(opp_keys, rep, start, _OPP_WINDOW, u_pick)
    opp = np.where(wants_opp & (found >= 0), opp_order[np.maximum(found, 0)], _NONE)
    still_open = (opp >= 0) & (records.opp_closes[np.maximum(opp, 0)] >= start)
    account = np.where(opp >= 0, records.opp_account[np.maximum(opp, 0)], _NONE)
    opp = np.where(still_open, opp, _NONE)

    lead_order = np.lexsort((records.lead_created, records.lead_owner))
    lead_keys = records.lead_owner[lead_order] * _KEY + records.lead_created[lead_order]
    found = _pick_recent(lead_keys, rep, start, _LEAD_WINDOW, u_pick)
    lead = np.where(wants_lead & (found >= 0), lead_order[np.maximum(found, 0)], _NONE)

    account_order = np.argsort(records.account_owner, kind="stable")
    owners = records.account_owner[account_order]
    lo = np.searchsorted(owners, rep, side="left")
    hi = np.searchsorted(owners, rep, side="right")
    any_account = hi > lo
    own = np.where(
        any_account,
        account_order[np.minimum(lo + (u_pick * (hi - lo)).astype(np.int64), len(owners) - 1)],
        _NONE,
    )
    needs_account = (wants_account | (wants_opp & (account < 0))) & (lead < 0)
    account = np.where(needs_account & (account < 0), own, account)
    return opp, lead, account


def _what_and_account(
    records: Records, opp: np.ndarray, lead: np.ndarray, account: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    who = col.take(records.lead_ids, lead, lead >= 0)
    what = pc.coalesce(
        col.take(records.opp_ids, opp, opp >= 0), col.take(records.account_ids, account, account >= 0)
    )
    return who, what, col.take(records.account_ids, account, account >= 0)


def _tasks(
    sellers: Sellers,
    records: Records,
    rep: np.ndarray,
    type_idx: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    minutes: np.ndarray,
    opp: np.ndarray,
    lead: np.ndarray,
    account: np.ndarray,
    as_task: np.ndarray,
    rep_of_day: np.ndarray,
    day: np.ndarray,
    todo_day: np.ndarray,
    window: tuple[int | None, int],
    rng: np.random.Generator,
    ids: IdAllocator,
) -> tuple[pa.Table, np.ndarray]:
    blocks = np.flatnonzero(as_task)
    n_todo = len(todo_day)
    # Tasks: copies of blocks (calls, emails), then to-dos (no duration, on the day).
    t_rep = np.concatenate([rep[blocks], rep_of_day[todo_day]])
    t_day = np.concatenate([start[blocks] // SECONDS_PER_DAY, day[todo_day]])
    todo_time = clock.local_times(day[todo_day], sellers.utc_offset[rep_of_day[todo_day]], rng, 8, 18)
    todo_time = np.clip(todo_time, day[todo_day] * SECONDS_PER_DAY, (day[todo_day] + 1) * SECONDS_PER_DAY - 1)
    t_time = np.concatenate([start[blocks], todo_time])
    subtype = np.concatenate([np.where(type_idx[blocks] == EMAIL, 1, 0), np.full(n_todo, 2)])
    logged = np.concatenate(
        [
            end[blocks] + rng.integers(60, 1800, len(blocks)),
            todo_time - rng.integers(0, 5 * SECONDS_PER_DAY, n_todo),
        ]
    )
    logged = np.clip(logged, window[0], window[1] - 1)
    seconds = np.concatenate(
        [
            np.maximum(minutes[blocks] * 60 + rng.integers(-45, 46, len(blocks)), 5),
            np.zeros(n_todo, dtype=np.int64),
        ]
    )
    t_opp = np.concatenate([opp[blocks], np.full(n_todo, _NONE)])
    t_lead = np.concatenate([lead[blocks], np.full(n_todo, _NONE)])
    t_account = np.concatenate([account[blocks], np.full(n_todo, _NONE)])
    order = np.lexsort((t_time, t_rep))
    (t_rep, t_day, t_time, subtype, logged, seconds, t_opp, t_lead, t_account) = (
        a[order] for a in (t_rep, t_day, t_time, subtype, logged, seconds, t_opp, t_lead, t_account)
    )
    n = len(order)
    is_call = subtype == 0
    deleted = (subtype == 2) & (rng.random(n) < 0.002)
    who, what, account_ids = _what_and_account(records, t_opp, t_lead, t_account)
    subject_pick = rng.integers(0, 4, n)
    subject = col.pick(CALL_SUBJECTS + EMAIL_SUBJECTS + TODO_SUBJECTS, subtype * 4 + subject_pick)
    tasks = pa.table(
        {
            "Id": ids.take("Task", n),
            "OwnerId": col.take(sellers.user_ids, t_rep),
            "ActivityDate": col.dates(t_day),
            "CreatedDate": col.timestamps(logged),
            "Subject": subject,
            "TaskSubtype": col.pick(("Call", "Email", "Task"), subtype),
            "Type": col.pick(("Call", "Email", "Other"), subtype),
            "Status": col.constant("Completed", n),
            "CallDurationInSeconds": col.integers(seconds, is_call),
            "WhoId": who,
            "WhatId": what,
            "AccountId": account_ids,
            "IsDeleted": col.booleans(deleted),
            "SystemModstamp": col.timestamps(logged),
            "LastModifiedDate": col.timestamps(logged),
            "CallType": col.pick(("Outbound", "Inbound"), (rng.random(n) < 0.2).astype(np.int64), is_call),
            "Priority": col.constant("Normal", n),
        }
    )
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    task_of_block = np.full(len(rep), _NONE)
    task_of_block[blocks] = position[: len(blocks)]
    return tasks, task_of_block


def _events(
    sellers: Sellers,
    records: Records,
    rep: np.ndarray,
    type_idx: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    minutes: np.ndarray,
    opp: np.ndarray,
    lead: np.ndarray,
    account: np.ndarray,
    as_event: np.ndarray,
    window: tuple[int | None, int],
    rng: np.random.Generator,
    ids: IdAllocator,
) -> tuple[pa.Table, np.ndarray]:
    blocks = np.flatnonzero(as_event)
    blocks = blocks[np.lexsort((start[blocks], rep[blocks]))]
    n = len(blocks)
    e_start, e_end = start[blocks], end[blocks]
    scheduled = e_start - rng.integers(SECONDS_PER_DAY // 2, 10 * SECONDS_PER_DAY, n)
    if window[0] is not None:
        scheduled = np.maximum(scheduled, np.minimum(window[0], e_start))
    u = rng.random(n)
    # Type: Meeting mostly; demos as Demo; some Other or empty (both count as Meeting).
    event_type = np.where(type_idx[blocks] == DEMO, 1, np.where(u < 0.08, 2, np.where(u < 0.12, 3, 0)))
    has_duration = rng.random(n) >= params.EVENT_WITHOUT_DURATION
    who, what, account_ids = _what_and_account(records, opp[blocks], lead[blocks], account[blocks])
    events = pa.table(
        {
            "Id": ids.take("Event", n),
            "OwnerId": col.take(sellers.user_ids, rep[blocks]),
            "StartDateTime": col.timestamps(e_start),
            "CreatedDate": col.timestamps(scheduled),
            "EndDateTime": col.timestamps(e_end),
            "DurationInMinutes": col.integers(minutes[blocks], has_duration),
            "Subject": col.pick(EVENT_SUBJECTS, np.where(type_idx[blocks] == DEMO, 1, rng.integers(0, 4, n))),
            "Type": col.pick(("Meeting", "Demo", "Other", None), event_type),
            "WhoId": who,
            "WhatId": what,
            "AccountId": account_ids,
            "IsDeleted": col.booleans(np.zeros(n, dtype=bool)),
            "SystemModstamp": col.timestamps(scheduled),
            "LastModifiedDate": col.timestamps(scheduled),
            "ShowAs": col.constant("Busy", n),
        }
    )
    event_of_block = np.full(len(rep), _NONE)
    event_of_block[blocks] = np.arange(n)
    return events, event_of_block
