"""Web pages of the data sets: list, data-set page (schema, preview, history), import form, batch progress."""
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from qingshan.access.datasets import may_manage_datasets, may_view_datasets
from qingshan.core.errors import NotFound, ServiceError

from . import selectors, services
from .choices import BatchStatus
from .excel import import_template
from .forms import ImportForm
from .importing import error_report_text

NAV = "datacheck"


def _dataset_or_404(user, code):
    try:
        return selectors.dataset_detail(user=user, code=code)
    except NotFound as exc:
        raise Http404("未找到该数据集，或您无权查看。") from exc


def _batch_or_404(user, pk):
    try:
        return selectors.batch_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该导入批次，或您无权查看。") from exc


@login_required
def dataset_list_view(request):
    """数据集: every data set the user may see, with its row count and last import."""
    if not may_view_datasets(request.user):
        raise PermissionDenied("数据集仅供纪检监察机构查看。")
    return render(request, "datasets/list.html", {
        "nav": NAV, "datasets": selectors.dataset_list(user=request.user),
        "can_import": may_manage_datasets(request.user),
    })


@login_required
def dataset_detail_view(request, code):
    """One data set: its schema, the first rows and its import history."""
    dataset = _dataset_or_404(request.user, code)
    columns, rows = selectors.dataset_preview(user=request.user, dataset=dataset, limit=50)
    return render(request, "datasets/detail.html", {
        "nav": NAV, "dataset": dataset, "columns": columns, "rows": rows,
        "batches": selectors.batch_list(user=request.user, dataset=dataset)[:20],
        "can_import": may_manage_datasets(request.user),
    })


@login_required
def import_view(request, code):
    """导入数据: upload a file; the import runs in the background and the batch page shows its progress."""
    dataset = _dataset_or_404(request.user, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(actor=request.user, dataset=dataset, upload=form.cleaned_data["file"],
                                          mode=form.cleaned_data["mode"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已收到文件“{batch.original_name}”，正在导入。")
            return redirect("datasets:batch", pk=batch.pk)
    return render(request, "datasets/import.html", {
        "nav": NAV, "dataset": dataset, "form": form, "can_import": may_manage_datasets(request.user),
    }, status=400 if request.method == "POST" else 200)


@login_required
def template_view(request, code):
    """The .xlsx import template of a data set."""
    dataset = _dataset_or_404(request.user, code)
    response = HttpResponse(import_template(dataset),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (f'attachment; filename="{dataset.code}.xlsx"; '
                                       f"filename*=UTF-8''{quote(dataset.name + '-导入模板.xlsx')}")
    return response


@login_required
def batch_view(request, pk):
    """One import batch: progress while it runs (polled with htmx), then its outcome and error report."""
    batch = _batch_or_404(request.user, pk)
    if batch.status == BatchStatus.RUNNING and services.batches_recover_interrupted():
        batch.refresh_from_db()
    context = {"nav": NAV, "batch": batch, "dataset": batch.dataset, "Status": BatchStatus}
    if request.headers.get("HX-Request"):
        return render(request, "datasets/_batch_status.html", context)
    return render(request, "datasets/batch.html", context)


@login_required
def batch_report_view(request, pk):
    """The error report of a failed batch as plain text."""
    batch = _batch_or_404(request.user, pk)
    text = error_report_text(batch.errors, batch.error_count, batch.error_summary or "导入成功，没有错误。")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.txt"'
    return response
