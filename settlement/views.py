"""Screens of a book of money owed (往来账), the same for payables (purchasing) and receivables
(sales): open balances with ageing (账龄) and their Excel export, a party's open documents and
credits, its statement (对账单: page, print, Excel), allocating (核销) a credit and undoing an
allocation, and payments (付款单 / 收款单): list, record, detail, reverse (冲销).

Every view takes the Book from its URL pattern (settlement.urls.book_urls), needs a logged-in user
holding the book's view permission, and for writes its record or reverse permission (403
otherwise). A party, entry, payment or allocation is looked up in the book's own tables, so one of
the other book is a 404. Views parse, call a service and put a domain error back on the page; they
never write models themselves."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.dataio import XLSX_TYPE
from accounts.formatting import fmt_money
from inventory.exceptions import DomainError

from . import excel, selectors, services
from .books import Book
from .forms import (
    AllocationRow,
    BalanceFilterForm,
    PartyChoiceForm,
    PaymentForm,
    PeriodForm,
    ReverseForm,
    payment_filter_for,
    propose_oldest_first,
    read_allocations,
    typed_money,
)
from .models import EntryKind, PaymentStatus

LATEST_PAYMENTS = 10


def book_view(*needs: str):
    """Login first (anonymous visitors go to the login page), then every permission of the book
    named in `needs` ("view_perm", "record_perm", "reverse_perm"): 403 without one of them. The
    view is called as view(request, book, **url kwargs)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, book: Book, **kwargs) -> HttpResponse:
            if not all(request.user.has_perm(getattr(book, need)) for need in needs):
                raise PermissionDenied
            return view(request, book, *args, **kwargs)

        return login_required(wrapped)

    return decorate


# What every page of a book needs ------------------------------------------------------------------


def url_names(book: Book) -> dict[str, str]:
    names = {
        suffix: book.url_name(suffix)
        for suffix in (
            "list",
            "export",
            "detail",
            "statement",
            "statement_print",
            "statement_export",
            "allocate",
            "unallocate",
        )
    }
    for suffix in ("list", "create", "detail", "reverse"):
        names[f"payment_{suffix}"] = book.payment_url_name(suffix)
    return names


def _context(request: HttpRequest, book: Book, **extra) -> dict:
    user = request.user
    return {
        "book": book,
        "labels": book.labels,
        "names": url_names(book),
        "may_record": user.has_perm(book.record_perm),
        "may_reverse": user.has_perm(book.reverse_perm),
        "today": timezone.localdate(),
        **extra,
    }


def kind_label(book: Book, kind: str) -> str:
    """The entry kind in this side's words: goods received / shipped, returned, paid / received."""
    return book.label(
        {
            EntryKind.DOCUMENT: "document",
            EntryKind.RETURN: "return",
            EntryKind.PAYMENT: "payment_kind",
            EntryKind.REVERSAL: "reversal",
        }[kind]
    )


def source_url(request: HttpRequest, book: Book, entry) -> str | None:
    """The page of the entry's document or payment, when this user may open it."""
    if book.source_url is None:
        return None
    return book.source_url(request.user, entry.source_type, entry.source_id)


def party_url(request: HttpRequest, party) -> str | None:
    """The party's master-data page, for those who may read it."""
    meta = party._meta
    if request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}") and hasattr(
        party, "get_absolute_url"
    ):
        return party.get_absolute_url()
    return None


def _party(book: Book, pk) -> object:
    return get_object_or_404(book.party_model, pk=pk)


def _credit_page(book: Book, credit) -> str:
    """Where to go back to after working on a credit: its payment, else its party."""
    if credit.kind == EntryKind.PAYMENT:
        return reverse(book.payment_url_name("detail"), args=[credit.source_id])
    return reverse(book.url_name("detail"), args=[getattr(credit, f"{book.party_field}_id")])


def _xlsx(write, filename: str) -> FileResponse:
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


# Balances with ageing ----------------------------------------------------------------------------


