"""Data Docs that work offline: every page loads its styles, scripts, fonts and images from the
site's own `static/` folder, never from a CDN.

GX 1.24's page templates load Bootstrap, jQuery, Popper, bootstrap-table, bootstrap-datepicker,
Font Awesome, bootstrap-dark and Vega from eight outside hosts (the index's table is drawn by
bootstrap-table: without it the index is an empty shell), its logo from S3 with the context id in
the query, and put the favicon of validation pages one folder too shallow. The project ships the
same releases (`docs_assets/vendor/`, fetched from the npm registry, see below) and its own copies
of the templates that name them (`docs_assets/templates/`, otherwise GX 1.24.1's), which the views
below load before GX's; `install_assets` copies the files into each site's `static/vendor/`.

Refresh the vendored files (needs `npm` and the npm registry; then run the Data Docs tests):

    python -m orchestration.quality.docs_offline --fetch   # rewrite docs_assets/vendor/
    python -m orchestration.quality.docs_offline --check   # committed files match assets.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from great_expectations.render.view import DefaultJinjaPageView
from jinja2 import ChoiceLoader, FileSystemLoader

ASSETS_DIR = Path(__file__).with_name("docs_assets")
TEMPLATES_DIR = ASSETS_DIR / "templates"
VENDOR_DIR = ASSETS_DIR / "vendor"
MANIFEST = "assets.json"
VIEWS_MODULE = __name__


@dataclass(frozen=True)
class Package:
    """An npm package release and the files of it the pages load (package path -> vendor path)."""

    name: str
    version: str
    files: dict[str, str]
    licence_files: tuple[str, ...] = ()
    replaces: tuple[str, ...] = field(default=())  # the CDN URLs of GX's templates


# The releases GX 1.24.1's templates name; vega@5, vega-lite@5 and vega-embed@6 float on the CDN,
# so the newest of those majors when vendored.
PACKAGES = (
    Package(
        "bootstrap",
        "4.3.1",
        {
            "dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
            "dist/js/bootstrap.min.js": "bootstrap/bootstrap.min.js",
        },
        ("LICENSE",),
        (
            "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
            "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
        ),
    ),
    Package(
        "jquery",
        "3.7.1",
        {"dist/jquery.min.js": "jquery/jquery.min.js"},
        ("LICENSE.txt",),
        ("https://code.jquery.com/jquery-3.7.1.min.js",),
    ),
    Package(
        "popper.js",
        "1.12.9",  # MIT, stated in the file's header (the package has no licence file)
        {"dist/umd/popper.min.js": "popper.js/popper.min.js"},
        (),
        ("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",),
    ),
    Package(
        "bootstrap-table",
        "1.19.1",
        {
            "dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
            "dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
                "bootstrap-table/bootstrap-table-filter-control.min.css"
            ),
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
                "bootstrap-table/bootstrap-table-filter-control.min.js"
            ),
        },
        ("LICENSE",),
        (
            "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
            "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
            # GX names the 1.19.0 stylesheet of the extension beside the 1.19.1 script.
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
            "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        ),
    ),
    Package(
        "bootstrap-datepicker",
        "1.9.0",
        {
            "dist/css/bootstrap-datepicker.min.css": "bootstrap-datepicker/bootstrap-datepicker.min.css",
            "dist/js/bootstrap-datepicker.min.js": "bootstrap-datepicker/bootstrap-datepicker.min.js",
        },
        ("LICENSE",),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
        ),
    ),
    Package(
        "@forevolve/bootstrap-dark",
        "1.1.0",
        {"dist/css/bootstrap-prefers-dark.min.css": "bootstrap-dark/bootstrap-prefers-dark.min.css"},
        ("LICENSE",),
        ("https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",),
    ),
    Package(
        "@fortawesome/fontawesome-free",
        "6.6.0",
        {
            "css/all.min.css": "fontawesome/css/all.min.css",
            "webfonts/fa-brands-400.woff2": "fontawesome/webfonts/fa-brands-400.woff2",
            "webfonts/fa-regular-400.woff2": "fontawesome/webfonts/fa-regular-400.woff2",
            "webfonts/fa-solid-900.woff2": "fontawesome/webfonts/fa-solid-900.woff2",
            "webfonts/fa-v4compatibility.woff2": "fontawesome/webfonts/fa-v4compatibility.woff2",
        },
        ("LICENSE.txt",),
        ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",),
    ),
    Package(
        "vega",
        "5.33.1",  # BSD-3-Clause (package.json; the package has no licence file)
        {"build/vega.min.js": "vega/vega.min.js"},
        (),
        ("https://cdn.jsdelivr.net/npm/vega@5",),
    ),
    Package(
        "vega-lite",
        "5.23.0",
        {"build/vega-lite.min.js": "vega-lite/vega-lite.min.js"},
        ("LICENSE",),
        ("https://cdn.jsdelivr.net/npm/vega-lite@5",),
    ),
    Package(
        "vega-embed",
        "6.29.0",
        {"build/vega-embed.min.js": "vega-embed/vega-embed.min.js"},
        ("LICENSE",),
        ("https://cdn.jsdelivr.net/npm/vega-embed@6",),
    ),
)

# Font Awesome's stylesheet falls back to .ttf after .woff2; every browser GX's Bootstrap 4 pages
# run in reads woff2, so only those are shipped and the fallbacks are cut from the stylesheet.
_TTF_FALLBACK = re.compile(r',url\(\.\./webfonts/[\w.-]+\.ttf\) format\("truetype"\)')


def _static_root(document: object) -> str:
    """Relative path from a page to the site's `static/` folder. GX lays pages out by suite name,
    one folder per dot-separated part: `validations/<parts>/<run name>/<run time>/<batch>.html`,
    `expectations/<parts>.html`, `index.html`."""
    renderer_type = getattr(document, "renderer_type", None) or ""
    dots = (getattr(document, "expectation_suite_name", None) or "").count(".")
    if "ValidationResults" in renderer_type or "ProfilingResults" in renderer_type:
        depth = dots + 4
    elif "ExpectationSuite" in renderer_type:
        depth = dots + 1
    else:
        depth = 0
    return "../" * depth + "static/"


class OfflinePageView(DefaultJinjaPageView):
    """GX's page view with the project's templates first (GX's loader order puts its own package
    templates before any custom view folder, so they could not be overridden by config)."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES_DIR), self.env.loader])

    def render(self, document, template=None, **kwargs):
        return super().render(document, template, static_root=_static_root(document), **kwargs)


