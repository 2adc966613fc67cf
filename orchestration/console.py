"""What a CLI run (`make run`, `make daily`) shows on the console, and the log file that keeps
everything.

- The log file, one per run: `<warehouse stem>.logs/<run id>.log` beside the warehouse
  (`data/warehouse.logs/` by default, like the Data Docs in `<warehouse stem>.quality`); every
  Dagster event (DEBUG and up), every line dbt prints, and the pool-wait lines. The newest
  `KEEP_LOGS` files are kept; older ones are deleted when a run starts. No ANSI colour codes.
- The console, by default: one line per step (its key count and seconds). In a terminal (stdout
  is a tty) each step shows as one updating progress line (tqdm) until it finishes; otherwise
  plain lines only, plus a `running` line every `HEARTBEAT_SECONDS` for a long step. Warnings
  and errors of the run (a file not loaded, a lock retry, a failed step) go to stderr as
  `warning: <step>: <message>`.
- With `-v` (`verbose`): the full stream on the console as before (Dagster's console logger at
  INFO on stderr, dbt's lines on stdout), and the same log file.

How: a Dagster logger (`LoggerDefinition`, added to the job with `with_logger_defs`) receives
every event and log message of the run, as Python log records carrying the `DagsterEvent`; one
handler writes them to the file, another drives the console. dagster-dbt writes dbt's lines to
`sys.stdout`, which is swapped for `RunStdout` during the run (to the file; also to the console
with `-v`). The console itself writes to duplicates of the process's stdout and stderr, taken
before Dagster's log capture redirects them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

LOG_DIR_SUFFIX = ".logs"
KEEP_LOGS = 30
HEARTBEAT_SECONDS = 30.0
LABEL_WIDTH = 46
RUN_LOGGER = "run_log"  # name of the Dagster logger the CLI adds to its job

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# As Dagster's console logger formats a record.
_RECORD_FORMAT = "%(asctime)s - dagster - %(levelname)s - %(message)s"
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
# The loader's line per file (orchestration/ingestion/loader.py): only the live count of a
# terminal's progress line depends on it; the finished line reads the step's metadata.
_FILE_LINE = re.compile(
    r": (?P<status>loaded|skipped|rejected|quarantined|unreadable|failed), (?P<read>\d+) read, "
    r"(?P<loaded>\d+) loaded"
)
# What Dagster's executor logs (ERROR) for a step it does not run because a step before failed:
# shown as that step's line, not as an error (the failed step is reported).
_NOT_RUN = "Dependencies for step "
_STEP_LABELS = {"dbt_warehouse_models": "dbt build", "serving__warehouse": "publish serving file"}
# Dagster warns, on its own Python logger, once per blocking check without a result that the step
# after it goes on ungated. A daily run leaves out the checks of the tables it did not rebuild by
# design (30 such lines at 20M): the log file keeps each, the console gets their number at the end.
_UNGATED_LOGGER = "dagster._core.execution.plan.active"
_UNGATED = "emitted no result"


def run_log_dir(warehouse: Path) -> Path:
    """`<warehouse stem>.logs` beside the warehouse file."""
    return warehouse.parent / f"{warehouse.stem}{LOG_DIR_SUFFIX}"


def run_log_path(warehouse: Path, run_id: str) -> Path:
    return run_log_dir(warehouse) / f"{run_id}.log"


def strip_ansi(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


def step_label(step_key: str) -> str:
    """`raw/salesforce_user`, `dbt build`, `quality checks (raw)`: what the console calls a step."""
    if step_key in _STEP_LABELS:
        return _STEP_LABELS[step_key]
    if step_key.startswith("quality_"):
        return f"quality checks ({step_key.removeprefix('quality_')})"
    return step_key.replace("__", "/")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in (text or "").splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


# --- The log file ---------------------------------------------------------------------------


class RunLogFile:
    """Lines appended to the run's log file (thread-safe, colour codes removed)."""

    def __init__(self, path: Path, keep: int = KEEP_LOGS) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        _prune(path.parent, keep - 1)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.write(strip_ansi(text).rstrip("\n") + "\n")
                self._file.flush()

    def line(self, source: str, text: str) -> None:
        stamp = datetime.now(UTC).astimezone().strftime(_DATE_FORMAT)
        self.write("\n".join(f"{stamp} - {source} - {line}" for line in text.splitlines() or [""]))

    def close(self) -> None:
        with self._lock:
            self._file.close()


