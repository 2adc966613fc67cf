"""Data Docs: GX's HTML report, rebuilt after each check run in SALES_QUALITY_DIR/data_docs.

Only this run's pages are rendered, plus the index, which lists every suite and the last
SALES_QUALITY_KEEP_RUNS validations of each (older results and their pages are removed). The
pages load their styles and scripts from the site's `static/` folder (docs_offline.py), so the
site works on a machine without internet and can be moved or archived as one folder.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from orchestration.quality.docs_offline import assets_installed, install_assets
from orchestration.quality.gx_context import DOCS_SITE


def _prune(context: EphemeralDataContext, keep: int) -> None:
    store = context.validation_results_store
    by_suite: dict[str, list[ValidationResultIdentifier]] = defaultdict(list)
    for key in store.list_keys():
        by_suite[key.expectation_suite_identifier.name].append(key)
    for keys in by_suite.values():
        keys.sort(key=lambda k: str(k.run_id.run_time), reverse=True)
        for old in keys[keep:]:
            store.remove_key(old)


def build_data_docs(
    context: EphemeralDataContext,
    run_id: RunIdentifier,
    suite_names: list[str],
    superseded: list[str],
    keep_runs: int,
    site_dir: Path,
) -> dict[str, str]:
    """Render this run's validations; suite name -> URL of its validation page.

    A suite validated twice (counts, then details because something failed) keeps only its
    detailed result."""
    store = context.validation_results_store
    keys = []
    for key in store.list_keys():
        if key.run_id.run_name != run_id.run_name or str(key.run_id.run_time) != str(run_id.run_time):
            continue
        if key.expectation_suite_identifier.name in superseded and str(key.batch_identifier).endswith(
            ".counts"
        ):
            store.remove_key(key)
            continue
        keys.append(key)
    _prune(context, keep_runs)
    suites = [ExpectationSuiteIdentifier(name=name) for name in suite_names]
    if assets_installed(site_dir):
        context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=[*keys, *suites])
    else:
        # A new site, or one whose pages name other assets (or GX's CDNs): every kept page is
        # rendered again, then the assets copied (their manifest last, once all went well).
        context.build_data_docs(site_names=[DOCS_SITE])
        install_assets(site_dir)
    urls = {}
    for key in keys:
        sites = context.get_docs_sites_urls(resource_identifier=key, site_name=DOCS_SITE)
        if sites and sites[0].get("site_url"):
            urls[key.expectation_suite_identifier.name] = sites[0]["site_url"]
    return urls
