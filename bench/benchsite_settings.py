"""Settings for bench/list_bench.py's gunicorn only: the app's settings, with a URLconf that adds
the bench's raw-SQL page when JXC_BENCH_VIEWS=1. Never used by the app itself; the extra URL is
not in config.urls, so the app's URL enumeration (tests/test_every_url.py) never sees it."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchsite_urls"
