"""JXC runs on a closed company network: no page loads anything from the internet. Every asset
is served from static/, vendored at pinned versions with its licence."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", ".git"}
CDN_HOSTS = (
    "cdn.",
    "cdnjs",
    "jsdelivr",
    "unpkg.com",
    "googleapis.com",
    "gstatic.com",
    "bootcdn",
    "staticfile.org",
    "bootstrapcdn",
    "code.jquery.com",
    "cloudflare",
    "fontawesome",
    "baomitu",
    "bytecdntp",
    "aliyuncs.com",
)
EXTERNAL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
STATIC_TAG = re.compile(r"""\{%\s*static\s+["']([^"']+)["']\s*%\}""")


def template_files() -> list[Path]:
    found = [p for p in (ROOT / "templates").rglob("*") if p.is_file()]
    for app_templates in ROOT.glob("*/templates"):
        if app_templates.parent.name not in SKIP_DIRS:
            found += [p for p in app_templates.rglob("*") if p.is_file()]
    return sorted(found)


TEMPLATES = template_files()
IDS = [str(p.relative_to(ROOT)) for p in TEMPLATES]


def test_templates_are_found():
    assert ROOT / "templates" / "base.html" in TEMPLATES
    assert ROOT / "inventory" / "templates" / "inventory" / "item_detail.html" in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_no_template_loads_from_an_external_url(path):
    text = path.read_text(encoding="utf-8")

    assert EXTERNAL.findall(text) == [], "src/href to another host"
    assert [host for host in CDN_HOSTS if host in text.lower()] == [], "a CDN host"


def test_the_external_url_check_catches_what_it_should():
    for bad in (
        '<script src="https://cdn.jsdelivr.net/x.js">',
        "<link href='//unpkg.com/a.css'>",
        "<img src=http://example.com/a.png>",
    ):
        assert EXTERNAL.search(bad), bad
    assert not EXTERNAL.search("<a href=\"{% url 'home' %}\">") and not EXTERNAL.search('<a href="/x/">')


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_every_static_file_a_template_names_exists(path):
    missing = [
        name
        for name in STATIC_TAG.findall(path.read_text(encoding="utf-8"))
        if not (ROOT / "static" / name).is_file()
    ]

    assert missing == []


def test_the_base_page_names_its_assets_through_static():
    names = STATIC_TAG.findall((ROOT / "templates" / "base.html").read_text(encoding="utf-8"))

    assert "vendor/bootstrap/dist/css/bootstrap.min.css" in names
    assert "vendor/bootstrap/dist/js/bootstrap.bundle.min.js" in names


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/inventory/items/new/", "/admin/"])
def test_rendered_pages_load_nothing_from_another_host(url, client_for):
    # Template tags (htmx_script, crispy, admin) add their own tags: check the page as sent.
    response = client_for("administrator" if url != "/accounts/login/" else None).get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
        == []
    )
    assert [host for host in CDN_HOSTS if host in html.lower()] == []


# Vendored assets -------------------------------------------------------------------------------
VENDOR = ROOT / "static" / "vendor"


def _versions() -> dict:
    return json.loads((VENDOR / "VERSIONS.json").read_text())


def _lock() -> dict:
    return json.loads((ROOT / "package-lock.json").read_text())["packages"]


def test_vendored_versions_match_the_lockfile_and_package_json():
    declared = json.loads((ROOT / "package.json").read_text())["dependencies"]
    lock = _lock()

    vendored = _versions()

    assert set(vendored) == set(declared)
    for package, meta in vendored.items():
        locked = lock[f"node_modules/{package}"]
        assert meta["version"] == locked["version"] == declared[package], package
        assert meta["integrity"] == locked["integrity"], package
        assert meta["license"] == locked["license"], package


@pytest.mark.parametrize("package", sorted(json.loads((VENDOR / "VERSIONS.json").read_text())))
def test_each_vendored_package_carries_its_licence(package):
    found = sorted((VENDOR / package).glob("LICENSE*"))  # LICENSE, LICENSE.md …

    assert found, f"{package} has no licence file"
    licence = found[0]
    assert licence.is_file()
    assert len(licence.read_text(encoding="utf-8").strip()) > 100


def test_every_vendored_folder_is_listed_in_versions():
    folders = {p.name for p in VENDOR.iterdir() if p.is_dir()}

    assert folders == set(_versions())
