"""The same dbt models on other engines than DuckDB (docs/engines.md): which dbt target runs
(`targets`), handing the raw tables over from the DuckDB load (`handoff`), bringing the published
marts back for the publish step (`fetch_marts`), comparing marts across engines (`compare`), and
a throwaway local PostgreSQL server for tests and benchmarks (`local_postgres`)."""
