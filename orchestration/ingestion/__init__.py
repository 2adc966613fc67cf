"""Loading the landing folder's extracts into the DuckDB `raw` schema."""
