from django.db import transaction
from django.utils import timezone

from ..models import DocumentSequence


@transaction.atomic
def next_number(prefix: str, *, year: int | None = None) -> str:
    """The next document number for a prefix, e.g. next_number("GR") -> "GR-2026-000001".
    Locks the sequence row, so call it when a document is created, not while posting."""
    year = year or timezone.localdate().year
    DocumentSequence.objects.bulk_create([DocumentSequence(prefix=prefix, year=year)], ignore_conflicts=True)
    seq = DocumentSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"
