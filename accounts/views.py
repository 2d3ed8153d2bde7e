from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """The landing page: the sections this user's roles open. Dashboards come with the reports."""
    return render(request, "home.html")
