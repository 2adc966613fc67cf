"""Starting the dashboard: `python -m orchestration.dashboard` (what `make dashboard` runs).

The Streamlit flags live here, so `make dashboard` and the browser test start the same server:
bound to one address, headless (no browser opened, no e-mail prompt), no usage statistics, no
file watcher (a served dashboard does not reload on edits) and a viewer's menu (no Deploy or
developer options). Nothing reaches the internet: Streamlit's fonts and Plotly's library are
served by the local server, the app's favicon is drawn in the page (see app.py), and with an
explicit address Streamlit skips its lookup of the machine's external IP.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8501


def streamlit_command(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.dashboard",
        description="The KPI dashboard on the serving file (SALES_SERVING_PATH).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    command = streamlit_command(args.port, args.host)
    print(f"KPI dashboard on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    os.execv(command[0], command)  # Streamlit takes over the process: Ctrl-C reaches it directly
