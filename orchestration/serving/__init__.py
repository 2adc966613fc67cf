"""Serving BI: the marts published to a separate read-only file (publish.py, assets.py) and
the hardened way the project's own readers open it (reader.py)."""
