"""The same dbt models on other engines than DuckDB (docs/engines.md): which dbt target runs
(`targets`), handing the raw tables over from the DuckDB load (`handoff`), and a throwaway local
PostgreSQL server for tests and benchmarks (`local_postgres`)."""
