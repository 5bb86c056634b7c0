"""Web pages of the ledgers: the three lists as tabs, one entry's chain, and the Excel export."""
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.functional import cached_property

from qingshan.core.errors import NotFound, ServiceError

from . import selectors, services
from .specs import all_columns, ledger, ledgers

PAGE_SIZE = 30


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
def export_view(request, code):
    """The ledger under the page's filters as .xlsx, streamed from a temporary file."""
    spec = _spec_or_404(code)
    try:
        export = services.ledger_export(actor=request.user, spec=spec, params=request.GET)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{request.path.rsplit('export/', 1)[0]}?{request.GET.urlencode()}")
    handle = open(export.path, "rb")  # noqa: SIM115 - FileResponse closes it when the download ends
    os.unlink(export.path)  # the open handle keeps the data until then; nothing is left behind on disk
    return FileResponse(handle, as_attachment=True, filename=export.filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
