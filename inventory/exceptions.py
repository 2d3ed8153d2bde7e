class DomainError(Exception):
    """A business rule refused the operation; `message` is translated and names what is wrong."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InventoryError(DomainError):
    pass


class AlreadyPosted(InventoryError):
    pass


class InsufficientStock(InventoryError):
    """Not enough available stock. `shortages` names item, location, batch, wanted and available."""

    def __init__(self, shortages):
        from django.utils.translation import gettext as _

        self.shortages = shortages
        parts = []
        for s in shortages:
            if s.batch is not None:
                text = _(
                    "%(item)s at %(location)s, batch %(batch)s: wanted %(wanted)s, available %(available)s"
                )
            else:
                text = _("%(item)s at %(location)s: wanted %(wanted)s, available %(available)s")
            parts.append(
                text
                % {
                    "item": s.item,
                    "location": s.location,
                    "batch": s.batch,
                    "wanted": _qty(s.wanted),
                    "available": _qty(s.available),
                }
            )
        super().__init__(_("Not enough stock: %(list)s.") % {"list": "; ".join(parts)})


def _qty(value) -> str:
    from accounts.formatting import fmt_qty

    return fmt_qty(value)
