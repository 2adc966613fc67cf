"""The demo org's shape and the knobs behind its planted truths.

Everything the generator aims at lives here, so the README and the tests can name one place.
Rates are per ramped rep; the generator scales them by territory volume and ramp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# -- Calendar --------------------------------------------------------------------------------------
AS_OF = date(2026, 9, 30)  # last day of the full extract; next-day drops start the day after
CRM_START = date(2023, 4, 1)  # first lead / opportunity: the pipeline is steady by 2024-Q1
ACTIVITY_START = date(2024, 1, 1)  # first activity-log row, Task and Event
FIRST_QUOTA_QUARTER = date(2024, 1, 1)
LAST_QUOTA_QUARTER = date(2026, 10, 1)  # the next quarter's quotas are already entered
RAMP_MONTHS = 6

# -- Size ------------------------------------------------------------------------------------------
DEMO_ACTIVITY_ROWS = 300_000  # one "unit": ~40 reps, 6 teams, 6 territories
REPS_PER_UNIT = 40  # account executives per unit, the departed one included


# -- Territories and teams (one team per territory) ----------------------------------------------
@dataclass(frozen=True)
class TerritorySpec:
    name: str
    region: str
    time_zone: str  # User.TimeZoneSidKey of the reps working it
    utc_offset_hours: int  # fixed offset used to place the working day (no DST)
    countries: tuple[tuple[str, tuple[str, ...]], ...]  # BillingCountry -> BillingState choices


TERRITORIES: tuple[TerritorySpec, ...] = (
    TerritorySpec(
        "North America East",
        "NA",
        "America/New_York",
        -5,
        (("United States", ("NY", "MA", "PA", "NJ", "GA", "FL")), ("Canada", ("ON", "QC"))),
    ),
    TerritorySpec(
        "North America West",
        "NA",
        "America/Los_Angeles",
        -8,
        (("United States", ("CA", "WA", "OR", "CO", "TX")), ("Canada", ("BC", "AB"))),
    ),
    TerritorySpec(
        "EMEA North",
        "EMEA",
        "Europe/London",
        0,
        (("United Kingdom", ()), ("Germany", ()), ("Netherlands", ()), ("Sweden", ())),
    ),
    TerritorySpec(
        "EMEA South",
        "EMEA",
        "Europe/Paris",
        1,
        (("France", ()), ("Spain", ()), ("Italy", ()), ("Portugal", ())),
    ),
    TerritorySpec(
        "APAC",
        "APAC",
        "Asia/Singapore",
        8,
        (("Singapore", ()), ("Australia", ("NSW", "VIC", "QLD")), ("Japan", ())),
    ),
    TerritorySpec(
        "LATAM",
        "LATAM",
        "America/Sao_Paulo",
        -3,
        (("Brazil", ("SP", "RJ")), ("Mexico", ()), ("Argentina", ()), ("Chile", ())),
    ),
)
TIME_ZONE_OFFSETS: dict[str, int] = {t.time_zone: t.utc_offset_hours for t in TERRITORIES}

# Reps reporting to each territory's manager. The strategic rep (no manager) works territory 0.
TEAM_SIZES: tuple[int, ...] = (7, 7, 5, 7, 7, 6)
STRATEGIC_TERRITORY = 0

# Planted truth: EMEA North is over-loaded. Its 5 reps carry about twice the accounts, leads and
# opportunities of a rep elsewhere, so its open pipeline per rep is ~1.9x the org's.
OVERLOADED_TERRITORY = 2
TERRITORY_VOLUME: tuple[float, ...] = (1.0, 1.0, 2.5, 1.0, 1.0, 1.0)

# Roster events, by (team, position in team).
RECENT_HIRES: dict[tuple[int, int], date] = {
    (0, 6): date(2026, 4, 6),
    (1, 6): date(2026, 6, 1),
    (5, 5): date(2026, 8, 17),
}
MID_PERIOD_HIRES: dict[tuple[int, int], date] = {(4, 5): date(2024, 9, 2), (1, 5): date(2025, 2, 3)}
DEPARTED_REP = (3, 0)  # leaves; open leads, opportunities and accounts go to the successor
DEPARTED_HIRE = date(2021, 3, 15)
DEPARTURE = date(2025, 6, 13)
SUCCESSOR_REP = (3, 6)
SUCCESSOR_HIRE = date(2025, 7, 1)
MOVED_REP = (5, 0)  # inactive association to MOVED_FROM_TERRITORY, active one to its team's
MOVED_FROM_TERRITORY = 4
NO_HIRE_DATE_REP = (0, 1)  # Hire_Date__c empty: CreatedDate is the start date
ACCOUNTS_PER_REP = 20  # base accounts; converted leads add more

# -- Win rates -------------------------------------------------------------------------------------
# Planted truth: each rep's chance to win a deal is drawn uniformly from this range (by count).
WIN_RATE_RANGE = (0.22, 0.36)


# -- Opportunity stages ----------------------------------------------------------------------------
@dataclass(frozen=True)
class StageSpec:
    name: str
    probability: int
    forecast_category: str
    median_days: float  # median dwell time (lognormal)
    loss_weight: float  # where lost deals are lost
    skip_probability: float = 0.0  # stage skipped on the way through


OPEN_STAGES: tuple[StageSpec, ...] = (
    StageSpec("Prospecting", 10, "Pipeline", 6.0, 0.22),
    StageSpec("Qualification", 20, "Pipeline", 8.0, 0.20),
    StageSpec("Needs Analysis", 20, "Pipeline", 9.0, 0.16),
    StageSpec("Value Proposition", 50, "Pipeline", 10.0, 0.12),
    StageSpec("Id. Decision Makers", 60, "Pipeline", 7.0, 0.07, skip_probability=0.25),
    StageSpec("Perception Analysis", 70, "Best Case", 6.0, 0.05, skip_probability=0.35),
    StageSpec("Proposal/Price Quote", 75, "Best Case", 12.0, 0.09),
    # Planted truth: deals sit here longest (median ~27 days against 6-12 for the others).
    StageSpec("Negotiation/Review", 90, "Commit", 27.0, 0.09),
)
CLOSED_WON = StageSpec("Closed Won", 100, "Closed", 0.0, 0.0)
CLOSED_LOST = StageSpec("Closed Lost", 0, "Omitted", 0.0, 0.0)
SLOW_STAGE = "Negotiation/Review"
STAGE_SIGMA = 0.75  # lognormal sigma of every stage's dwell time
BACK_TO_NEEDS_ANALYSIS = 0.04  # Value Proposition -> Needs Analysis -> Value Proposition
BACK_TO_PROPOSAL = 0.08  # Negotiation/Review -> Proposal/Price Quote -> Negotiation/Review
LEAD_OPPS_START_AT_QUALIFICATION = 0.6
DIRECT_OPPS_START_AT_QUALIFICATION = 0.2

DIRECT_OPPS_PER_REP_MONTH = 3.0  # opportunities created by the rep, not from a lead
AMOUNT_MEDIAN = 30_000  # USD, new business, 2024 prices
AMOUNT_SIGMA = 0.55
AMOUNT_GROWTH_PER_YEAR = 1.10  # deal sizes (and quotas) grow smoothly from 2024-01-01 prices
PRICE_BASE_DATE = date(2024, 1, 1)
OPPORTUNITY_TYPES: tuple[tuple[str, float, float], ...] = (  # Type, share of direct opps, amount factor
    ("New Business", 0.5, 1.0),
    ("Existing Customer - Upgrade", 0.35, 0.6),
    ("Existing Customer - Replacement", 0.15, 0.8),
)
DELETED_OPPORTUNITY_SHARE = 0.004

# -- Lead funnel -----------------------------------------------------------------------------------
LEAD_STATUSES: tuple[str, ...] = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Marketing Qualified",
    "Sales Qualified",
    "Closed - Converted",
    "Closed - Not Converted",
)
LEADS_PER_REP_MONTH = 26.0
P_CONTACTED = 0.92  # else closed as junk
P_MQL = 0.50  # contacted lead becomes a Marketing Qualified lead
# Planted truth: MQL -> SQL is the leakiest step (~16% convert, leakage ~0.84).
P_SQL = 0.115
P_CONVERT = 0.72  # Sales Qualified lead converted into an opportunity
NEW_ACCOUNT_ON_CONVERSION = 0.6  # else converted onto one of the rep's accounts
DELETED_LEAD_SHARE = 0.003
# LeadSource, share, probability that a contacted lead skips MQL straight to Sales Qualified.
LEAD_SOURCES: tuple[tuple[str | None, float, float], ...] = (
    ("Web", 0.30, 0.01),
    ("Webinar", 0.12, 0.01),
    ("Trade Show", 0.10, 0.01),
    ("Partner Referral", 0.08, 0.20),
    ("Advertisement", 0.08, 0.005),
    ("Employee Referral", 0.05, 0.20),
    ("Purchased List", 0.15, 0.0),
    ("Phone Inquiry", 0.09, 0.02),
    (None, 0.03, 0.01),
)


# -- Activities ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivityTypeSpec:
    label: str  # activity-log activity_type
    category: str  # per the default seed
    share: float  # share of activity-log rows (before the rep's selling tilt)
    median_minutes: float
    sigma: float
    source_system: str  # activity_capture: duration only; calendar: ended_at only; time_tracking: both


ACTIVITY_TYPES: tuple[ActivityTypeSpec, ...] = (
    ActivityTypeSpec("Email", "digital_communication", 0.30, 9.0, 0.5, "activity_capture"),
    ActivityTypeSpec("Call", "personal_communication", 0.17, 17.0, 0.6, "activity_capture"),
    ActivityTypeSpec("Customer meeting", "personal_communication", 0.07, 68.0, 0.35, "calendar"),
    ActivityTypeSpec("Demo", "personal_communication", 0.03, 68.0, 0.3, "calendar"),
    ActivityTypeSpec("Internal meeting", "internal_meeting", 0.10, 50.0, 0.4, "calendar"),
    ActivityTypeSpec("Admin", "administration", 0.13, 35.0, 0.6, "time_tracking"),
    ActivityTypeSpec("Travel", "travel", 0.03, 90.0, 0.6, "calendar"),
    ActivityTypeSpec("Training", "training", 0.03, 75.0, 0.5, "calendar"),
    ActivityTypeSpec("Prep", "sales_preparation", 0.14, 40.0, 0.5, "time_tracking"),
)
SELLING_CATEGORIES = ("digital_communication", "personal_communication")
SELLING_TILT_RANGE = (0.8, 1.2)  # per-rep multiplier on the selling types' shares
ABSENCE_RATE = 0.05  # share of working days a rep is away (vacation, sick)
ACTIVITY_ROWS_PER_REP_DAY = 11.5  # the demo's density, used for next-day drops
# Activity-log rows also logged in Salesforce (the row carries crm_activity_id).
LOGGED_AS_TASK = {"Call": 0.40, "Email": 0.25}
LOGGED_AS_EVENT = {"Customer meeting": 0.70, "Demo": 0.70}
# Salesforce-only records per rep and working day (no activity-log row).
CRM_ONLY_CALLS_PER_DAY = 0.25  # Task, TaskSubtype Call, with a duration
CRM_ONLY_MEETINGS_PER_DAY = 0.08  # Event
TODO_TASKS_PER_DAY = 0.6  # Task, TaskSubtype Task, no duration
EVENT_WITHOUT_DURATION = 0.15  # Events with EndDateTime only
# Planted truth: with these shares the org's selling share is ~39% of minutes.
TARGET_SELLING_SHARE = 0.39
