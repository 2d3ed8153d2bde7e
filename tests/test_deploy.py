"""Deployed behind a TLS proxy: what a browser and an operator see from a real gunicorn started
with the production variables (tests/test_settings.py's, which pass `check --deploy --fail-level
WARNING`), reached as through nginx (X-Forwarded-Proto, X-Forwarded-For, the public host name).

Security headers on pages and static files, HTTP sent to HTTPS, the session and CSRF cookies'
flags, and django-axes locking a username on the client's own address rather than the proxy's.
Plus, in-process: the lock lifts by itself after the cool-off; and in Chromium: the
Content-Security-Policy breaks none of the pages it was checked against (the scan, print and
report pages with their inline handlers, htmx `js:` values and charts).

STATIC_MANIFEST stays off for the server (it needs `collectstatic`, which the Docker image runs)."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client

from .browser.conftest import _allow_orm_beside_playwright, browser_type_launch_args  # noqa: F401
from .factories import PASSWORD, UserFactory
from .test_settings import CLEARED, PRODUCTION, ROOT

HOST = "jxc.example.com"
FAILURE_LIMIT = 3  # the server's AXES_FAILURE_LIMIT
EXPECTED_CSP = settings.JXC_CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the deployment runs on PostgreSQL")


def _database_url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn on the test database with the production variables; yields its port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(PRODUCTION)
    env.update(
        {
            "DATABASE_URL": _database_url(connection.settings_dict["NAME"]),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "STATIC_MANIFEST": "false",
            "AXES_ENABLED": "true",
            "AXES_FAILURE_LIMIT": str(FAILURE_LIMIT),
            "JXC_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        }
    )
    log = tmp_path_factory.mktemp("gunicorn") / "log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1"]
            + ["--bind", f"127.0.0.1:{port}", "--access-logfile", "-"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


class Browser:
    """Requests as nginx forwards them: the public host, https (unless told), the client's address."""

    def __init__(self, port: int, client_ip: str = "203.0.113.5", forwarded_for: str = ""):
        self.port, self.cookies = port, {}
        # nginx's $proxy_add_x_forwarded_for: what the client sent, then the address nginx saw.
        self.forwarded_for = f"{forwarded_for}, {client_ip}" if forwarded_for else client_ip

    def request(self, method: str, path: str, data: dict | None = None, proto: str = "https"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": proto,
            "X-Forwarded-For": self.forwarded_for,
            "Accept-Language": "en",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode()
        response.set_cookies = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            response.set_cookies.load(header)
        self.cookies.update({name: morsel.value for name, morsel in response.set_cookies.items()})
        conn.close()
        return response

    def log_in(self, username: str, password: str):
        page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )


@pytest.fixture
def clerk(roles):
    user = UserFactory(username="clerk", roles=["warehouse_clerk"])
    # The server checks passwords with Django's default hashers, not the suite's fast MD5 one.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


# Headers ---------------------------------------------------------------------------------------
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": EXPECTED_CSP,
}


def _security_headers(response) -> dict:
    return {name: response.getheader(name) for name in SECURITY_HEADERS}


@pytest.mark.django_db(transaction=True)
def test_pages_over_https_carry_the_security_headers(server, clerk):
    browser = Browser(server)

    login_page = browser.request("GET", "/accounts/login/")
    browser.log_in("clerk", PASSWORD)
    home = browser.request("GET", "/")
    items = browser.request("GET", "/inventory/items/")

    assert (login_page.status, home.status, items.status) == (200, 200, 200)
    assert "clerk" in home.text
    for response in (login_page, home, items):
        assert _security_headers(response) == SECURITY_HEADERS
    assert "default-src 'self'" in EXPECTED_CSP
    assert "frame-ancestors 'none'" in EXPECTED_CSP


def test_static_files_are_served_with_nosniff_and_hsts(server):
    response = Browser(server).request("GET", "/static/jxc/jxc.css")

    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/css")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Strict-Transport-Security") == SECURITY_HEADERS["Strict-Transport-Security"]