def _prune(directory: Path, keep: int) -> None:
    """Delete all but the newest `keep` logs of `directory`."""
    logs = sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[max(keep, 0) :]:
        with contextlib.suppress(OSError):
            old.unlink()


class RunStdout(io.TextIOBase):
    """`sys.stdout` during the run: what is printed there (dbt's lines, through dagster-dbt) goes
    to the log file, and to `echo` (the console) with -v. No `fileno`, so Dagster's capture of
    the process's stdout leaves it alone."""

    def __init__(self, log: RunLogFile | None, echo: IO[str] | None) -> None:
        super().__init__()
        self._log, self._echo, self._pending = log, echo, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._echo is not None:
            self._echo.write(text)
            self._echo.flush()
        *lines, self._pending = (self._pending + text).split("\n")
        if self._log is not None:
            for line in lines:
                self._log.line("stdout", line)
        return len(text)

    def flush(self) -> None:
        if self._echo is not None:
            self._echo.flush()

    def close_pending(self) -> None:
        if self._pending and self._log is not None:
            self._log.line("stdout", self._pending)
        self._pending = ""


class _FileHandler(logging.Handler):
    """Every record of the run, formatted as Dagster's console logger formats it."""

    def __init__(self, log: RunLogFile) -> None:
        super().__init__(logging.DEBUG)
        self.log = log
        self.setFormatter(logging.Formatter(_RECORD_FORMAT, _DATE_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.log.write(self.format(record))
        except Exception:
            self.handleError(record)


# --- What each step did ---------------------------------------------------------------------


@dataclass
class StepState:
    """One step of the run, as its events tell it."""

    key: str
    started: float
    ended: float | None = None
    planned: int = 0  # assets and checks the step is planned to produce
    done: int = 0  # of those, produced so far
    files: int = 0  # files dealt with so far (the loader's lines)
    rows: int = 0
    materializations: list[dict[str, Any]] = field(default_factory=list)  # metadata values
    checks_passed: int = 0
    checks_warned: int = 0  # failed checks of severity WARN
    checks_failed: int = 0  # failed checks of severity ERROR
    failure: str | None = None
    skipped: bool = False
    retries: int = 0

    @property
    def label(self) -> str:
        return step_label(self.key)

    def seconds(self, now: float | None = None) -> float:
        return (self.ended or now or time.time()) - self.started

    def detail(self) -> str:
        """The step's key counts, one line."""
        if self.skipped:
            return "not run: a step it depends on failed"
        parts = []
        ingestion = [m for m in self.materializations if "files_new" in m]
        published = [m for m in self.materializations if "publish_seconds" in m]
        built = len(self.materializations) - len(ingestion) - len(published)
        if ingestion:
            parts.append(_ingestion_detail(ingestion))
        if published:
            tables = sum(_count(m, "tables") for m in published)
            rows = sum(_count(m, "rows") for m in published)
            parts.append(f"published {_plural(tables, 'table')}, {_plural(rows, 'row')}")
        if built:
            parts.append(f"{_plural(built, 'asset')} materialized")
        checks = self.checks_passed + self.checks_warned + self.checks_failed
        if checks:
            text = f"{_plural(self.checks_passed, 'check')} passed"
            if self.checks_warned:
                text += f", {self.checks_warned:,} warned"
            if self.checks_failed:
                text += f", {self.checks_failed:,} failed"
            parts.append(text)
        if self.retries:
            parts.append(f"after {self.retries} {'retry' if self.retries == 1 else 'retries'}")
        if self.failure is not None:
            parts.append(f"FAILED: {_first_line(self.failure)}")
        return "; ".join(parts) or "done"

    def progress(self) -> str:
        """How far a running step is, for a heartbeat line."""
        if self.files:
            return f"running: {_plural(self.files, 'file')} so far, {_plural(self.rows, 'row')} loaded"
        if self.counted:
            return f"running: {self.done:,}/{self.planned:,} assets and checks done"
        return "running"

    @property
    def counted(self) -> bool:
        """Whether progress is best shown as assets and checks done out of planned (dbt, the
        quality checks), not files (ingestion) or time (one asset)."""
        return self.planned > 1

    def line(self, now: float | None = None, detail: str | None = None) -> str:
        seconds = "      -  " if self.skipped else f"{self.seconds(now):>7.1f} s"
        return f"  {self.label:<{LABEL_WIDTH}}{seconds}  {detail or self.detail()}"


def _count(metadata: dict[str, Any], key: str) -> int:
    try:
        return int(metadata.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _ingestion_detail(metadata: list[dict[str, Any]]) -> str:
    new = sum(_count(m, "files_new") for m in metadata)
    loaded = sum(_count(m, "files_loaded") for m in metadata)
    rows = sum(_count(m, "rows_loaded") for m in metadata)
    rejected = sum(_count(m, "rows_rejected") for m in metadata)
    before = sum(_count(m, "files_already_loaded") for m in metadata)
    if new == 0:
        text = "no new file"
    else:
        text = f"{_plural(new, 'new file')}: {loaded:,} loaded, {_plural(rows, 'row')}"
        if rejected:
            text += f", {rejected:,} rejected"
        if new > loaded:
            text += f"; {new - loaded:,} not loaded"
    if before:
        text += f" ({before:,} loaded before)"
    return text


def _metadata_values(event: Any) -> dict[str, Any]:
    materialization = event.event_specific_data.materialization
    return {key: getattr(value, "value", value) for key, value in materialization.metadata.items()}


# --- The console ----------------------------------------------------------------------------


class _Display:
    """Plain lines: one per finished step, a heartbeat for a long one."""

    def __init__(self, out: IO[str], heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.out = out
        self.heartbeat = heartbeat
        self._last_beat: dict[str, float] = {}

    def started(self, step: StepState) -> None:
        self._last_beat[step.key] = time.time()

    def advanced(self, step: StepState) -> None:
        pass

    def tick(self, step: StepState, now: float) -> None:
        if now - self._last_beat.get(step.key, step.started) >= self.heartbeat:
            self._last_beat[step.key] = now
            self.write(step.line(now, step.progress()))

    def finished(self, step: StepState) -> None:
        self.write(step.line())

    def write(self, line: str, stream: IO[str] | None = None) -> None:
        stream = stream or self.out
        stream.write(line + "\n")
        stream.flush()

    def close(self) -> None:
        pass


class _BarDisplay(_Display):
    """In a terminal: one updating progress line (tqdm) per running step, replaced by its
    finished line."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self._bars: dict[str, Any] = {}

    def started(self, step: StepState) -> None:
        from tqdm import tqdm

        self.close()
        desc = f"  {step.label:<{LABEL_WIDTH}}"
        if step.counted:
            bar = tqdm(
                total=step.planned,
                desc=desc,
                file=self.out,
                leave=False,
                dynamic_ncols=True,
                bar_format="{desc}{elapsed:>9}  {bar:30} {n_fmt}/{total_fmt} assets and checks",
            )
        else:
            bar = tqdm(
                desc=desc,
                file=self.out,
                leave=False,
                dynamic_ncols=True,
                bar_format="{desc}{elapsed:>9}  {postfix}",
            )
            bar.set_postfix_str("running", refresh=True)
        self._bars[step.key] = bar

    def advanced(self, step: StepState) -> None:
        bar = self._bars.get(step.key)
        if bar is None:
            return
        if step.counted:
            bar.update(min(step.done, step.planned) - bar.n)  # redrawn at most every 0.1 s
        elif step.files:
            bar.set_postfix_str(f"{_plural(step.files, 'file')}, {_plural(step.rows, 'row')} loaded")

    def tick(self, step: StepState, now: float) -> None:
        bar = self._bars.get(step.key)
        if bar is not None:
            bar.refresh()

    def finished(self, step: StepState) -> None:
        bar = self._bars.pop(step.key, None)
        if bar is not None:
            bar.close()
        self.write(step.line())

    def write(self, line: str, stream: IO[str] | None = None) -> None:
        bars = list(self._bars.values())
        for bar in bars:
            bar.clear()
        super().write(line, stream)
        for bar in bars:
            bar.refresh()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


class ConsoleHandler(logging.Handler):
    """Turns the run's records into the console: step lines, warnings and errors."""

    def __init__(self, display: _Display, err: IO[str], lock: threading.RLock) -> None:
        super().__init__(logging.DEBUG)
        self.display, self.err, self.lock = display, err, lock
        self.steps: dict[str, StepState] = {}
        # Assets and checks planned per step: stored when the run is created, before any logger
        # starts, so read from the instance (`planned_loader`) when the run starts.
        self.planned: dict[str, int] = {}
        self.planned_loader: Callable[[], dict[str, int]] | None = None
        self.running: StepState | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            with self.lock:
                self._handle(record)
        except Exception:
            self.handleError(record)

    def _handle(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event") or getattr(record, "dagster_event", None)
        step_key = meta.get("step_key")
        if event is None:
            message = meta.get("orig_message", "")
            if step_key and record.levelno >= logging.ERROR and message.startswith(_NOT_RUN):
                self._not_run(step_key, record.created)
                return
            if step_key and (found := _FILE_LINE.search(message)):
                step = self.steps.get(step_key)
                if step is not None:
                    step.files += 1
                    step.rows += int(found["loaded"])
                    self.display.advanced(step)
            if record.levelno >= logging.WARNING:
                self._warn(record.levelno, step_key, meta.get("orig_message", record.getMessage()))
            return
        self._event(event, record)

    def _not_run(self, step_key: str, created: float) -> None:
        if step_key not in self.steps:
            step = StepState(step_key, created, ended=created, skipped=True)
            self.steps[step_key] = step
            self.display.finished(step)

    def _event(self, event: Any, record: logging.LogRecord) -> None:
        kind, step_key = event.event_type.name, event.step_key
        if kind == "RUN_START" and self.planned_loader is not None:
            with contextlib.suppress(Exception):  # only the progress display needs it
                self.planned = self.planned_loader()
        elif kind == "STEP_START":
            step = self.steps.get(step_key)
            if step is None:  # not a restart after a retry
                step = StepState(step_key, record.created, planned=self.planned.get(step_key, 0))
                self.steps[step_key] = step
            self.running = step
            self.display.started(step)
        elif kind == "STEP_UP_FOR_RETRY" and step_key in self.steps:
            self.steps[step_key].retries += 1
        elif kind == "ASSET_MATERIALIZATION" and step_key in self.steps:
            step = self.steps[step_key]
            step.materializations.append(_metadata_values(event))
            step.done += 1
            self.display.advanced(step)
        elif kind == "ASSET_CHECK_EVALUATION" and step_key in self.steps:
            step, evaluation = self.steps[step_key], event.event_specific_data
            if evaluation.passed:
                step.checks_passed += 1
            elif evaluation.severity.value == "WARN":
                step.checks_warned += 1
            else:
                step.checks_failed += 1
            step.done += 1
            self.display.advanced(step)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step_key in self.steps:
            step = self.steps[step_key]
            step.ended = record.created
            if kind == "STEP_FAILURE":
                from orchestration.automation.reporting import step_failure_reason

                step.failure = step_failure_reason(event)
            self.running = None if self.running is step else self.running
            self.display.finished(step)
        elif kind == "STEP_SKIPPED" and step_key:
            self._not_run(step_key, record.created)
        elif record.levelno >= logging.WARNING and kind not in ("STEP_FAILURE", "RUN_FAILURE"):
            message = (getattr(record, "dagster_meta", None) or {}).get("orig_message") or kind
            self._warn(record.levelno, step_key, message)

    def _warn(self, level: int, step_key: str | None, message: str) -> None:
        prefix = "error" if level >= logging.ERROR else "warning"
        where = f"{step_label(step_key)}: " if step_key else ""
        lines = [line for line in strip_ansi(message).splitlines() if line.strip()][:5]
        self.display.write(f"{prefix}: {where}" + "\n    ".join(lines), self.err)

    def tick(self, now: float) -> None:
        with self.lock:
            if self.running is not None and self.running.ended is None:
                self.display.tick(self.running, now)


def planned_per_step(instance: Any, run_id: str) -> dict[str, int]:
    """Assets and checks each step of the run is planned to produce (its stored events)."""
    import dagster as dg

    kinds = {
        dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
    }
    counts: dict[str, int] = {}
    for entry in instance.all_logs(run_id, of_type=kinds):
        if entry.step_key:
            counts[entry.step_key] = counts.get(entry.step_key, 0) + 1
    return counts


def _console_stream(stream: IO[str]) -> IO[str]:
    """A stream on a duplicate of `stream`'s file descriptor: what is written there reaches the
    terminal or pipe at once, even while Dagster redirects the descriptor to capture the run's
    output. `stream` itself when it has no descriptor (a test's captured stream)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    stream.flush()
    return os.fdopen(os.dup(fd), "w", buffering=1, encoding=getattr(stream, "encoding", None) or "utf-8")


class RunConsole:
    """The console and log file of one CLI run: open it, run the job with `job()` and
    `run_config()` inside `capturing()`, print the summary with `print()`, close it."""

    def __init__(self, log_path: Path | None, verbose: bool = False, heartbeat: float = HEARTBEAT_SECONDS):
        self.verbose = verbose
        self.is_terminal = sys.stdout.isatty()
        self.out = _console_stream(sys.stdout)
        self.err = _console_stream(sys.stderr)
        self._lock = threading.RLock()
        self.display = (_BarDisplay if self.is_terminal else _Display)(self.out)
        self.display.heartbeat = heartbeat
        self.handler = ConsoleHandler(self.display, self.err, self._lock)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.log: RunLogFile | None = None
        self.ungated_checks = 0  # blocking checks with no result in the run (see _UNGATED)
        if log_path is not None:
            try:
                self.log = RunLogFile(log_path)
            except OSError as exc:  # the run goes on; the settings check makes this rare
                self.warn(f"no log file for this run ({log_path}: {exc.strerror or exc})")

    @property
    def log_path(self) -> Path | None:
        return self.log.path if self.log is not None else None

    def watch(self, instance: Any, run_id: str) -> None:
        """Where the progress display finds how many assets and checks each step will produce."""
        self.handler.planned_loader = lambda: planned_per_step(instance, run_id)

    # Lines of the CLI itself (pool waits, recovered runs, the summary): console and log file.
    def say(self, text: str) -> None:
        with self._lock:
            self.display.write(text)
        if self.log is not None:
            self.log.line("cli", text)

    def warn(self, text: str) -> None:
        with self._lock:
            self.display.write(f"warning: {text}", self.err)
        if self.log is not None:
            self.log.line("cli", f"warning: {text}")

    def logger(self) -> logging.Logger:
        """The Python logger behind the run's Dagster logger: file always, console unless -v."""
        logger = logging.Logger("sales_warehouse.run", logging.DEBUG)
        if self.log is not None:
            logger.addHandler(_FileHandler(self.log))
        if not self.verbose:
            logger.addHandler(self.handler)
        return logger

    def job(self, job_def: Any) -> Any:
        """`job_def` with this console's logger (and Dagster's console logger with -v)."""
        import dagster as dg
        from dagster._loggers import colored_console_logger

        logger = self.logger()
        loggers = {RUN_LOGGER: dg.LoggerDefinition(lambda _: logger, description="The CLI's run log")}
        if self.verbose:
            loggers["console"] = colored_console_logger
        return job_def.with_logger_defs(loggers)

    def run_config(self) -> dict[str, Any]:
        """The `loggers` section of the run config (Dagster starts only the loggers named there):
        the run log, and Dagster's console at INFO with -v."""
        loggers: dict[str, Any] = {RUN_LOGGER: {}}
        if self.verbose:
            loggers["console"] = {"config": {"log_level": "INFO"}}
        return {"loggers": loggers}

    @contextlib.contextmanager
    def capturing(self) -> Iterator[None]:
        """While the job runs: its stdout (dbt's lines) to the log file (and the console with -v),
        dbt without colour codes unless -v in a terminal, heartbeats for long steps."""
        stdout = RunStdout(self.log, self.out if self.verbose else None)
        colours = "DBT_USE_COLORS" not in os.environ
        if colours:
            os.environ["DBT_USE_COLORS"] = "true" if self.verbose and self.is_terminal else "false"
        self._ticker = threading.Thread(target=self._tick, name="console-heartbeat", daemon=True)
        self._ticker.start()
        ungated = logging.getLogger(_UNGATED_LOGGER)
        ungated.addFilter(self._count_ungated)
        try:
            with contextlib.redirect_stdout(stdout):
                yield
        finally:
            ungated.removeFilter(self._count_ungated)
            self._stop.set()
            self._ticker.join(timeout=5)
            stdout.close_pending()
            with self._lock:
                self.display.close()
            if colours:
                os.environ.pop("DBT_USE_COLORS", None)

    def _count_ungated(self, record: logging.LogRecord) -> bool:
        """A logging filter: Dagster's line on a blocking check with no result goes to the log file
        and is counted; any other record passes."""
        message = record.getMessage()
        if _UNGATED not in message:
            return True
        self.ungated_checks += 1
        if self.log is not None:
            self.log.line("dagster", message)
        return self.verbose

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self.handler.tick(time.time())

    def print(self, text: str = "", error: bool = False) -> None:
        """A summary line (or lines) on the console (stderr with `error`) and in the log file."""
        with self._lock:
            self.display.write(text, self.err if error else self.out)
        if self.log is not None:
            self.log.line("summary", text)

    def close(self) -> None:
        for stream, original in ((self.out, sys.stdout), (self.err, sys.stderr)):
            if stream is not original:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.log is not None:
            self.log.close()

    def __enter__(self) -> RunConsole:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_to(console: RunConsole | None) -> Callable[[str], None]:
    """A `write(line)` for reporters that print while a run executes."""
    if console is None:
        return lambda line: print(line, flush=True)
    return console.say