def _balances(book: Book, request: HttpRequest):
    form = BalanceFilterForm(request.GET or None)
    as_of, search = form.values()
    party_ids = None
    if search:
        party_ids = list(
            book.party_model.objects.filter(
                Q(name__icontains=search) | Q(code__icontains=search)
            ).values_list("pk", flat=True)
        )
    rows = selectors.balances(book, as_of=as_of, party_ids=party_ids)
    return form, as_of, search, rows, selectors.totals(rows)


@book_view("view_perm")
def balance_list_view(request: HttpRequest, book: Book) -> HttpResponse:
    """Open balances per party as of a day, aged by the days since each document's date."""
    form, as_of, search, rows, total = _balances(book, request)
    query = urlencode({"as_of": as_of.isoformat(), "q": search})
    return render(
        request,
        "settlement/balance_list.html",
        _context(request, book, form=form, as_of=as_of, rows=rows, total=total, query=query),
    )


@book_view("view_perm")
def balance_export_view(request: HttpRequest, book: Book) -> FileResponse:
    _form, as_of, search, rows, total = _balances(book, request)
    return _xlsx(
        lambda out: excel.write_balances(out, book, rows, total, as_of=as_of, search=search),
        excel.balances_filename(book, as_of),
    )


# A party's account ---------------------------------------------------------------------------------


@dataclass
class CreditRow:
    entry: object
    kind: str
    url: str | None


@book_view("view_perm")
def party_detail_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """The party's open documents, its unallocated credits (each to allocate), its latest
    payments and where its balance stands."""
    party = _party(book, pk)
    today = timezone.localdate()
    debits = [
        AllocationRow(e, today=today, url=source_url(request, book, e))
        for e in selectors.open_debits(book, party)
    ]
    credits = [
        CreditRow(e, kind_label(book, e.kind), source_url(request, book, e))
        for e in selectors.open_credits(book, party)
    ]
    ageing = selectors.balances(book, as_of=today, party_ids=[party.pk])
    payments = book.payment_model.objects.filter(**{book.party_field: party}).select_related("created_by")
    return render(
        request,
        "settlement/party_detail.html",
        _context(
            request,
            book,
            party=party,
            party_url=party_url(request, party),
            debits=debits,
            credits=credits,
            ageing=ageing[0] if ageing else selectors.PartyBalance(party),
            balance=selectors.party_balance(book, party),
            payments=payments[:LATEST_PAYMENTS],
            more_payments=payments.count() > LATEST_PAYMENTS,
        ),
    )


# Statements --------------------------------------------------------------------------------------


@dataclass
class StatementRow:
    date: date
    number: str
    kind: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    url: str | None


def _statement(request: HttpRequest, book: Book, pk: int) -> dict:
    party = _party(book, pk)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    found = selectors.statement(book, party, start=start, end=end)
    rows = [
        StatementRow(
            ln.entry.date,
            ln.entry.number,
            kind_label(book, ln.entry.kind),
            ln.debit,
            ln.credit,
            ln.balance,
            source_url(request, book, ln.entry),
        )
        for ln in found.lines
    ]
    return {
        "party": party,
        "form": form,
        "statement": found,
        "rows": rows,
        "query": urlencode({"start": start.isoformat(), "end": end.isoformat()}),
    }


@book_view("view_perm")
def statement_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """The party's statement for a period (default: this quarter up to today)."""
    return render(
        request, "settlement/statement.html", _context(request, book, **_statement(request, book, pk))
    )


@book_view("view_perm")
def statement_print_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """The statement on A4, to send to the party and have signed back."""
    data = _statement(request, book, pk)
    return render(
        request,
        "settlement/statement_print.html",
        _context(
            request,
            book,
            **data,
            company=settings.JXC_COMPANY_NAME,
            company_address=settings.JXC_COMPANY_ADDRESS,
            printed_by=request.user,
        ),
    )


@book_view("view_perm")
def statement_export_view(request: HttpRequest, book: Book, pk: int) -> FileResponse:
    data = _statement(request, book, pk)
    return _xlsx(
        lambda out: excel.write_statement(out, book, data["statement"], data["rows"]),
        excel.statement_filename(book, data["statement"]),
    )


