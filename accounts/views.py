from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from inventory.exceptions import DomainError

from . import services
from .roles import FINANCE, role_labels


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """The landing page: this user's dashboard (reports.dashboard), then the sections their roles
    open."""
    from reports.dashboard import for_user

    board = for_user(request.user)
    for figure in board.figures:
        if figure.key == "alerts" and isinstance(figure.value, int):  # the bell shows it too: count once
            request._jxc_open_alerts = figure.value
    return render(request, "home.html", {"board": board})


@login_required
@permission_required("accounts.grant_finance", raise_exception=True)
def finance_staff_view(request: HttpRequest) -> HttpResponse:
    """A manager gives the finance role (record, allocate and reverse payments) to people, or
    takes it back."""
    if request.method == "POST":
        try:
            user_id = int(request.POST.get("user", ""))
        except ValueError:
            user_id = 0
        grant = request.POST.get("grant") == "1"
        try:
            services.set_finance_role(user_id=user_id, grant=grant, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Finance role given.") if grant else _("Finance role taken back."))
        return redirect("finance_staff")
    User = get_user_model()
    finance = set(Group.objects.get(name=FINANCE).user_set.values_list("pk", flat=True))
    people = [
        {"user": u, "finance": u.pk in finance, "roles": role_labels(u)}
        for u in User.objects.filter(is_active=True).order_by("username")
    ]
    return render(request, "accounts/finance_staff.html", {"people": people})
