"""Background Excel exports: start one from a report page, watch its progress, download it.

Every page shows the signed-in user's own exports only: another user's export is a 404, whatever
the role, so ids cannot be guessed. Starting an export needs the report's permission (checked by
reports.exports.start_export); downloading needs it still."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.dataio import XLSX_TYPE

from . import exports
from .models import ExportJob, ExportStatus

PAGE_SIZE = 50
NOT_FILTERS = {"csrfmiddlewaretoken", "report", "next"}


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    return exports.expire_if_stale(get_object_or_404(exports.export_jobs_for(request.user), pk=pk))


def _back(request: HttpRequest) -> str:
    """Where the export was asked from (`next`, else the referring page), if it is on this site."""
    for target in (request.POST.get("next", ""), request.headers.get("referer", "")):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return reverse("reports:export_list")


@login_required
@require_POST
def export_start_view(request: HttpRequest) -> HttpResponse:
    """Form fields: `report` (a slug), the report's filters as its GET form sends them, and an
    optional `next` (where to go back to if the filters are refused)."""
    slug = request.POST.get("report", "")
    if slug not in exports.registry():
        raise Http404
    params = {
        key: values if len(values) > 1 else values[0]
        for key, values in request.POST.lists()
        if key not in NOT_FILTERS
    }
    try:
        job = exports.start_export(
            user=request.user, report_slug=slug, params=params, language=translation.get_language()
        )
    except exports.ExportRefused as exc:
        messages.error(request, exc.message)
        return redirect(_back(request))
    return redirect("reports:export_detail", pk=job.pk)


def _context(job: ExportJob) -> dict:
    return {"job": job, "title": exports.report_title(job.report), "active": job.status in exports.ACTIVE}


@login_required
@require_GET
def export_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    return render(request, "reports/export_detail.html", _context(job))


@login_required
@never_cache
@require_GET
def export_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every second by the detail page (htmx: the status fragment, which stops polling once
    the job is done or failed); JSON for anything else."""
    job = _own_job(request, pk)
    if request.htmx:
        return render(request, "reports/export_status.html", _context(job))
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "rows": job.rows,
            "error": job.error,
            "download_url": reverse("reports:export_download", args=[job.pk])
            if job.status == ExportStatus.DONE
            else None,
        }
    )


@login_required
@require_GET
def export_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(exports.export_jobs_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    jobs = [exports.expire_if_stale(job) for job in page]
    for job in jobs:
        job.title = exports.report_title(job.report)
        job.size = exports.file_size(job)
    return render(
        request,
        "reports/export_list.html",
        {"page": page, "jobs": jobs, "retention_days": settings.EXPORT_RETENTION_DAYS},
    )


@login_required
@never_cache
@require_GET
def export_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(exports.export_jobs_for(request.user), pk=pk, status=ExportStatus.DONE)
    report = exports.registry().get(job.report)
    if report is not None and not request.user.has_perm(report.permission):
        raise PermissionDenied  # the role changed since the export was made
    if not job.file:
        raise Http404
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=XLSX_TYPE)
