#!/usr/bin/env python3
"""Stop at once, with the command that fixes it, when PostgreSQL or Redis is not reachable."""

import os
import socket
import sys
from urllib.parse import urlparse


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def main() -> int:
    db = urlparse(os.environ["DATABASE_URL"])
    broker = urlparse(os.environ["CELERY_BROKER_URL"])
    problems = []
    if db.scheme not in ("postgres", "postgresql", "pgsql"):
        problems.append(f"DATABASE_URL must point at PostgreSQL for the tests, not {db.scheme}.")
    elif not reachable(db.hostname or "127.0.0.1", db.port or 5432):
        problems.append(
            f"PostgreSQL is not reachable at {db.hostname}:{db.port or 5432}. Start it with:\n"
            "    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "  or set DATABASE_URL=postgres://USER@HOST:PORT/DBNAME"
        )
    if broker.scheme != "redis":
        problems.append(f"CELERY_BROKER_URL must point at Redis for the tests, not {broker.scheme}.")
    elif not reachable(broker.hostname or "127.0.0.1", broker.port or 6379):
        problems.append(
            f"Redis is not reachable at {broker.hostname}:{broker.port or 6379}. Start it with:\n"
            '    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
            "  or set CELERY_BROKER_URL=redis://HOST:PORT/DB"
        )
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
