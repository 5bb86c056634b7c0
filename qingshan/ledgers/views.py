"""Web pages of the ledgers: the three lists as tabs, one entry's chain, and the Excel export (a background job)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from qingshan.core.errors import NotFound, ServiceError

from . import exports, selectors
from .specs import all_columns, ledger, ledgers

PAGE_SIZE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _CountedPaginator(Paginator):
    """A paginator told its count: the open/closed totals already cost the one counting query."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def _spec_or_404(code):
    spec = ledger(code)
    if spec is None:
        raise Http404("没有这个台账。")
    return spec


@login_required
def index_view(request):
    """台账: the first ledger's tab."""
    return ledger_view(request, ledgers()[0].code)


@login_required
def ledger_view(request, code):
    """One ledger's tab: filters, open/closed counts, a page of entries with their 建账 / 查账 / 销账."""
    spec = _spec_or_404(code)
    query = selectors.ledger_query(user=request.user, spec=spec, params=request.GET)
    counts = selectors.ledger_counts(query)
    status = query.form.cleaned_data.get("status") if query.form.is_valid() else ""
    total = counts.get(status) if status else counts["open"] + counts["closed"]
    if query.form.errors:
        total = 0
    page = _CountedPaginator(selectors.ledger_values(query), PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    columns = all_columns(spec)
    rows = [{"pk": row[0], "cells": [(c, c.text(v), c.colour(v)) for c, v in zip(columns, row[1:], strict=True)]}
            for row in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "ledgers/ledger.html", {
        "nav": "ledgers", "spec": spec, "tabs": ledgers(), "form": query.form, "counts": counts, "page": page,
        "rows": rows, "columns": columns, "querystring": params.urlencode(),
        "export_params": [(key, value) for key, values in params.lists() for value in values],
    })


@login_required
def entry_view(request, code, pk):
    """One entry: its columns and its whole chain of events."""
    spec = _spec_or_404(code)
    try:
        row = selectors.ledger_entry(user=request.user, spec=spec, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该台账条目，或您无权查看。") from exc
    columns = all_columns(spec)
    return render(request, "ledgers/entry.html", {
        "nav": "ledgers", "spec": spec, "pk": pk,
        "cells": [(c, c.text(v)) for c, v in zip(columns, row[1:], strict=True)],
        "chain": selectors.ledger_chain(user=request.user, spec=spec, pk=pk),
        "detail_url": spec.detail_url(pk) if spec.detail_url else "",
    })


@login_required
@require_POST
def export_view(request, code):
    """导出: queue the ledger under the page's filters for the background worker, then follow it on its job page."""
    try:
        job = exports.export_submit(actor=request.user, code=code, params=request.POST)
    except ServiceError as exc:
        messages.error(request, exc.message)
        back = request.POST.copy()
        for key in exports.NOT_FILTERS:
            back.pop(key, None)
        target = reverse("ledgers:ledger", args=[code]) if ledger(code) else reverse("ledgers:index")
        return redirect(f"{target}?{back.urlencode()}")
    messages.success(request, "已开始在后台导出，本页显示进度，完成后可下载。")
    return redirect("ledgers:export_job", pk=job.pk)


def _job_or_404(find, request, pk):
    try:
        return find(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def export_job_view(request, pk):
    """One export job: its progress (htmx polls every second) and, when done, the download link."""
    job = _job_or_404(exports.export_job_detail, request, pk)
    spec = ledger(job.ledger)
    context = {"nav": "ledgers", "job": job, "spec": spec, "retention_days": settings.LEDGER_EXPORT_RETENTION_DAYS}
    if request.htmx:
        return render(request, "ledgers/_export_job.html", context)
    return render(request, "ledgers/export_job.html", context)


@login_required
def export_download_view(request, pk):
    """The written workbook, to the person who asked for it only; never kept by a browser or proxy cache."""
    job = _job_or_404(exports.export_file, request, pk)
    response = FileResponse(open(job.stored_path, "rb"), as_attachment=True,  # noqa: SIM115 -- closed by Django
                            filename=job.filename, content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response
