"""The dashboard's pages in menu order: title, URL path, icon and what renders them. The app
builds its menu from this list and the browser test visits every entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orchestration.dashboard.filters import Filters
from orchestration.dashboard.views import (
    activity_outcomes,
    bookings,
    deal_size,
    funnel,
    quota_attainment,
    selling_time,
    stage_durations,
    territories,
    win_rate,
)
from orchestration.serving.reader import ServingReader


@dataclass(frozen=True)
class PageSpec:
    title: str
    url_path: str
    icon: str
    render: Callable[[ServingReader, Filters], None]


PAGES = (
    PageSpec("Bookings vs quota", "bookings", ":material/payments:", bookings.render),
    PageSpec("Reps at quota by team", "reps-at-quota", ":material/groups:", quota_attainment.render),
    PageSpec("Deal size trend", "deal-size", ":material/trending_up:", deal_size.render),
    PageSpec("Win rate by rep", "win-rate", ":material/emoji_events:", win_rate.render),
    PageSpec("Funnel leakage", "funnel", ":material/filter_alt:", funnel.render),
    PageSpec("Stage durations", "stage-durations", ":material/hourglass_bottom:", stage_durations.render),
    PageSpec("Territory balance", "territories", ":material/map:", territories.render),
    PageSpec("Selling time and activity mix", "selling-time", ":material/schedule:", selling_time.render),
    PageSpec(
        "Activity mix vs win rate", "activity-win-rate", ":material/insights:", activity_outcomes.render
    ),
)