# Allocating --------------------------------------------------------------------------------------


def _open_rows(request: HttpRequest, book: Book, party) -> list[AllocationRow]:
    today = timezone.localdate()
    return [
        AllocationRow(e, today=today, url=source_url(request, book, e))
        for e in selectors.open_debits(book, party)
    ]


@book_view("view_perm", "record_perm")
def allocate_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """Set what is left of a credit (a payment, returned goods) against the party's open
    documents: proposed oldest first, changed as the user likes; all or nothing."""
    credit = get_object_or_404(
        book.entry_model.objects.select_related(book.party_field), pk=pk, is_debit=False
    )
    party = getattr(credit, book.party_field)
    rows = _open_rows(request, book, party)
    errors: list[str] = []
    if request.method == "POST" and not request.POST.get("fill"):
        lines = read_allocations(rows, request.POST)
        if lines is not None:
            try:
                services.allocate(book, credit_id=credit.pk, lines=lines, user=request.user)
            except DomainError as exc:
                errors.append(exc.message)
            else:
                total = sum((ln.amount for ln in lines), Decimal("0"))
                messages.success(
                    request,
                    _("%(amount)s of %(number)s allocated.")
                    % {"amount": fmt_money(total), "number": credit.number},
                )
                return redirect(_credit_page(book, credit))
    else:
        propose_oldest_first(rows, credit.open_amount)
    return render(
        request,
        "settlement/allocate.html",
        _context(
            request,
            book,
            credit=credit,
            credit_kind=kind_label(book, credit.kind),
            credit_url=source_url(request, book, credit),
            back_url=_credit_page(book, credit),
            party=party,
            rows=rows,
            errors=errors,
        ),
    )


@require_POST
@book_view("view_perm", "record_perm")
def unallocate_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """Undo an allocation (取消核销): both documents are open again by its amount."""
    allocation = get_object_or_404(book.allocation_model.objects.select_related("debit", "credit"), pk=pk)
    try:
        services.unallocate(book, allocation_id=allocation.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Allocation undone: %(debit)s and %(credit)s are open again by %(amount)s.")
            % {
                "debit": allocation.debit.number,
                "credit": allocation.credit.number,
                "amount": fmt_money(allocation.amount),
            },
        )
    return redirect(_credit_page(book, allocation.credit))


# Payments ----------------------------------------------------------------------------------------

_FILTERS: dict[str, type] = {}


def _payment_filter(book: Book) -> type:
    if book.key not in _FILTERS:
        _FILTERS[book.key] = payment_filter_for(book)
    return _FILTERS[book.key]


def _payments(book: Book):
    """Payments with what of each is allocated (its credit entry's `allocated`)."""
    allocated = book.entry_model.objects.filter(
        source_type="payment", source_id=OuterRef("pk"), kind=EntryKind.PAYMENT
    ).values("allocated")[:1]
    return book.payment_model.objects.select_related(book.party_field, "created_by").annotate(
        allocated_amount=Subquery(allocated)
    )


@book_view("view_perm")
def payment_list_view(request: HttpRequest, book: Book) -> HttpResponse:
    found = _payment_filter(book)(request.GET or None, queryset=_payments(book))
    page = Paginator(found.qs, 25).get_page(request.GET.get("page"))
    payments = list(page.object_list)
    for p in payments:
        p.party = getattr(p, book.party_field)  # the templates are the same for both books
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "settlement/payment_list.html",
        _context(
            request,
            book,
            filter=found,
            page_obj=page,
            payments=payments,
            is_paginated=page.has_other_pages(),
            query=query.urlencode(),
        ),
    )


