"""Browser tests: Debian's Chromium driven by Playwright (its own browser download is not
reachable here), against pytest-django's live server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls happen in
# its own thread, but pytest-django's fixtures touch the ORM from here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def requests_seen(page):
    """Every URL the page requested; tests assert none left the server's origin."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def assert_same_origin(urls: list[str], origin: str) -> None:
    foreign = [u for u in urls if not (u.startswith(origin) or u.startswith("data:") or u.startswith("blob:"))]
    assert foreign == [], f"requests left {origin}: {foreign}"
