"""The dashboard's filters as query parameters: a range of calendar quarters and a team.

Plain values, no Streamlit: the queries take them as bound parameters, and tests build them
by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The team of reps without a manager. Marts hold it as a null manager_id; a bound parameter
# cannot match null with `=`, so the queries compare coalesce(manager_id, '') with this value
# (a Salesforce User Id is never empty).
NO_MANAGER = ""
NO_MANAGER_LABEL = "No manager"


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month (`day` is a month or quarter start)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_label(quarter_start: date) -> str:
    return f"{quarter_start.year}-Q{(quarter_start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Filters:
    """Quarters `first_quarter` to `last_quarter` (their first days, both included) and one team:
    a manager_id, NO_MANAGER, or None for every team."""

    first_quarter: date
    last_quarter: date
    team: str | None = None

    @property
    def start(self) -> date:
        return self.first_quarter

    @property
    def end(self) -> date:
        """The day after the period (exclusive bound)."""
        return add_months(self.last_quarter, 3)

    def period(self) -> dict[str, date]:
        return {"start": self.start, "end": self.end}

    def period_and_team(self) -> dict[str, date | str | None]:
        return {**self.period(), "team": self.team}

    def label(self) -> str:
        first, last = quarter_label(self.first_quarter), quarter_label(self.last_quarter)
        return first if first == last else f"{first} to {last}"
