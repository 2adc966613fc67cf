"""Publish a build, then die with SIGKILL at a chosen point: what kill -9, an out-of-memory kill
or a reboot does to a publish. Test-only: the points are reached by wrapping the publish
module's steps in this process, not by hooks in the product's code.

    python publish_and_die.py <build.duckdb> <serving.duckdb> <build_id> <point>

Points: `copying` (the new file half written), `verifying` (written, not verified),
`replace-N` (at the N-th atomic rename: 1 the previous version kept, 2 the file switched,
3 the Parquet folder moved into place, 4 the Parquet `current` link switched).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from orchestration.serving import publish as publishing


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(point: str) -> None:
    if point == "copying":
        copy_comments = publishing._copy_comments

        def copy_then_die(con, table):  # after the first table is copied
            copy_comments(con, table)
            _die()

        publishing._copy_comments = copy_then_die
    elif point == "verifying":
        publishing.verify = lambda *args, **kwargs: _die()
    elif point.startswith("replace-"):
        wanted, calls, replace = int(point.split("-")[1]), [0], publishing._replace

        def replace_or_die(source, target):
            calls[0] += 1
            if calls[0] == wanted:
                _die()
            replace(source, target)

        publishing._replace = replace_or_die
    else:
        raise SystemExit(f"unknown point {point}")


if __name__ == "__main__":
    build, serving, build_id, point = sys.argv[1:5]
    _arm(point)
    publishing.publish(Path(build), Path(serving), build_id)
    raise SystemExit(f"publish finished without reaching {point}")
