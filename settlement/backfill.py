"""Entries for documents posted before the books existed (used by the apps' data migrations with
their historical models): each posted document its debit, each posted return its credit set
against what is open of the document it came from. Idempotent."""

from datetime import timedelta
from decimal import Decimal


def backfill(*, Entry, Allocation, party_field: str, documents, returns) -> None:
    """`documents`: (source_type, id, number, date, party, amount); `returns`: (source_type, id,
    number, date, party, amount, (origin source_type, origin id), user_id)."""
    for source_type, pk, number, day, party, amount in documents:
        if (
            amount <= 0
            or Entry.objects.filter(source_type=source_type, source_id=pk, kind="document").exists()
        ):
            continue
        Entry.objects.create(
            **{party_field: party},
            kind="document",
            is_debit=True,
            source_type=source_type,
            source_id=pk,
            number=number,
            date=day,
            due_date=day + timedelta(days=party.payment_terms_days),
            amount=amount,
        )
    for source_type, pk, number, day, party, amount, origin, user_id in returns:
        if amount <= 0 or Entry.objects.filter(source_type=source_type, source_id=pk, kind="return").exists():
            continue
        credit = Entry.objects.create(
            **{party_field: party},
            kind="return",
            is_debit=False,
            source_type=source_type,
            source_id=pk,
            number=number,
            date=day,
            amount=amount,
        )
        debit = Entry.objects.filter(source_type=origin[0], source_id=origin[1], kind="document").first()
        share = min(debit.amount - debit.allocated, amount) if debit else Decimal("0")
        if share > 0:
            Allocation.objects.create(
                debit=debit, credit=credit, amount=share, date=max(day, debit.date), created_by_id=user_id
            )
            debit.allocated += share
            debit.save(update_fields=["allocated"])
            credit.allocated = share
            credit.save(update_fields=["allocated"])
