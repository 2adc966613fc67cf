"""The sales org of one unit: users and roles, territories and memberships, base accounts.

A unit is a VP with six teams (a manager and 5-7 account executives each, one team per
territory) and one strategic rep without a manager. Big demo sizes stack several units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from orchestration.demo import clock, names, params
from orchestration.demo import columns as col
from orchestration.demo.columns import SECONDS_PER_DAY, day_number
from orchestration.demo.ids import IdAllocator, salesforce_ids

TERRITORY_TYPE_ID = salesforce_ids("0M5", np.array([1]))[0].as_py()
COMPANY_DOMAIN = "northstar-demo.example"
_HIRE_WINDOW = (day_number(date(2018, 1, 8)), day_number(date(2023, 6, 30)))
_MANAGER_HIRE_WINDOW = (day_number(date(2015, 1, 5)), day_number(date(2020, 12, 31)))


@dataclass
class Reps:
    """The account executives of a unit (quota-carrying sellers), one entry per rep."""

    user_ids: pa.Array
    team: np.ndarray  # team index; -1 for the rep without a manager
    territory: np.ndarray  # index into the unit's territories
    start_day: np.ndarray  # Hire_Date__c, else the user's CreatedDate
    end_day: np.ndarray  # first day gone (departure), clock.FOREVER if still here
    successor: np.ndarray  # rep taking over open records at departure, -1 if none
    win_rate: np.ndarray
    selling_tilt: np.ndarray
    intensity: np.ndarray  # relative amount of logged activity
    volume: np.ndarray  # accounts, leads and deals relative to an ordinary rep
    utc_offset: np.ndarray  # seconds

    def __len__(self) -> int:
        return len(self.team)


@dataclass
class Accounts:
    """Accounts of a unit; base accounts first, then those created by lead conversion."""

    owner: np.ndarray  # rep index when created
    territory: np.ndarray
    created: np.ndarray  # epoch seconds
    names: pa.Array
    base_count: int


@dataclass
class Org:
    unit: int
    reps: Reps
    territory_ids: pa.Array
    users: pa.Table
    roles: pa.Table
    territories: pa.Table
    user_territories: pa.Table
    accounts: Accounts


def unit_label(unit: int) -> str:
    return "" if unit == 0 else f" - Unit {unit + 1}"


def _rep_roster() -> list[tuple[int, int]]:
    """(team, position) of every rep; team -1 is the strategic rep without a manager."""
    roster = [(team, pos) for team, size in enumerate(params.TEAM_SIZES) for pos in range(size)]
    return [*roster, (-1, 0)]


def _build_reps(unit: int, rng: np.random.Generator, user_ids: pa.Array, rep_rows: list[int]) -> Reps:
    roster = _rep_roster()
    n = len(roster)
    team = np.array([t for t, _ in roster])
    territory = np.where(team >= 0, team, params.STRATEGIC_TERRITORY)
    start = rng.integers(*_HIRE_WINDOW, n)
    end = np.full(n, clock.FOREVER)
    successor = np.full(n, -1)
    position = {slot: i for i, slot in enumerate(roster)}
    # The roster events of the demo unit; other units have them some weeks earlier or later.
    shift = 0 if unit == 0 else int(rng.integers(-45, 46))

    def when(d: date) -> int:
        return min(day_number(d) + shift, clock.AS_OF_DAY - 14)

    for slot, hired in {**params.RECENT_HIRES, **params.MID_PERIOD_HIRES}.items():
        start[position[slot]] = when(hired)
    departed, heir = position[params.DEPARTED_REP], position[params.SUCCESSOR_REP]
    start[departed] = when(params.DEPARTED_HIRE)
    end[departed] = when(params.DEPARTURE)
    successor[departed] = heir
    start[heir] = when(params.SUCCESSOR_HIRE)
    offsets = np.array([params.TERRITORIES[t].utc_offset_hours * 3600 for t in territory])
    return Reps(
        user_ids=col.take(user_ids, np.array(rep_rows)),
        team=team,
        territory=territory,
        start_day=start,
        end_day=end,
        successor=successor,
        win_rate=rng.uniform(*params.WIN_RATE_RANGE, n),
        selling_tilt=rng.uniform(*params.SELLING_TILT_RANGE, n),
        intensity=rng.uniform(0.85, 1.15, n),
        volume=np.array([params.TERRITORY_VOLUME[t] for t in territory]),
        utc_offset=offsets,
    )


def build_org(unit: int, rng: np.random.Generator, ids: IdAllocator) -> Org:
    label = unit_label(unit)
    roster = _rep_roster()
    n_teams = len(params.TEAM_SIZES)

    # Roles: VP, strategic AE, then a manager role and an AE role per team.
    role_names = ["VP Sales", "Strategic Account Executive"]
    role_parent = [-1, 0]
    for team in range(n_teams):
        territory = params.TERRITORIES[team].name
        role_names += [f"Sales Manager, {territory}", f"Account Executive, {territory}"]
        role_parent += [0, len(role_names) - 2]
    role_names = [f"{name}{label}" for name in role_names]
    role_ids = ids.take("UserRole", len(role_names))
    parent = np.array(role_parent)
    roles = pa.table(
        {
            "Id": role_ids,
            "Name": pa.array(role_names),
            "ParentRoleId": col.take(role_ids, parent, parent >= 0),
            "DeveloperName": pa.array([_developer_name(n) for n in role_names]),
        }
    )

    # Users: VP, then per team its manager followed by its reps, then the strategic rep.
    kinds: list[str] = ["vp"]
    user_role: list[int] = [0]
    user_team: list[int] = [-1]
    rep_rows: list[int] = []
    for team in range(n_teams):
        kinds.append("manager")
        user_role.append(2 + 2 * team)
        user_team.append(team)
        for _ in range(params.TEAM_SIZES[team]):
            rep_rows.append(len(kinds))
            kinds.append("rep")
            user_role.append(3 + 2 * team)
            user_team.append(team)
    rep_rows.append(len(kinds))
    kinds.append("rep")
    user_role.append(1)
    user_team.append(-1)
    n_users = len(kinds)
    user_ids = ids.take("User", n_users)
    reps = _build_reps(unit, rng, user_ids, rep_rows)
    kinds_a = np.array(kinds)
    is_rep = kinds_a == "rep"

    start = rng.integers(*_MANAGER_HIRE_WINDOW, n_users)
    start[rep_rows] = reps.start_day
    team_a = np.array(user_team)
    territory = np.where(team_a >= 0, team_a, params.STRATEGIC_TERRITORY)
    offsets = np.array([params.TERRITORIES[t].utc_offset_hours * 3600 for t in territory])
    created = clock.local_times(start - rng.integers(3, 21, n_users), offsets, rng, 9, 17)
    position = {slot: i for i, slot in enumerate(roster)}
    no_hire_date = np.zeros(n_users, dtype=bool)
    no_hire_date[rep_rows[position[params.NO_HIRE_DATE_REP]]] = True
    no_hire_date[0] = True  # the VP's hire date was never filled in either
    created = np.where(no_hire_date, start * SECONDS_PER_DAY + 9 * 3600 - offsets, created)
    end = np.full(n_users, clock.FOREVER)
    end[rep_rows] = reps.end_day
    is_active = end > clock.AS_OF_DAY
    modified = created + (rng.random(n_users) * (clock.CUTOFF - 3600 - created)).astype(np.int64)
    modified = np.where(is_active, modified, end * SECONDS_PER_DAY + 17 * 3600 - offsets)

    manager_row = np.full(n_users, -1)
    manager_row[kinds_a == "manager"] = 0
    manager_of_team = {team_a[i]: i for i in range(n_users) if kinds[i] == "manager"}
    for i in np.flatnonzero(is_rep):
        manager_row[i] = manager_of_team.get(team_a[i], -1)
    title_of = {"vp": "VP Sales", "manager": "Sales Manager", "rep": "Account Executive"}
    titles = [title_of[kind] for kind in kinds]
    titles[rep_rows[-1]] = "Strategic Account Executive"
    first, last = names.person_names(rng, n_users)
    region = [params.TERRITORIES[t].region for t in territory]
    users = pa.table(
        {
            "Id": user_ids,
            "Name": col.join(first, last, separator=" "),
            "IsActive": col.booleans(is_active),
            "CreatedDate": col.timestamps(created),
            "Email": col.join(names.email_local_part(first, last), COMPANY_DOMAIN, separator="@"),
            "ManagerId": col.take(user_ids, manager_row, manager_row >= 0),
            "UserRoleId": col.take(role_ids, np.array(user_role)),
            "Title": pa.array(titles),
            "Department": col.constant("Sales", n_users),
            "Hire_Date__c": col.dates(start, ~no_hire_date),
            "SystemModstamp": col.timestamps(modified),
            "LastModifiedDate": col.timestamps(modified),
            "FirstName": first,
            "LastName": last,
            "TimeZoneSidKey": pa.array([params.TERRITORIES[t].time_zone for t in territory]),
            "Region__c": pa.array(region),
            "Employee_Number__c": pa.array([f"E{unit:03d}{i:04d}" for i in range(n_users)]),
        }
    )

    territory_names = [f"{t.name}{label}" for t in params.TERRITORIES]
    territory_ids = ids.take("Territory2", len(territory_names))
    territories = pa.table(
        {
            "Id": territory_ids,
            "Name": pa.array(territory_names),
            "ParentTerritory2Id": pa.nulls(len(territory_names), pa.string()),
            "Territory2TypeId": col.constant(TERRITORY_TYPE_ID, len(territory_names)),
            "DeveloperName": pa.array([_developer_name(n) for n in territory_names]),
        }
    )
    return Org(
        unit=unit,
        reps=reps,
        territory_ids=territory_ids,
        users=users,
        roles=roles,
        territories=territories,
        user_territories=_user_territories(reps, territory_ids, ids, rng),
        accounts=_base_accounts(reps, rng),
    )


def _developer_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in name)
    return "_".join(part for part in cleaned.split("_") if part)


def _user_territories(
    reps: Reps, territory_ids: pa.Array, ids: IdAllocator, rng: np.random.Generator
) -> pa.Table:
    roster = _rep_roster()
    position = {slot: i for i, slot in enumerate(roster)}
    rep_idx = list(range(len(reps)))
    territory = reps.territory.tolist()
    active = (reps.end_day > clock.AS_OF_DAY).tolist()
    moved = position[params.MOVED_REP]
    # The moved rep's old membership, now inactive, sits before the current one.
    rep_idx.insert(moved, moved)
    territory.insert(moved, params.MOVED_FROM_TERRITORY)
    active.insert(moved, False)
    rep_a = np.array(rep_idx)
    n = len(rep_a)
    start = reps.start_day[rep_a]
    modified = clock.local_times(np.maximum(start, clock.CRM_START_DAY - 400), reps.utc_offset[rep_a], rng)
    departed = reps.end_day[rep_a] < clock.FOREVER
    modified = np.where(departed, reps.end_day[rep_a] * SECONDS_PER_DAY + 12 * 3600, modified)
    modified[rep_a == moved] = (clock.CRM_START_DAY - 30) * SECONDS_PER_DAY + 11 * 3600
    roles = np.where(reps.team[rep_a] >= 0, "Account Executive", "Strategic Account Executive")
    return pa.table(
        {
            "Id": ids.take("UserTerritory2Association", n),
            "UserId": col.take(reps.user_ids, rep_a),
            "Territory2Id": col.take(territory_ids, np.array(territory)),
            "RoleInTerritory2": pa.array(roles.tolist()),
            "IsActive": col.booleans(np.array(active)),
            "SystemModstamp": col.timestamps(modified),
            "LastModifiedDate": col.timestamps(modified),
        }
    )


def _base_accounts(reps: Reps, rng: np.random.Generator) -> Accounts:
    counts = np.round(params.ACCOUNTS_PER_REP * reps.volume).astype(int)
    owner = np.repeat(np.arange(len(reps)), counts)
    n = len(owner)
    created_day = rng.integers(day_number(date(2016, 1, 4)), clock.CRM_START_DAY - 1, n)
    return Accounts(
        owner=owner,
        territory=reps.territory[owner],
        created=clock.local_times(created_day, reps.utc_offset[owner], rng),
        names=names.company_names(rng, n),
        base_count=n,
    )


def add_accounts(
    accounts: Accounts, owner: np.ndarray, territory: np.ndarray, created: np.ndarray, account_names: pa.Array
) -> np.ndarray:
    """Append accounts (created by lead conversion); returns their indices."""
    start = len(accounts.owner)
    accounts.owner = np.concatenate([accounts.owner, owner])
    accounts.territory = np.concatenate([accounts.territory, territory])
    accounts.created = np.concatenate([accounts.created, created])
    accounts.names = pa.concat_arrays([accounts.names, account_names.cast(pa.string())])
    return start + np.arange(len(owner))


def account_tables(
    org: Org,
    account_ids: pa.Array,
    current_owner: np.ndarray,
    first_won: np.ndarray,
    ids: IdAllocator,
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:
    """Account and ObjectTerritory2Association rows. `first_won`: epoch seconds of the first won
    deal of each account before the cutoff, or -1."""
    acc = org.accounts
    n = len(acc.owner)
    is_customer = first_won >= 0
    industry = rng.integers(0, len(names.INDUSTRIES), n)
    employees = np.round(np.exp(rng.normal(5.3, 1.4, n))).astype(np.int64) + 5
    revenue = (employees * rng.uniform(80_000, 250_000, n) // 1000 * 1000).astype(np.int64)
    country_idx = rng.random(n)
    country, state = [], []
    for t, u in zip(acc.territory.tolist(), country_idx.tolist(), strict=True):
        options = params.TERRITORIES[t].countries
        name, states = options[int(u * len(options))]
        country.append(name)
        state.append(states[int(u * 1000) % len(states)] if states else None)
    touched = acc.created + (rng.random(n) * (clock.CUTOFF - 60 - acc.created)).astype(np.int64)
    modified = np.maximum(touched, first_won)
    customer_type = np.where(rng.random(n) < 0.85, 1, 2)
    type_idx = np.where(is_customer, customer_type, 0)
    tier = np.where(revenue > 50_000_000, 0, np.where(revenue > 5_000_000, 1, 2))
    region = [params.TERRITORIES[t].region for t in acc.territory.tolist()]
    accounts = pa.table(
        {
            "Id": account_ids,
            "Name": acc.names,
            "OwnerId": col.take(org.reps.user_ids, current_owner),
            "CreatedDate": col.timestamps(acc.created),
            "Industry": col.pick(names.INDUSTRIES, industry),
            "Type": col.pick(("Prospect", "Customer - Direct", "Customer - Channel"), type_idx),
            "AnnualRevenue": col.money(revenue, rng.random(n) > 0.1),
            "NumberOfEmployees": col.integers(employees),
            "BillingCountry": pa.array(country, pa.string()),
            "BillingState": pa.array(state, pa.string()),
            "IsDeleted": col.booleans(np.zeros(n, dtype=bool)),
            "SystemModstamp": col.timestamps(modified),
            "LastModifiedDate": col.timestamps(modified),
            "Region__c": pa.array(region),
            "Customer_Tier__c": col.pick(("Enterprise", "Mid-Market", "SMB"), tier),
        }
    )
    # Each account in its territory; one global account of territory 0 also in territory 1.
    obj = np.arange(n)
    territory = acc.territory
    shared = np.flatnonzero(acc.territory[: acc.base_count] == 0)[:1]
    obj = np.concatenate([obj, shared])
    territory = np.concatenate([territory, np.ones(len(shared), dtype=territory.dtype)])
    cause = np.concatenate([np.zeros(n, dtype=int), np.ones(len(shared), dtype=int)])
    assigned = np.maximum(acc.created[obj], (clock.CRM_START_DAY - 60) * SECONDS_PER_DAY) + 3600
    associations = pa.table(
        {
            "Id": ids.take("ObjectTerritory2Association", len(obj)),
            "ObjectId": col.take(account_ids, obj),
            "Territory2Id": col.take(org.territory_ids, territory),
            "AssociationCause": col.pick(("Territory2AssignmentRule", "Territory2Manual"), cause),
            "SystemModstamp": col.timestamps(assigned),
            "LastModifiedDate": col.timestamps(assigned),
        }
    )
    return accounts, associations
