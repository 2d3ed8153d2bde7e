#!/usr/bin/env python3
"""Copy the front-end files JXC serves from node_modules into static/vendor/, with licences.

Versions are pinned exactly in package.json and package-lock.json; run
`npm ci --ignore-scripts && python bin/vendor_assets.py` after changing them and commit
static/vendor/. The app never loads anything from a CDN or node_modules at run time.
"""

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
DEST = ROOT / "static" / "vendor"

# package -> files or folders (relative to the package) to copy, keeping their relative paths
FILES = {
    "bootstrap": [
        "dist/css/bootstrap.min.css",
        "dist/css/bootstrap.min.css.map",
        "dist/js/bootstrap.bundle.min.js",
        "dist/js/bootstrap.bundle.min.js.map",
        "LICENSE",
    ],
    "bootstrap-icons": ["font/bootstrap-icons.min.css", "font/fonts", "LICENSE"],
    "tom-select": ["dist/css/tom-select.bootstrap5.min.css", "dist/js/tom-select.complete.min.js", "LICENSE"],
    "chart.js": ["dist/chart.umd.min.js", "LICENSE.md"],
}


def main() -> int:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    versions = {}
    if DEST.exists():
        shutil.rmtree(DEST)
    for package, paths in FILES.items():
        meta = lock["packages"][f"node_modules/{package}"]
        installed = json.loads((NODE / package / "package.json").read_text())["version"]
        if installed != meta["version"]:
            print(f"{package}: node_modules has {installed}, lockfile {meta['version']}: run npm ci")
            return 1
        versions[package] = {
            "version": meta["version"],
            "license": meta.get("license"),
            "integrity": meta.get("integrity"),
        }
        for rel in paths:
            src, dst = NODE / package / rel, DEST / package / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    (DEST / "VERSIONS.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    print("vendored:", ", ".join(f"{p} {v['version']}" for p, v in versions.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
