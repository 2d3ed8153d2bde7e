class DomainError(Exception):
    """A business rule refused the operation; `message` is translated and names what is wrong."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InventoryError(DomainError):
    pass
