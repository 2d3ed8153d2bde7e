"""Run a posting's whole transaction again when PostgreSQL gives up on it.

Postings lock in a fixed order and never deadlock with each other, but a posting can still meet
another kind of transaction that takes the same rows in another order (an administrator's
script, a report holding a row lock, a future service), and a database run at REPEATABLE READ or
SERIALIZABLE aborts a transaction whose rows changed under it. PostgreSQL then rolls the
transaction back with SQLSTATE 40P01 (deadlock detected) or 40001 (serialization failure), and
the right answer is to run it again from the start: nothing of the failed attempt survives, so the
second attempt sees the database as it is now and decides afresh (it may then find the document
posted and say so).

Only the outermost transaction can be retried: a service called inside a caller's transaction
runs once and leaves the retry to that caller (its earlier work was rolled back too).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
RETRYABLE = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})
ATTEMPTS = 3  # in all; a conflict three times running is reported, not hidden

P = ParamSpec("P")
R = TypeVar("R")


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction lost a race and may run again."""
    return getattr(exc.__cause__, "sqlstate", None) in RETRYABLE


def retry_on_conflict(func: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic`, and when the transaction is the outermost one and PostgreSQL aborts
    it with a deadlock or serialization failure, run `func` again from the start (at most
    ATTEMPTS times in all, after a short random pause so the two sides do not collide again)."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or not is_conflict(exc):
                    raise
                logger.warning(
                    "%s: %s (attempt %s of %s); running the transaction again",
                    func.__qualname__,
                    str(exc).splitlines()[0],
                    attempt,
                    ATTEMPTS,
                )
                time.sleep(random.uniform(0.005, 0.05) * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    return run
