"""The expectation suites, as code: raw (before dbt), staging and marts (after dbt)."""

from __future__ import annotations

from orchestration.quality.relations import models_in_layer
from orchestration.quality.spec import SuiteDef
from orchestration.quality.suites.marts import mart_suites
from orchestration.quality.suites.raw import raw_suites
from orchestration.quality.suites.staging import staging_suites


def all_suites() -> list[SuiteDef]:
    """Every suite, for the models the dbt manifest has."""
    return [
        *raw_suites(),
        *staging_suites(set(models_in_layer("staging"))),
        *mart_suites(models_in_layer("marts")),
    ]
