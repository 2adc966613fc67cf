"""Calendar arithmetic on day numbers (days since 1970-01-01) and epoch seconds, vectorised."""

from __future__ import annotations

from datetime import date

import numpy as np

from orchestration.demo import params
from orchestration.demo.columns import SECONDS_PER_DAY, civil_from_days, day_number

AS_OF_DAY = day_number(params.AS_OF)
CUTOFF = (AS_OF_DAY + 1) * SECONDS_PER_DAY  # first second after the full extract
CRM_START_DAY = day_number(params.CRM_START)
ACTIVITY_START_DAY = day_number(params.ACTIVITY_START)
FOREVER = 10**6  # a day number far in the future ("never leaves")
DAYS_PER_MONTH = 30.44


def is_weekday(days: np.ndarray) -> np.ndarray:
    return (np.asarray(days) + 3) % 7 < 5  # day 0 was a Thursday


def local_times(
    days: np.ndarray,
    utc_offset_seconds: np.ndarray,
    rng: np.random.Generator,
    from_hour: float = 8.0,
    to_hour: float = 18.0,
) -> np.ndarray:
    """Epoch seconds at a random local working hour of each day."""
    days = np.asarray(days, dtype=np.int64)
    local = rng.uniform(from_hour * 3600, to_hour * 3600, len(days)).astype(np.int64)
    return days * SECONDS_PER_DAY + local - np.asarray(utc_offset_seconds, dtype=np.int64)


def ramp_factor(days: np.ndarray, start_days: np.ndarray) -> np.ndarray:
    """Share of a ramped rep's volume a rep handles: grows over the first months."""
    months = (np.asarray(days) - np.asarray(start_days)) / DAYS_PER_MONTH
    return np.clip((months + 0.5) / params.RAMP_MONTHS, 0.15, 1.0)


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since year 0 (year * 12 + month - 1)."""
    year, month, _ = civil_from_days(np.asarray(days))
    return year * 12 + month - 1


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers of (year, month, day); H. Hinnant's days_from_civil, vectorised."""
    month = np.asarray(month, dtype=np.int64)
    year = np.asarray(year, dtype=np.int64) - (month <= 2)
    era = np.floor_divide(year, 400)
    yoe = year - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def month_start(month_idx: np.ndarray | int) -> np.ndarray:
    """Day number of the first day of a month index (year * 12 + month - 1)."""
    year, month0 = np.divmod(np.asarray(month_idx, dtype=np.int64), 12)
    return days_from_civil(year, month0 + 1, np.ones_like(year))


def quarter_start_days(first: date, last: date) -> np.ndarray:
    """Day numbers of the quarter starts from `first` to `last` (both quarter starts)."""
    first_idx = first.year * 12 + first.month - 1
    last_idx = last.year * 12 + last.month - 1
    return month_start(np.arange(first_idx, last_idx + 1, 3))


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Same day `months` later, clamped to the month's end (as SQL interval arithmetic does)."""
    days = np.asarray(days, dtype=np.int64)
    year, month, day = civil_from_days(days)
    target = year * 12 + month - 1 + months
    first = month_start(target)
    following = month_start(target + 1)
    return np.minimum(first + day - 1, following - 1)


def price_growth(days: np.ndarray) -> np.ndarray:
    """Price level of a day relative to params.PRICE_BASE_DATE (smooth yearly growth)."""
    years = (np.asarray(days) - day_number(params.PRICE_BASE_DATE)) / 365.25
    return params.AMOUNT_GROWTH_PER_YEAR**years


def year_of(days: np.ndarray) -> np.ndarray:
    return civil_from_days(np.asarray(days))[0]
