"""Every write to inventory data. Stock is written only by `posting`; nothing else touches
moves, balances or valuations."""

from .master import category_save, location_save
from .numbering import next_number
from .posting import MoveLine, post_moves, reverse_posting

__all__ = ["MoveLine", "category_save", "location_save", "next_number", "post_moves", "reverse_posting"]
