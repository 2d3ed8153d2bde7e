"""URL patterns of one book's screens, added to the owning app's urls (see book_urls)."""

from django.urls import path


def book_urls(book) -> list:
    """The screens of a book under its app's namespace: `{key}_*` for balances, parties and
    statements (key = payables | receivables), `payment_*` for its payments. Each view gets the
    book as the `book` keyword argument of its pattern."""
    from . import views

    k = book.key
    extra = {"book": book}
    return [
        path(f"{k}/", views.balance_list_view, extra, name=f"{k}_list"),
        path(f"{k}/export/", views.balance_export_view, extra, name=f"{k}_export"),
        path(f"{k}/<int:pk>/", views.party_detail_view, extra, name=f"{k}_detail"),
        path(f"{k}/<int:pk>/statement/", views.statement_view, extra, name=f"{k}_statement"),
        path(
            f"{k}/<int:pk>/statement/print/",
            views.statement_print_view,
            extra,
            name=f"{k}_statement_print",
        ),
        path(
            f"{k}/<int:pk>/statement/export/",
            views.statement_export_view,
            extra,
            name=f"{k}_statement_export",
        ),
        path(f"{k}/credits/<int:pk>/allocate/", views.allocate_view, extra, name=f"{k}_allocate"),
        path(f"{k}/allocations/<int:pk>/undo/", views.unallocate_view, extra, name=f"{k}_unallocate"),
        path("payments/", views.payment_list_view, extra, name="payment_list"),
        path("payments/new/", views.payment_create_view, extra, name="payment_create"),
        path("payments/<int:pk>/", views.payment_detail_view, extra, name="payment_detail"),
        path("payments/<int:pk>/reverse/", views.payment_reverse_view, extra, name="payment_reverse"),
    ]
