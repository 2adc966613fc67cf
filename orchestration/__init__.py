"""Dagster code location of the sales-tracking warehouse."""