def test_plain_http_is_sent_to_https_without_hsts(server):
    response = Browser(server).request("GET", "/inventory/items/?page=2", proto="http")

    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/inventory/items/?page=2"
    assert response.getheader("Strict-Transport-Security") is None  # HSTS only means something over TLS


def test_a_host_name_not_configured_is_refused(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    conn.request(
        "GET", "/accounts/login/", headers={"Host": "evil.example.net", "X-Forwarded-Proto": "https"}
    )

    assert conn.getresponse().status == 400


# Cookies ---------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_session_and_csrf_cookies_are_secure_httponly_and_same_site_lax(server, clerk):
    browser = Browser(server)

    page = browser.request("GET", "/accounts/login/")
    csrf = page.set_cookies["csrftoken"]
    logged_in = browser.log_in("clerk", PASSWORD)
    session = logged_in.set_cookies["sessionid"]

    assert logged_in.status == 302
    assert logged_in.getheader("Location") == "/"
    for cookie in (csrf, session):
        assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax"), cookie
    assert int(session["max-age"]) == settings.SESSION_COOKIE_AGE
    assert browser.request("GET", "/").status == 200


# Lock-out behind the proxy ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_lockout_behind_the_proxy_is_on_the_clients_address_not_the_proxys(server, clerk):
    attacker = Browser(server, client_ip="203.0.113.5")
    for _ in range(FAILURE_LIMIT):
        last = attacker.log_in("clerk", "wrong")

    locked = attacker.log_in("clerk", PASSWORD)
    # Forging X-Forwarded-For does not help: nginx appends the address it saw, and that one counts.
    forged = Browser(server, client_ip="203.0.113.5", forwarded_for="198.51.100.77").log_in("clerk", PASSWORD)
    colleague = Browser(server, client_ip="203.0.113.9")
    allowed = colleague.log_in("clerk", PASSWORD)

    assert 'id="locked-out"' in last.text
    assert locked.status == 429
    assert forged.status == 429
    assert allowed.status == 302
    assert colleague.request("GET", "/").status == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@pytest.mark.django_db
def test_a_locked_username_can_log_in_again_after_the_cool_off(roles, settings):
    assert settings.AXES_ENABLED, "run the suite with AXES_ENABLED=true"
    clerk = UserFactory(username="clerk", roles=["warehouse_clerk"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "clerk", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    right = {"username": "clerk", "password": PASSWORD}
    assert Client().post("/accounts/login/", right, REMOTE_ADDR="10.0.0.7").status_code == 429

    # The failures happened one cool-off (AXES_COOLOFF_HOURS) and a minute ago.
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - cool_off - timedelta(minutes=1)
    )
    client = Client()
    response = client.post("/accounts/login/", right, REMOTE_ADDR="10.0.0.7")

    assert cool_off == timedelta(minutes=15)
    assert response.status_code == 302
    assert client.get("/").context["user"] == clerk


# The Content-Security-Policy in a browser --------------------------------------------------------
# Chromium reports what a policy blocks as a `securitypolicyviolation` event; record them all.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
    e => window.__csp.push(e.effectiveDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile));
"""
CSP_PAGES = (
    "/",  # dashboard charts
    "/inventory/items/",
    "/inventory/documents/new/?kind=issue",  # scan field, htmx `hx-vals="js:…"`
    "/purchasing/reorder/",  # an inline script
    "/reports/turnover/",  # Chart.js
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_content_security_policy_blocks_nothing_the_pages_use(page, live_server, users, password):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.wait_for_url(f"{live_server.url}/")

    seen = {}
    for path in CSP_PAGES:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert response.headers["content-security-policy"] == EXPECTED_CSP
        seen[path] = page.evaluate("window.__csp")
    # An inline handler (the language switch) and htmx's evaluated values still run.
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state("networkidle")
    evaluated = page.evaluate("() => new Function('return 6 * 7')()")

    assert seen == {path: [] for path in CSP_PAGES}
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert evaluated == 42
    assert page.evaluate("window.__csp") == []
