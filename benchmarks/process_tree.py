"""Run a command and watch its process tree from outside: CPU time and resident memory of the
process and of its descendants (dbt's process under the pipeline's), every tenth of a second,
from Linux's /proc (no psutil here).

Exact at the end: wall time, the tree's CPU time (`wait4`'s rusage: the process and every
descendant it waited for) and each process's peak resident memory (`VmHWM`, the kernel's
high-water mark, read at every sample: a peak in a process's last tenth of a second can be
missed). Not `ru_maxrss`: Linux starts a child's at its parent's size at the fork. The samples
give the same per stage (`figures.cpu_between`, `figures.peaks_between`).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.figures import Sample

SAMPLE_SECONDS = 0.1
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class ProcessPeak:
    pid: int
    command: str
    peak_rss_mb: float


@dataclass
class MeasuredRun:
    argv: list[str]
    returncode: int
    started_at: float  # epoch seconds
    wall_s: float
    cpu_s: float  # the whole tree, exact (wait4)
    root: ProcessPeak
    children: list[ProcessPeak] = field(default_factory=list)  # descendants, largest first
    samples: list[Sample] = field(default_factory=list)
    log: Path | None = None

    @property
    def children_peak_rss_mb(self) -> float:
        return max((c.peak_rss_mb for c in self.children), default=0.0)


def _status_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB; zeros for a process gone or a zombie."""
    rss = hwm = 0.0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


def _cpu_s(pid: int) -> float:
    """utime + stime + cutime + cstime: the process and the children it has waited for."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / _TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as children:
            found.extend(int(p) for p in children.read().split())
    return found


def _descendants(pid: int) -> list[int]:
    pending, found = [pid], []
    while pending:
        try:
            children = _children(pending.pop())
        except OSError:
            continue
        found.extend(children)
        pending.extend(children)
    return found


def _shown(argv: list[str]) -> str:
    """A command's first words, programs without their folders: `python3.11 dbt build ...`."""
    return " ".join(Path(p).name if i < 2 else p for i, p in enumerate(argv[:4]))


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            parts = [p.decode(errors="replace") for p in cmdline.read().split(b"\0") if p]
    except OSError:
        return "?"
    return _shown(parts)


class _Watcher:
    def __init__(self, root: int) -> None:
        self.root = root
        self.samples: list[Sample] = []
        # By pid and program: a child seen between its fork and its exec still shows its
        # parent's program and memory, which must not count as the new program's.
        self.peaks: dict[tuple[int, str], ProcessPeak] = {}

    def look(self) -> None:
        at = time.time()
        cpu = root_rss = children_rss = 0.0
        for pid in [self.root, *_descendants(self.root)]:
            try:
                rss, hwm = _status_mb(pid)
                cpu += _cpu_s(pid)
            except OSError:  # gone between listing and reading: its CPU is in its parent's now
                continue
            if pid == self.root:
                root_rss = rss
            else:
                children_rss += rss
            key = (pid, _command(pid))
            known = self.peaks.get(key)
            if known is None:
                self.peaks[key] = ProcessPeak(pid, key[1], hwm)
            elif hwm > known.peak_rss_mb:
                known.peak_rss_mb = hwm
        self.samples.append(Sample(at, cpu, root_rss, children_rss))


def run_measured(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> MeasuredRun:
    """Run `argv` to its end (output to `log`), watching its process tree."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        started_at, started = time.time(), time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        watcher = _Watcher(process.pid)
        while True:
            watcher.look()
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    root_command = _shown(argv)
    root = watcher.peaks.pop((process.pid, root_command), ProcessPeak(process.pid, root_command, 0.0))
    children = [
        peak
        for (pid, command), peak in watcher.peaks.items()
        if pid != process.pid and command not in (root_command, "", "?")  # not yet exec'd, or gone
    ]
    return MeasuredRun(
        argv=argv,
        returncode=process.returncode,
        started_at=started_at,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        root=root,
        children=sorted(children, key=lambda p: -p.peak_rss_mb),
        samples=watcher.samples,
        log=log,
    )
