"""The app's URLs, plus the raw-SQL stock page when JXC_BENCH_VIEWS=1 (bench/list_bench.py)."""

import os

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

urlpatterns = list(app_urlpatterns)

if os.environ.get("JXC_BENCH_VIEWS") == "1":
    from benchsite_views import raw_stock_view

    urlpatterns.append(path("__bench__/raw-stock/", raw_stock_view, name="bench_raw_stock"))
