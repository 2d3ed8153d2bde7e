"""URLs of purchasing/views_performance.py (included by purchasing/urls.py)."""

urlpatterns: list = []
