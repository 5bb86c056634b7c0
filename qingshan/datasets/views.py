"""Web pages of the data sets: list, data-set page (schema, preview, history), import form, batch progress."""
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qingshan.access.datasets import may_manage_datasets, may_share_dataset, may_verify_datasets, may_view_datasets
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError

from . import reveal, selectors, services, sharing
from .choices import BatchStatus
from .excel import import_template
from .forms import ImportForm, ShareForm
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


def _form_error(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def dataset_list_view(request):
    """数据集: every data set the user may see, with its row count and last import."""
    if not may_view_datasets(request.user):
        raise PermissionDenied("数据集仅供纪检监察机构查看。")
    return render(request, "datasets/list.html", {
        "nav": NAV, "datasets": selectors.dataset_list(user=request.user),
        "can_import": may_manage_datasets(request.user), "can_verify": may_verify_datasets(request.user),
    })


@login_required
def dataset_detail_view(request, code):
    """One data set: its schema, the first rows, its import history and who it is shared with."""
    dataset = _dataset_or_404(request.user, code)
    return _detail_page(request, dataset)


def _detail_page(request, dataset, *, share_form=None, status=200, revealed=False, reveal_error=""):
    columns, rows = selectors.dataset_preview(user=request.user, dataset=dataset, limit=50, masked=not revealed)
    can_share = may_share_dataset(request.user, dataset)
    if can_share and share_form is None:
        share_form = ShareForm(candidates=selectors.share_candidates(dataset=dataset))
    return render(request, "datasets/detail.html", {
        "nav": NAV, "dataset": dataset, "columns": columns, "rows": rows,
        "batches": selectors.batch_list(user=request.user, dataset=dataset)[:20],
        "can_import": may_manage_datasets(request.user),
        "shares": selectors.dataset_shares(user=request.user, dataset=dataset), "can_share": can_share,
        "share_form": share_form, "revealed": revealed, "reveal_error": reveal_error,
    }, status=status)


@login_required
@require_POST
def reveal_view(request, code):
    """查看明文: the preview with personal identifiers in full, after a reason (audited, not cached)."""
    dataset = _dataset_or_404(request.user, code)
    try:
        reveal.dataset_reveal(actor=request.user, dataset=dataset, reason=request.POST.get("reason", ""))
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except ServiceError as exc:
        return _detail_page(request, dataset, reveal_error=exc.message, status=400)
    response = _detail_page(request, dataset, revealed=True)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def share_view(request, code):
    """共享: the owning commission shares the data set with an organisation, with a reason."""
    dataset = _dataset_or_404(request.user, code)
    form = ShareForm(request.POST, candidates=selectors.share_candidates(dataset=dataset))
    if form.is_valid():
        try:
            share = sharing.dataset_share(actor=request.user, dataset=dataset,
                                          org=form.candidates.get(form.cleaned_data["org"]),
                                          reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已共享给“{share.org.name}”。")
            return redirect("datasets:detail", code=dataset.code)
    if not may_share_dataset(request.user, dataset):
        raise PermissionDenied("只有数据集所属纪委监委的监督人员可以管理共享。")
    return _detail_page(request, dataset, share_form=form, status=400)


@login_required
@require_POST
def unshare_view(request, code, share_id):
    """撤销共享: the organisation no longer sees the data set."""
    dataset = _dataset_or_404(request.user, code)
    try:
        sharing.dataset_unshare(actor=request.user, dataset=dataset, share_id=share_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销共享。")
    return redirect("datasets:detail", code=dataset.code)


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
            _form_error(form, exc)
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


@login_required
def seals_view(request):
    """封存校验: each data set's sealed import batches and whether their stored rows still match (案管, 委领导)."""
    if not may_verify_datasets(request.user):
        raise PermissionDenied("只有案件监督管理室工作人员和委领导可以查看数据集封存校验。")
    if request.method == "POST":
        try:
            queued = services.datasets_verify_request(actor=request.user,
                                                      datasets=selectors.dataset_list(user=request.user))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已提交校验 {queued} 个数据集，后台完成后本页显示结果。")
        return redirect("datasets:seals")
    return render(request, "datasets/seals.html", {"nav": NAV, "rows": selectors.seal_overview(user=request.user)})
