"""URLs of the receivables screens (settlement's views over sales' book)."""

from settlement.urls import book_urls

from .receivables import BOOK

urlpatterns: list = book_urls(BOOK)
