"""Benchmark of the stock-on-hand list over HTTP against a raw-SQL page of the same rows.

Run from the project root, after bench/seed.py:

    .venv/bin/python bench/list_bench.py [--seconds 5] [--rounds 3] [--clients 4] [--database-url URL]

It starts gunicorn (2 sync workers, the app's WSGI application) on a free local port against the
seeded database, with bench/benchsite_settings.py: the app's settings plus one bench-only URL
(registered only with JXC_BENCH_VIEWS=1, which this script sets for its gunicorn) — a page that
reads the same 50 rows as the stock-on-hand page with one raw SQL statement and writes them as a
bare HTML table, behind the same middleware and login. A small load generator (Python threads,
one HTTP/1.1 connection per request — gunicorn's sync workers close it after each response) logs
in once as the bench superuser and requests a page with that session cookie from --clients
threads for --seconds (requests in flight at the end are waited for and counted); each page is
measured in turn, the order rotating between rounds; medians of requests per second.

Pages: the stock-on-hand list (inventory:stock_on_hand) first page and a deep page (90 % of the
way through the rows), and the raw page at the same two places. The list pages by keyset
(?after=<cursor>: the sort key of the last row shown); the deep page is "page N" as before — the
rows after row (N − 1) × 50, whose cursor is computed once in SQL here (walking there by Next
would take thousands of requests) — and the raw page reads the same rows by the same keyset. Targets (issue 8): the
list ≥ 0.6× the raw page's requests/s; a deep page ≥ 0.9× the first page. A missed target prints
MISSED (exit 0). It exits 1 when the two pages do not show the same items in the same order, or
a request fails.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import psycopg
from benchdb import BENCH_PASSWORD, BENCH_USER, DEFAULT_URL, ROOT, median, pg_version, seed_facts

TARGET_RAW, TARGET_DEEP = 0.6, 0.9
APP_PATH, RAW_PATH = "/inventory/stock/", "/__bench__/raw-stock/"
PAGE_SIZE = 50
SKU = re.compile(rb"SKU\d{7}")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=5.0, help="seconds per page per round (default 5)")
    p.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    p.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--deep", type=float, default=0.9, help="where the deep page is, 0..1 (default 0.9)")
    p.add_argument(
        "--conn-max-age",
        default="60",
        help="CONN_MAX_AGE for the app (default 60: persistent connections, as a deployment should)",
    )
    p.add_argument("--database-url", default=None, help=f"the seeded database (default {DEFAULT_URL})")
    return p.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        conn.close()
        return resp.status, data, dict(resp.getheaders())

    def login(self) -> None:
        status, page, _h = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"login page: HTTP {status}")
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": BENCH_USER,
            "password": BENCH_PASSWORD,
        }
        status, _b, headers = self.request("POST", "/accounts/login/", urlencode(form))
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"log-in failed: HTTP {status}")


# the sort key of the list's row number %s (0-based) in the list's order, as the list's cursor
KEY_OF_ROW = """
SELECT i.sku, w.code, l.path, bt.batch_no, b.id
  FROM inventory_stockbalance b
  JOIN inventory_item i ON i.id = b.item_id
  JOIN inventory_warehouse w ON w.id = b.warehouse_id
  JOIN inventory_location l ON l.id = b.location_id
  LEFT JOIN inventory_batch bt ON bt.id = b.batch_id
 WHERE NOT (b.on_hand = 0 AND b.reserved = 0)
 ORDER BY i.sku, w.code, l.path, bt.batch_no, b.id
 LIMIT 1 OFFSET %s
"""


def cursor_of(key: tuple) -> str:
    """The list's ?after= value (inventory/views_stock.py _encode_key): base64 of a JSON list."""
    return base64.urlsafe_b64encode(json.dumps(list(key), ensure_ascii=False).encode()).decode().rstrip("=")


def start_gunicorn(args, url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "benchsite_settings",
        "JXC_BENCH_VIEWS": "1",
        "DEBUG": "false",
        "CONN_MAX_AGE": str(args.conn_max_age),
    }
    cmd = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(ROOT / "bench"),
        "--timeout",
        "300",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if Client(port).request("GET", "/accounts/login/")[0] == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited")
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def load(client: Client, path: str, seconds: float, clients: int) -> tuple[float, list[str]]:
    """`clients` threads request `path` again and again, starting new requests for `seconds`;
    requests per second = completed requests / time until the last one completed (a request in
    flight at the deadline is waited for and counted, so slow pages are not under-counted)."""
    done = [0] * clients
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        start.wait()
        while time.perf_counter() < deadline[0]:
            try:
                status, _body, _h = client.request("GET", path)
            except OSError as exc:
                errors.append(repr(exc))
                continue
            if status != 200:
                errors.append(f"HTTP {status}")
            else:
                done[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - t0), errors


