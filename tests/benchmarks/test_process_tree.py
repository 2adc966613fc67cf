"""The process-tree watcher on a made-up tree: a small parent whose child holds 300 MB for a
moment. The child's peak is its own, the parent's is not inflated by it, and CPU is counted."""

from __future__ import annotations

import os
import sys

from benchmarks.process_tree import run_measured

_CHILD = "x = bytearray(300 * 2**20); x[::4096] = b'1' * len(x[::4096]); import time; time.sleep(0.5)"
_PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {_CHILD!r}], check=True)"


def test_child_peak_is_its_own_and_the_parent_stays_small(tmp_path):
    measured = run_measured([sys.executable, "-c", _PARENT], dict(os.environ), tmp_path, tmp_path / "log")
    assert measured.returncode == 0, (tmp_path / "log").read_text()
    assert measured.root.peak_rss_mb < 100
    assert measured.children_peak_rss_mb >= 300
    assert measured.children[0].command.startswith("python")
    assert "bytearray" in measured.children[0].command
    assert measured.cpu_s > 0 and measured.wall_s >= 0.5
    assert max(s.children_rss_mb for s in measured.samples) >= 300  # seen while it ran
