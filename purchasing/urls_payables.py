"""URLs of the payables screens (settlement's views over purchasing's book)."""

from settlement.urls import book_urls

from .payables import BOOK

urlpatterns: list = book_urls(BOOK)
