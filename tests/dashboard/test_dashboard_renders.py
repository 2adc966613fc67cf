"""The KPI dashboard (`make dashboard`) on the demo build's serving file.

- In headless Chromium (Debian's, driven by Playwright over the DevTools protocol), every page
  renders with data on every chart, no console error, no Streamlit exception or notice, "data
  as of" the build, and no request leaving the machine; a full-page screenshot of each page goes
  to SALES_DASHBOARD_SCREENSHOTS (default data/screenshots/dashboard/).
- The dashboard's long-lived reader shows a new build after a publish, without a restart.
- Without a serving file, it says to run `make run` first.

Chromium comes from `.ci/install-chromium` (run here too when it is missing); the browser test
is skipped only when it cannot be installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from chromium_helpers import CHROMIUM, CHROMIUM_ARGS

from orchestration import config
from orchestration.dashboard.launch import APP, streamlit_command
from orchestration.dashboard.navigation import PAGES
from orchestration.serving.publish import publish
from orchestration.serving.reader import ServingReader
from orchestration.serving.report import published_build

HOST = "127.0.0.1"
INSTALL_CHROMIUM = config.PROJECT_ROOT / ".ci" / "install-chromium"
VIEWPORT = {"width": 1440, "height": 900}
PAGE_TIMEOUT_MS = 30_000

# A page is done when its title is up, the script run is over ("Running..." gone), no element
# is stale (left from the page before) and every Plotly chart is drawn.
_PAGE_DONE_JS = """
(title) => {
    const heading = document.querySelector('[data-testid="stMain"] h1');
    if (!heading || !heading.textContent.includes(title)) return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return charts.length > 0 && charts.every((chart) => {
        const plot = chart.querySelector('.js-plotly-plot');
        return plot && plot._fullData;
    });
}
"""
# Per chart, the number of points of each trace Plotly drew.
_TRACE_LENGTHS_JS = """
() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')].map(
    (plot) => plot._fullData.map((trace) => (trace.visible === false ? 0 : trace._length || 0))
)
"""


def screenshot_dir() -> Path:
    """SALES_DASHBOARD_SCREENSHOTS (relative to the project root), default data/screenshots/dashboard."""
    return config.PROJECT_ROOT / os.environ.get("SALES_DASHBOARD_SCREENSHOTS", "data/screenshots/dashboard")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit not healthy after {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        install = subprocess.run([INSTALL_CHROMIUM], capture_output=True, text=True)
        if install.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"Chromium cannot be installed ({INSTALL_CHROMIUM}): {install.stderr.strip()[-500:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def dashboard(demo_warehouse, tmp_path_factory) -> Iterator[str]:
    """The dashboard as `make dashboard` starts it, on the serving file the demo build published;
    its URL."""
    serving = demo_warehouse.serving
    assert demo_warehouse.result.success and serving.exists(), "the demo build published no serving file"
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "streamlit.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            streamlit_command(port, HOST),
            env={**os.environ, "SALES_SERVING_PATH": str(serving)},
            cwd=log.parent,  # no .streamlit/config.toml of the current directory: the flags only
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_page(page, title: str) -> None:
    """The page is done for three polls in a row: a run that has not shown "Running..." yet
    cannot pass for a finished one."""
    for _ in range(3):
        page.wait_for_function(_PAGE_DONE_JS, arg=title, timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(200)


def _full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls its main area, not the document: the viewport is stretched to the
    content's height for the shot."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    page.wait_for_timeout(300)  # Plotly redraws on resize
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(VIEWPORT)


@pytest.mark.slow
def test_every_page_renders_with_data(dashboard, chromium, demo_warehouse, tmp_path):
    from playwright.sync_api import sync_playwright

    build_id, _, _ = published_build(demo_warehouse.serving)
    shots = screenshot_dir()
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
            page.on(
                "request",
                lambda request: (
                    urlsplit(request.url).hostname not in (HOST, None) and outside.append(request.url)
                ),
            )
            page.goto(dashboard)  # the first page; the others through the menu, as a user would
            for number, spec in enumerate(PAGES, start=1):
                if number > 1:
                    page.click(f'[data-testid="stSidebarNavLink"][href="{dashboard}/{spec.url_path}"]')
                _wait_for_page(page, spec.title)
                path = shots / f"{number:02d}-{spec.url_path}.png"
                _full_page_screenshot(page, path)
                print(f"screenshot: {path}")

                traces = page.evaluate(_TRACE_LENGTHS_JS)
                assert traces and all(chart and all(chart) for chart in traces), (
                    f"{spec.title}: a chart without data (points per trace: {traces})"
                )
                assert page.locator('[data-testid="stException"]').count() == 0, f"{spec.title}: exception"
                notices = page.locator('[data-testid="stAlert"]').all_inner_texts()
                assert not notices, f"{spec.title}: {notices}"
                as_of = page.get_by_text("Data as of").inner_text()
                assert f"build {build_id} " in as_of, as_of
        finally:
            browser.close()
    assert not errors, f"console errors: {errors}"
    assert not outside, f"requests off the machine: {outside}"


@pytest.mark.slow
def test_the_running_dashboard_shows_a_new_build_without_restart(demo_warehouse, tmp_path, monkeypatch):
    """The app twice in one process (a user's two interactions): between them a new build is
    published, and the same cached reader serves it."""
    from streamlit.testing.v1 import AppTest

    serving = tmp_path / "warehouse.duckdb"
    publish(demo_warehouse.database, serving, "dashboard-build-1", parquet=False)
    monkeypatch.setenv("SALES_SERVING_PATH", str(serving))
    readers: list[ServingReader] = []
    original_init = ServingReader.__init__

    def counting_init(self, path):
        original_init(self, path)
        readers.append(self)

    monkeypatch.setattr(ServingReader, "__init__", counting_init)

    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    assert any("build dashboard-build-1 " in caption.value for caption in app.caption)

    publish(demo_warehouse.database, serving, "dashboard-build-2", parquet=False)
    app.run()
    assert not app.exception, app.exception
    assert any("build dashboard-build-2 " in caption.value for caption in app.caption)
    assert len(app.get("plotly_chart")) == 2  # the first page's charts, on the new build
    assert len(readers) == 1 and readers[0].reopened == 1  # one reader, reopened on the new file


def test_without_a_serving_file_it_says_to_run_make_run(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SALES_SERVING_PATH", str(tmp_path / "missing.duckdb"))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.run()
    assert not app.exception, app.exception
    assert [error.value for error in app.error] == [
        f"No serving file at `{tmp_path / 'missing.duckdb'}`: run `make run` first (it builds the "
        "warehouse and publishes the KPI marts), then reload this page."
    ]
    assert not app.get("plotly_chart")
