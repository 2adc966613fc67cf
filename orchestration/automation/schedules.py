"""The daily schedule: the `daily` job once a day, at a cron and in a time zone taken from the
environment (`SALES_DAILY_CRON`, default 06:00; `SALES_SCHEDULE_TIMEZONE`, default UTC; read and
checked in `orchestration/config.py`)."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from orchestration.config import daily_cron, schedule_timezone

DAILY_SCHEDULE_NAME = "daily_schedule"


def build_daily_schedule(job: dg.UnresolvedAssetJobDefinition, run_config: Mapping) -> dg.ScheduleDefinition:
    cron, timezone = daily_cron(), schedule_timezone()

    def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        scheduled = context.scheduled_execution_time
        day = scheduled.date().isoformat() if scheduled else "manual"
        return dg.RunRequest(
            run_key=f"daily-{day}",
            run_config=dict(run_config),
            tags={"sales/trigger": DAILY_SCHEDULE_NAME, "sales/scheduled_date": day},
        )

    return dg.schedule(
        name=DAILY_SCHEDULE_NAME,
        job=job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"The daily job at `{cron}` ({timezone}): new landing files in, KPIs rebuilt.",
    )(daily_schedule)