@book_view("view_perm", "record_perm")
def payment_create_view(request: HttpRequest, book: Book) -> HttpResponse:
    """Record a payment (付款单 / 收款单) for a party, chosen first, and allocate it to any of
    its open documents; what is not allocated stays as paid ahead."""
    party_pk = request.GET.get("party", "")
    if not party_pk:
        chooser = PartyChoiceForm(book)
        return render(request, "settlement/payment_party.html", _context(request, book, chooser=chooser))
    if not party_pk.isdecimal():
        raise Http404
    party = _party(book, party_pk)
    rows = _open_rows(request, book, party)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if request.POST.get("fill"):
            _propose(form, rows)
        else:
            lines = read_allocations(rows, request.POST)
            if form.is_valid() and lines is not None:
                data = form.cleaned_data
                try:
                    payment = services.record_payment(
                        book,
                        party=party,
                        day=data["date"],
                        method=data["method"],
                        amount=data["amount"],
                        user=request.user,
                        reference=data["reference"],
                        note=data["note"],
                        allocations=lines,
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _("%(number)s recorded: %(amount)s.")
                        % {"number": payment.number, "amount": fmt_money(payment.amount)},
                    )
                    return redirect(reverse(book.payment_url_name("detail"), args=[payment.pk]))
    else:
        form = PaymentForm()
    return render(
        request,
        "settlement/payment_form.html",
        _context(
            request,
            book,
            party=party,
            form=form,
            rows=rows,
            rows_invalid=any(r.error for r in rows),
            credit=sum((e.open_amount for e in selectors.open_credits(book, party)), Decimal("0")),
        ),
    )


def _propose(form: PaymentForm, rows: list[AllocationRow]) -> None:
    """The "fill oldest first" button: the typed amount spread over the open documents; nothing
    is saved. Without a valid amount the form says why."""
    try:
        amount = typed_money(form.data.get("amount"), what=_("The amount"))
    except DomainError as exc:
        form.is_valid()
        if "amount" not in form.errors:
            form.add_error("amount", exc.message)
        return
    propose_oldest_first(rows, amount)


def _payment_page(request: HttpRequest, book: Book, payment, reverse_form: ReverseForm | None = None):
    credit = services.payment_entry(book, payment)
    may_record = request.user.has_perm(book.record_perm)
    allocations = []
    for a in (
        book.allocation_model.objects.filter(credit=credit)
        .select_related("debit", "created_by", "undone_by")
        .order_by("date", "id")
    ):
        a.debit_url = source_url(request, book, a.debit)
        a.debit_kind = kind_label(book, a.debit.kind)
        a.may_undo = may_record and a.active and a.debit.kind != EntryKind.REVERSAL
        allocations.append(a)
    posted = payment.status == PaymentStatus.POSTED
    may_reverse = posted and request.user.has_perm(book.reverse_perm)
    return render(
        request,
        "settlement/payment_detail.html",
        _context(
            request,
            book,
            payment=payment,
            party=getattr(payment, book.party_field),
            credit=credit,
            allocations=allocations,
            may_allocate=posted and may_record and credit.open_amount > 0,
            show_reverse=may_reverse,
            reverse_form=reverse_form or (ReverseForm() if may_reverse else None),
        ),
    )


def _payment(book: Book, pk: int):
    return get_object_or_404(
        book.payment_model.objects.select_related(book.party_field, "created_by", "reversed_by"), pk=pk
    )


@book_view("view_perm")
def payment_detail_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """The payment, its allocations (active and undone) and, while posted, the reversal form."""
    return _payment_page(request, book, _payment(book, pk))


@require_POST
@book_view("view_perm", "reverse_perm")
def payment_reverse_view(request: HttpRequest, book: Book, pk: int) -> HttpResponse:
    """Reverse a payment recorded by mistake (冲销): its allocations are undone and the party owes
    (or is owed) as if it had not been paid. The reason is required."""
    payment = _payment(book, pk)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.reverse_payment(
                book,
                payment_id=payment.pk,
                user=request.user,
                reason=form.cleaned_data["reason"],
                day=form.cleaned_data["date"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(number)s reversed.") % {"number": payment.number})
            return redirect(reverse(book.payment_url_name("detail"), args=[payment.pk]))
    return _payment_page(request, book, payment, reverse_form=form)