class OfflineIndexPageView(OfflinePageView):
    _template = "index_page.j2"


def site_config() -> dict:
    """The SiteBuilder settings that render every page with the views above."""

    def view(cls: type) -> dict:
        return {"view": {"module_name": VIEWS_MODULE, "class_name": cls.__name__}}

    return {
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", **view(OfflineIndexPageView)},
        "site_section_builders": {
            section: view(OfflinePageView) for section in ("expectations", "validations", "profiling")
        },
    }


def assets_installed(site_dir: Path) -> bool:
    """Whether `<site>/static/vendor/` holds the current vendored files (its manifest, written
    last by `install_assets`, equals the project's)."""
    installed = Path(site_dir) / "static" / "vendor" / MANIFEST
    return installed.exists() and installed.read_bytes() == (VENDOR_DIR / MANIFEST).read_bytes()


def install_assets(site_dir: Path) -> None:
    """Copy the vendored files into `<site>/static/vendor/`, the manifest last."""
    target = Path(site_dir) / "static" / "vendor"
    shutil.copytree(VENDOR_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(MANIFEST))
    shutil.copyfile(VENDOR_DIR / MANIFEST, target / MANIFEST)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(vendor_dir: Path = VENDOR_DIR) -> None:
    """Rewrite `vendor_dir` from the npm registry (`npm pack`, the machine's npm settings)."""
    with tempfile.TemporaryDirectory() as tmp:
        entries = []
        staging = Path(tmp) / "vendor"
        for package in PACKAGES:
            spec = f"{package.name}@{package.version}"
            packed = subprocess.run(
                ["npm", "pack", "--silent", "--pack-destination", tmp, spec],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            unpacked = Path(tmp) / packed.removesuffix(".tgz")
            with tarfile.open(Path(tmp) / packed) as archive:
                archive.extractall(unpacked, filter="data")
            root = unpacked / "package"
            top = Path(next(iter(package.files.values()))).parts[0]
            files = {}
            for source, dest in package.files.items():
                data = (root / source).read_bytes()
                if dest.endswith("all.min.css"):
                    data = _TTF_FALLBACK.sub("", data.decode()).encode()
                (staging / dest).parent.mkdir(parents=True, exist_ok=True)
                (staging / dest).write_bytes(data)
                files[dest] = _sha256(staging / dest)
            for licence in package.licence_files:
                dest = f"{top}/{licence}"
                shutil.copyfile(root / licence, staging / dest)
                files[dest] = _sha256(staging / dest)
            entries.append({"package": spec, "replaces": list(package.replaces), "files": files})
        (staging / MANIFEST).write_text(json.dumps(entries, indent=2) + "\n")
        shutil.rmtree(vendor_dir, ignore_errors=True)
        shutil.copytree(staging, vendor_dir)


def check(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Differences between `vendor_dir` and its manifest (empty when every file is as fetched)."""
    entries = json.loads((vendor_dir / MANIFEST).read_text())
    expected = {dest: digest for entry in entries for dest, digest in entry["files"].items()}
    present = {p.relative_to(vendor_dir).as_posix() for p in vendor_dir.rglob("*") if p.is_file()}
    problems = [f"missing: {dest}" for dest in sorted(set(expected) - present)]
    problems += [f"not in {MANIFEST}: {dest}" for dest in sorted(present - set(expected) - {MANIFEST})]
    problems += [
        f"changed: {dest}"
        for dest, digest in sorted(expected.items())
        if dest in present and _sha256(vendor_dir / dest) != digest
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--fetch", action="store_true", help="rewrite docs_assets/vendor/ from the npm registry"
    )
    action.add_argument("--check", action="store_true", help="check the vendored files against assets.json")
    args = parser.parse_args(argv)
    if args.fetch:
        fetch()
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
