"""URL patterns of one book's screens, added to the owning app's urls (see book_urls)."""


def book_urls(book) -> list:
    return []