def main() -> int:
    args = parse_args()
    url = args.database_url or DEFAULT_URL
    facts = seed_facts(url)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM inventory_stockbalance WHERE NOT (on_hand = 0 AND reserved = 0)"
        ).fetchone()[0]
        deep_page = max(2, int(rows * args.deep) // PAGE_SIZE)
        after = cursor_of(conn.execute(KEY_OF_ROW, [(deep_page - 1) * PAGE_SIZE - 1]).fetchone())
    pages = {
        "list, first page": APP_PATH,
        "raw, first page": RAW_PATH,
        f"list, page {deep_page}": f"{APP_PATH}?after={after}",
        f"raw, page {deep_page}": f"{RAW_PATH}?after={after}",
    }
    began = time.perf_counter()
    port = free_port()
    proc = start_gunicorn(args, url, port)
    try:
        client = Client(port)
        client.login()
        # the same items in the same order on both pages, at both offsets
        problems = []
        for app_path, raw_path in (
            (APP_PATH, RAW_PATH),
            (pages[f"list, page {deep_page}"], pages[f"raw, page {deep_page}"]),
            # the keyset page is the page N that OFFSET reads
            (pages[f"list, page {deep_page}"], f"{RAW_PATH}?page={deep_page}"),
        ):
            a_status, a_body, _ = client.request("GET", app_path)
            r_status, r_body, _ = client.request("GET", raw_path)
            a, r = SKU.findall(a_body), SKU.findall(r_body)
            if a_status != 200 or r_status != 200 or a != r or len(a) != PAGE_SIZE:
                problems.append(
                    f"{app_path}: HTTP {a_status}/{r_status}, {len(a)} vs {len(r)} rows, same: {a == r}"
                )
            size = (len(a_body), len(r_body))
        print(
            f"JXC stock list benchmark — {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
            f"{os.cpu_count()} cores, PostgreSQL {pg_version(url)}; data set: {int(facts['items']):,} items, "
            f"{rows:,} balances with stock ({rows // PAGE_SIZE + 1:,} pages); gunicorn {args.workers} sync "
            f"workers, {args.clients} client threads, CONN_MAX_AGE={args.conn_max_age}; {args.rounds} rounds × "
            f"{args.seconds:g} s per page; page sizes {size[0]:,} / {size[1]:,} bytes (list / raw, deep page)"
        )
        for path in pages.values():  # warm-up
            load(client, path, min(1.0, args.seconds), args.clients)
        rates: dict[str, list[float]] = {name: [] for name in pages}
        errors: list[str] = []
        names = list(pages)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            line = []
            for name in order:
                rate, errs = load(client, pages[name], args.seconds, args.clients)
                rates[name].append(rate)
                errors += errs
                line.append(f"{name} {rate:6.1f}")
            print(f"  round {r + 1} (req/s): " + ", ".join(line))
    finally:
        stop_gunicorn(proc)

    m = {name: median(v) for name, v in rates.items()}
    app1, raw1 = m["list, first page"], m["raw, first page"]
    appd, rawd = m[f"list, page {deep_page}"], m[f"raw, page {deep_page}"]
    correct = not problems and not errors
    for p in problems:
        print(f"DIFFERENT ROWS: {p}")
    if errors:
        print(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    results = [
        ("list / raw, first page", app1, raw1, TARGET_RAW),
        (f"list / raw, page {deep_page}", appd, rawd, TARGET_RAW),
        (f"list page {deep_page} / first page", appd, app1, TARGET_DEEP),
        (f"raw page {deep_page} / first page", rawd, raw1, None),
    ]
    missed = any(t is not None and a / b < t for _n, a, b, t in results)
    print(
        f"\nmedians of {args.rounds} rounds; same rows on both pages: {'yes' if not problems else 'NO'}; "
        f"failed requests: {len(errors)}; targets {'all met' if not missed else 'MISSED (see below)'}; "
        f"total {time.perf_counter() - began:.0f} s"
    )
    print(f"\n{'comparison (req/s)':<32} {'':>8} {'':>8} {'ratio':>7} {'target':>7}  ok?\n" + "-" * 74)
    for name, a, b, target in results:
        ok = "—" if target is None else ("yes" if a / b >= target else "MISSED")
        tgt = "" if target is None else f"≥{target:.2f}×"
        print(f"{name:<32} {a:>8.1f} {b:>8.1f} {a / b:>6.2f}× {tgt:>7}  {ok}")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
