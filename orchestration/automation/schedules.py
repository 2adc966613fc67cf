"""The daily schedule: the `daily` job once a day, at a cron and in a time zone taken from the
environment (`SALES_DAILY_CRON`, default 06:00; `SALES_SCHEDULE_TIMEZONE`, default UTC)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

DAILY_SCHEDULE_NAME = "daily_schedule"
CRON_ENV = "SALES_DAILY_CRON"
TIMEZONE_ENV = "SALES_SCHEDULE_TIMEZONE"
DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"


def daily_cron() -> str:
    return os.environ.get(CRON_ENV, "").strip() or DEFAULT_CRON


def schedule_timezone() -> str:
    return os.environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE


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

    try:
        return dg.schedule(
            name=DAILY_SCHEDULE_NAME,
            job=job,
            cron_schedule=cron,
            execution_timezone=timezone,
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"The daily job at `{cron}` ({timezone}): new landing files in, KPIs rebuilt.",
        )(daily_schedule)
    except dg.DagsterInvalidDefinitionError as exc:
        raise ValueError(
            f"{CRON_ENV}={cron!r} / {TIMEZONE_ENV}={timezone!r}: need a 5-field cron expression "
            f"(e.g. {DEFAULT_CRON!r}) and an IANA time zone (e.g. 'Europe/Paris'): {exc}"
        ) from exc
