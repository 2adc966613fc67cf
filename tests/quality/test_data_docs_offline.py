"""Data Docs work offline and live beside their warehouse.

Every suite is validated on a copy of the demo warehouse with one planted defect (so a page
shows a failure with sample rows), without SALES_QUALITY_DIR: the site goes to
`<warehouse stem>.quality/data_docs/` beside the copy, over pages GX rendered with its CDN
links. Then every generated .html page is parsed: no `http://`, `https://` or `//` reference in
src, href, srcset, poster, data, style `url(...)` or `<style>` (text and links to localhost may
name a host), and every local src/href, and every index row's link, is a file of the site (the
favicon of validation pages included). The checker itself fails on GX's own pages (rendered
from the same result with GX's stock view) and on a page made to break each rule. In headless
Chromium, with every non-file request refused and counted, the index draws its table of
validations and a validation page its icons.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest
from chromium_helpers import CHROMIUM, CHROMIUM_ARGS

from orchestration.quality import docs, docs_offline
from orchestration.quality.docs_offline import check as check_vendored
from orchestration.quality.runner import run_suites
from orchestration.quality.settings import QualitySettings, default_quality_dir, quality_settings
from orchestration.quality.suites import all_suites

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# Attributes whose value the browser fetches or follows.
URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background"}
# bootstrap-table drew the index's rows of validations, each with its status icon.
_INDEX_ROWS_JS = "() => document.querySelectorAll('table tbody tr td i.fas').length > 0"
# The index's rows open their validation page from a path in the table's data (a script).
_ROW_LINK = re.compile(r"'_table_row_link_path': '([^']+)'")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)


class _References(HTMLParser):
    """Every URL a page makes the browser fetch or follow: attributes, inline styles, <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (where, url)
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                values = (
                    [part.split()[0] for part in value.split(",") if part.strip()]
                    if name == "srcset"
                    else [value]
                )
                self.urls += [(f"<{tag} {name}>", v.strip()) for v in values]
            elif name == "style":
                self.urls += [(f"<{tag} style>", url) for url in _css_urls(value)]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += [("<style>", url) for url in _css_urls(data)]


def _css_urls(css: str) -> list[str]:
    return [(m.group(2) if m.group(2) is not None else m.group(4)).strip() for m in _CSS_URL.finditer(css)]


def references(html: str) -> list[tuple[str, str]]:
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.urls


