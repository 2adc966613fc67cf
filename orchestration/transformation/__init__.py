"""dbt models as Dagster assets."""
