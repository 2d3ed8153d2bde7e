"""Browser tests: Debian's Chromium driven by Playwright (its own browser download is not
reachable here), against pytest-django's live server."""

import shutil

import pytest
from playwright.sync_api import expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# A page that posts a form waits for the server's answer: 5 s (Playwright's default for expect)
# is short on a loaded 2-core machine running two test workers beside the live server.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread, and pytest-django's fixtures touch
    # the ORM from it; only sessions that run browser tests relax Django's async-safety check.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def requests_seen(page):
    """Every URL the page requested; tests assert none left the server's origin."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def assert_same_origin(urls: list[str], origin: str) -> None:
    foreign = [
        u for u in urls if not (u.startswith(origin) or u.startswith("data:") or u.startswith("blob:"))
    ]
    assert foreign == [], f"requests left {origin}: {foreign}"