def _is_outside(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("", "file") and not url.startswith("//"):
        return False
    if parts.scheme in ("data", "mailto", "javascript", "about"):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


def outside_references(html: str) -> list[str]:
    """`where url` of every reference to a host other than this machine."""
    return [f"{where} {url}" for where, url in references(html) if _is_outside(url)]


def broken_local_references(page: Path, site: Path) -> list[str]:
    """Local references of `page` that are no file of `site` (or leave it)."""
    broken = []
    html = page.read_text(encoding="utf-8")
    links = references(html) + [("row link", path) for path in _ROW_LINK.findall(html)]
    for where, url in links:
        parts = urlsplit(url)
        if parts.scheme or url.startswith("//") or not parts.path:  # outside, data:, "#..."
            continue
        target = (page.parent / unquote(parts.path)).resolve()
        if not target.is_relative_to(site.resolve()) or not target.is_file():
            broken.append(f"{where} {url}")
    return broken


@pytest.fixture(scope="module")
def site(demo_base, tmp_path_factory) -> Path:
    """Every suite run on a copy of the demo warehouse with a negative amount in a mart, the
    quality folder left to its default (beside that copy). The site is first made as GX renders
    it (CDN links; as left by the project before), then rendered whole by a run with the
    project's views (the assets are new to the site), then a run renders only its own pages."""
    folder = tmp_path_factory.mktemp("docs_offline")
    warehouse = folder / demo_base.warehouse.name
    shutil.copy2(demo_base.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.kpi_revenue set ytd_bookings_amount = -1 "
            "where rowid = (select min(rowid) from marts.kpi_revenue)"
        )
    with pytest.MonkeyPatch.context() as env:
        env.delenv("SALES_QUALITY_DIR", raising=False)  # the session's conftest sets one
        env.setenv("SALES_WAREHOUSE_PATH", str(folder / "elsewhere" / "other.duckdb"))
        suites = all_suites()
        with pytest.MonkeyPatch.context() as stock:
            stock.setattr(docs_offline, "site_config", lambda: {})  # GX's own views,
            stock.setattr(docs, "assets_installed", lambda _site: True)  # no assets copied
            run_suites(warehouse, suites[:3])
        outcomes = run_suites(warehouse, suites)
        again = run_suites(warehouse, suites[-2:])
    assert all(o.docs_url for o in again)
    assert [o.suite.name for o in outcomes if o.error] == []
    assert any(not o.passed for o in outcomes)  # failure pages, with sample rows, are rendered too
    assert all(o.docs_url for o in outcomes)
    return warehouse.with_suffix(".quality") / "data_docs"


def _pages(site: Path) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert site / "index.html" in pages
    return pages


def test_quality_results_follow_the_warehouse(site, demo_base, monkeypatch):
    # The run above validated a copy in its own folder: its results are beside that copy, not
    # beside SALES_WAREHOUSE_PATH (another file) nor under the project's data/.
    assert site.parent.name == f"{demo_base.warehouse.stem}.quality"
    assert (site.parent / "gx_store" / "validations").is_dir()
    monkeypatch.delenv("SALES_QUALITY_DIR")
    monkeypatch.setenv("SALES_WAREHOUSE_PATH", "/srv/scale/big.duckdb")
    assert default_quality_dir() == Path("/srv/scale/big.quality")
    assert quality_settings().docs_index == Path("/srv/scale/big.quality/data_docs/index.html")
    monkeypatch.setenv("SALES_QUALITY_DIR", "/srv/reports")  # still wins when set
    assert quality_settings().quality_dir == Path("/srv/reports")


def test_data_docs_pages_reference_no_outside_host(site):
    pages = _pages(site)
    assert len(pages) > 50  # the index, a page per suite and per validation
    outside = {str(p.relative_to(site)): refs for p in pages if (refs := outside_references(p.read_text()))}
    assert outside == {}


def test_every_local_reference_is_a_file_of_the_site(site):
    broken = {
        str(p.relative_to(site)): refs for p in _pages(site) if (refs := broken_local_references(p, site))
    }
    assert broken == {}
    assert len(_ROW_LINK.findall((site / "index.html").read_text())) > 50
    validation = next(site.glob("validations/**/*.html"))
    icons = [url for where, url in references(validation.read_text()) if url.endswith("favicon.ico")]
    assert icons and all((validation.parent / icon).resolve().is_file() for icon in icons)


def test_vendored_assets_are_as_fetched():
    assert check_vendored() == []


def test_the_checker_fails_on_gx_stock_pages_and_on_each_kind_of_outside_link(site):
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    from orchestration.quality.gx_context import quality_context

    context = quality_context(QualitySettings(quality_dir=site.parent))
    key = next(
        k for k in context.validation_results_store.list_keys() if isinstance(k, ValidationResultIdentifier)
    )
    document = ValidationResultsPageRenderer().render(context.validation_results_store.get(key))
    stock = outside_references(DefaultJinjaPageView().render(document))
    hosts = {urlsplit(ref.split(" ", 2)[-1]).hostname for ref in stock}
    assert len(hosts) >= 7, hosts  # the CDNs, S3 and greatexpectations.io

    page = """<html><head>
      <link rel="stylesheet" href="https://cdn.example.com/a.css">
      <script src="//cdn.example.com/a.js"></script>
      <style>.logo { background: url('http://img.example.com/logo.png') }</style>
    </head><body style="background-image: url(https://img.example.com/bg.png)">
      <img srcset="local.png 1x, https://img.example.com/2x.png 2x">
      <a href="https://greatexpectations.io/newsletter">Subscribe</a>
      <a href="http://localhost:3000/">the Dagster UI</a> <a href="static/x.css">local</a>
      <p>plain text naming https://example.com is no reference</p>
    </body></html>"""
    assert outside_references(page) == [
        "<link href> https://cdn.example.com/a.css",
        "<script src> //cdn.example.com/a.js",
        "<style> http://img.example.com/logo.png",
        "<body style> https://img.example.com/bg.png",
        "<img srcset> https://img.example.com/2x.png",
        "<a href> https://greatexpectations.io/newsletter",
    ]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed (make browser)")
def test_index_and_pages_work_in_a_browser_without_network(site):
    from playwright.sync_api import sync_playwright

    validation = next(site.glob("validations/**/*.html"))
    refused: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def route(request_route, request):
                if request.url.startswith("file://"):
                    request_route.continue_()
                else:
                    refused.append(request.url)
                    request_route.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(site.joinpath("index.html").as_uri())
            # bootstrap-table (vendored) fills the index's table from the page's data.
            page.wait_for_function(_INDEX_ROWS_JS, timeout=30_000)
            page.goto(validation.as_uri())
            page.wait_for_load_state("load")
            # Font Awesome (vendored) draws the status icons with its web font.
            assert page.evaluate("() => document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
            assert page.evaluate(
                "() => typeof window.jQuery === 'function' && typeof vegaEmbed === 'function'"
            )
        finally:
            browser.close()
    assert refused == []
    assert errors == []
