"""`make test` stops at once, saying how to start the service, when PostgreSQL or Redis is down."""

import os
import socket
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bin" / "check_services.py"


def _closed_port() -> int:
    # Bind and release a port: nothing listens on it afterwards.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(database_url: str, broker_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url}
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)


def test_both_services_reachable_passes(settings):
    db = settings.DATABASES["default"]
    result = _run(
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/x",
        settings.CELERY_BROKER_URL,
    )
    assert result.returncode == 0, result.stderr


def test_postgres_down_stops_with_the_command_that_starts_it(settings):
    result = _run(f"postgres://postgres@127.0.0.1:{_closed_port()}/jxc", settings.CELERY_BROKER_URL)
    assert result.returncode == 1
    assert "PostgreSQL is not reachable" in result.stderr
    assert "pg_ctlcluster --skip-systemctl-redirect" in result.stderr


def test_redis_down_stops_with_the_command_that_starts_it(settings):
    db = settings.DATABASES["default"]
    result = _run(
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/x",
        f"redis://127.0.0.1:{_closed_port()}/0",
    )
    assert result.returncode == 1
    assert "Redis is not reachable" in result.stderr
    assert "redis-server --daemonize yes" in result.stderr
