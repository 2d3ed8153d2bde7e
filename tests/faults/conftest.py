"""What the fault tests share: a Redis server of their own (started on a free port, stopped and
started again at will), real Celery workers on queues of their own against it, the test database's
URL with an application name that singles out each process's connections, and e-mail written to
files every process can read.

Nothing here touches the shared Redis on 6379 or a connection it did not open: each worker's
database connections carry a unique application_name, and only those are ever looked at."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import redis
from celery import Celery
from celery.app.backends import by_url
from celery.result import AsyncResult
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 60  # seconds; a loaded machine boots Django and Celery slowly
WAIT_TIMEOUT = 30


def database_url(application_name: str) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}?application_name={application_name}"


def raw_connection(autocommit: bool = False) -> psycopg.Connection:
    """A connection of the test's own to the test database, outside Django (to hold locks)."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        dbname=db["NAME"],
        autocommit=autocommit,
        application_name="jxc-faults-test",
    )


def backends(application_name: str) -> list[tuple[int, str | None, str | None]]:
    """(pid, wait_event_type, wait_event) of the connections a process of ours opened."""
    with raw_connection(autocommit=True) as conn:
        return conn.execute(
            "SELECT pid, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [application_name],
        ).fetchall()


def wait_until(condition, what: str, timeout: float = WAIT_TIMEOUT, on_fail=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    detail = f"\n{on_fail()}" if on_fail else ""
    pytest.fail(f"timed out waiting for {what}{detail}")


def waiting_on_lock(application_name: str, event: str | None = None):
    """The pid of our process's backend while it waits on a lock (of kind `event`), else None."""
    for pid, kind, wait_event in backends(application_name):
        if kind == "Lock" and (event is None or wait_event == event):
            return pid
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """`redis-server` on a free port, nothing saved to disk; stop() and start() it at will."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def results_url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
            + ["no", "--daemonize", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: self._ping(client), "redis-server to answer", timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # an outage, not a shutdown
            self.proc.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)

    @staticmethod
    def _ping(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("the fault tests need redis-server (apt-get install -y redis-server)")
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Workers:
    """Start `celery worker` processes (solo pool) on one queue of this test's own, against the
    test's Redis and the test database; e-mail goes to files in one folder."""

    def __init__(self, server: RedisServer, tmp_path: Path):
        self.server = server
        self.queue = f"jxc-faults-{uuid.uuid4().hex[:8]}"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen] = []
        # Celery prefers CELERY_BROKER_URL and CELERY_RESULT_BACKEND from the environment (the
        # suite's shared Redis) to what an app is given, but not over broker_write_url, and a
        # backend made from its URL reads the results from this test's Redis.
        self.sender = Celery("jxc-faults-sender", set_as_current=False)  # shared tasks keep the app's
        self.sender.conf.update(
            broker_write_url=server.url,
            broker_read_url=server.url,
            task_default_queue=self.queue,
            broker_connection_retry_on_startup=True,
        )
        with self.sender.connection_for_write() as conn:  # never the shared Redis
            assert conn.as_uri().endswith(f"127.0.0.1:{server.port}/0"), conn.as_uri()
        backend_class, url = by_url(server.results_url, self.sender.loader)
        self.backend = backend_class(app=self.sender, url=url)

    def start(self, name: str, *, visibility_timeout: float | None = None) -> subprocess.Popen:
        """A worker whose database connections are named `jxc-faults-<queue>-<name>`. With a
        visibility_timeout (seconds), it takes back messages a dead worker left unacknowledged
        that long ago as soon as it starts (Redis's default: an hour)."""
        options = {}
        if visibility_timeout is not None:
            options = {"visibility_timeout": visibility_timeout, "unacked_restore_throttle": 1}
        app_name = self.application_name(name)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(app_name),
            "CELERY_BROKER_URL": self.server.url,
            "CELERY_RESULT_BACKEND": self.server.results_url,
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "JXC_FAULTS_TRANSPORT_OPTIONS": json.dumps(options),
        }
        log = (self.tmp_path / f"worker-{name}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.faults.celery_app", "worker", "--pool=solo"]
            + ["-Q", self.queue, "-n", f"{app_name}@%h", "--without-gossip", "--without-mingle"]
            + ["--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.name, proc.log_path = name, log.name
        log.close()
        self.started.append(proc)
        return proc

    def application_name(self, name: str) -> str:
        return f"jxc-faults-{self.queue[-8:]}-{name}"

    def output(self) -> str:
        return "\n".join(
            f"--- worker {proc.name} (exit {proc.poll()}):\n{Path(proc.log_path).read_text()}"
            for proc in self.started
        )

    def send(self, task: str, **kwargs) -> AsyncResult:
        sent = self.sender.send_task(task, kwargs=kwargs, queue=self.queue)
        return AsyncResult(sent.id, backend=self.backend, app=self.sender)

    def result(self, sent, timeout: float = BOOT_TIMEOUT):
        try:
            return sent.get(timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - the workers' output says why
            pytest.fail(f"no answer to {sent.id} ({exc!r}); the workers said:\n{self.output()}")

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT)  # cold shutdown: every task here has finished
        for proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.sender.close()

    # e-mail --------------------------------------------------------------------------------------
    def mails(self) -> list[email.message.EmailMessage]:
        """Every message the workers sent (Django's file backend: one file per connection,
        messages separated by a line of 79 dashes)."""
        found = []
        for path in sorted(self.mail_dir.iterdir()):
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    found.append(email.message_from_string(chunk.lstrip("\n"), policy=email.policy.default))
        return found

    def told(self) -> Counter:
        """How often each recipient was told about each alert line (the SKU and the kind's
        heading it is listed under)."""
        count: Counter = Counter()
        for message in self.mails():
            body = message.get_content()
            kind = None
            for line in body.splitlines():
                if line and not line.startswith(" "):
                    kind = line
                elif line.startswith("  - "):
                    sku = line[4:].split(" ", 1)[0]
                    for to in message["To"].split(","):
                        count[(to.strip(), sku, kind)] += 1
        return count


@pytest.fixture
def workers(redis_server, tmp_path):
    made = Workers(redis_server, tmp_path)
    try:
        yield made
    finally:
        made.stop_all()
