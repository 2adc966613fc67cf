"""Debian's Chromium as the page tests drive it (the dashboard, the offline Data Docs)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing of Chromium's own traffic (updates, sync, field trials) on the wire, so
# every request seen is the page's.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
