"""The signed webhook that machines post alerts to, and the intake log the supervising side reads."""
import json
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qingshan.access.intake import access_alert, access_proposal, may_see_intake
from qingshan.core.clientip import client_ip
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.core.paging import BoundedPaginator

from . import hotline, selectors, services
from .choices import AlertOutcome, Refusal
from .forms import HotlineImportForm
from .models import HOTLINE_FIELDS, HotlineMapping, RefusedRequest
from .signing import signature_matches

log = logging.getLogger(__name__)


def _refuse(request: HttpRequest, status: int, reason: Refusal, detail: str, sender_code: str = "",
            size: int = 0) -> JsonResponse:
    """Answer with a clear error, and keep the refusal where an administrator can see it."""
    RefusedRequest.objects.create(sender_code=sender_code[:100], reason=reason, detail=detail[:300],
                                  remote_addr=client_ip(request), size=size)
    log.warning("intake refused %s from %s: %s", sender_code or "-", client_ip(request), detail)
    return JsonResponse({"error": reason.value, "message": detail}, status=status,
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def alert_webhook(request: HttpRequest) -> JsonResponse:
    """POST an alert (see signing.py for the headers). 201 with the problem number when accepted, 200 with the same
    answer for a retry of a known Idempotency-Key, 4xx with a Chinese message otherwise."""
    code = request.headers.get("X-Qingshan-Sender", "").strip()
    limit = settings.INTAKE_MAX_BODY_BYTES
    length = request.META.get("CONTENT_LENGTH") or "0"
    declared = int(length) if length.isdigit() else 0
    if declared > limit:
        return _refuse(request, 413, Refusal.TOO_LARGE, f"请求体超过 {limit} 字节。", code, declared)
    body = request.body
    if len(body) > limit:
        return _refuse(request, 413, Refusal.TOO_LARGE, f"请求体超过 {limit} 字节。", code, len(body))
    if request.content_type != "application/json":
        return _refuse(request, 415, Refusal.CONTENT_TYPE, "内容类型应为 application/json。", code, len(body))
    sender = services.sender_by_code(code)
    if sender is None:
        return _refuse(request, 401, Refusal.UNKNOWN_SENDER, "接入方未登记或已停用。", code, len(body))
    stamp = request.headers.get("X-Qingshan-Timestamp", "").strip()
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > settings.INTAKE_TIMESTAMP_WINDOW_SECONDS:
        return _refuse(request, 401, Refusal.STALE, "时间戳缺失或超出允许范围，请求被拒绝（防重放）。", code, len(body))
    if not signature_matches(services.sender_secret(sender), stamp, body,
                             request.headers.get("X-Qingshan-Signature", "")):
        return _refuse(request, 401, Refusal.BAD_SIGNATURE, "签名不符。", code, len(body))
    key = request.headers.get("Idempotency-Key", "")
    if not key.strip():
        return _refuse(request, 400, Refusal.NO_KEY, "缺少 Idempotency-Key 请求头。", code, len(body))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _refuse(request, 400, Refusal.INVALID, "请求体不是有效的 JSON。", code, len(body))
    try:
        received = services.alert_receive(sender=sender, key=key, payload=payload)
    except ServiceError as exc:
        return _refuse(request, 400, Refusal.INVALID, str(exc), code, len(body))
    return JsonResponse({"number": received.number, "status": received.outcome,
                         "status_label": AlertOutcome(received.outcome).label, "recurrences": received.recurrences,
                         "repeat_of_request": not received.new},
                        status=201 if received.new else 200, json_dumps_params={"ensure_ascii": False})


@login_required
def alert_list_view(request):
    """接入记录: every alert the person may see, newest first, with what became of it."""
    if not may_see_intake(request.user):
        raise PermissionDenied("只有纪检监察工作人员可以查看机器接入记录。")
    filters = selectors.AlertFilters.from_query(request.GET)
    alerts = selectors.alert_list(user=request.user, filters=filters)
    page = BoundedPaginator(alerts, 30, bound=10000).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "intake/alerts.html", {
        "nav": "intake", "page": page, "filters": filters, "senders": selectors.sender_choices(),
        "outcomes": AlertOutcome.choices, "querystring": query.urlencode(),
    })


@login_required
@require_POST
def alert_detach_view(request, pk: int):
    """拆分: a person undoes an automatic merge; the alert becomes a problem of its own."""
    try:
        alert = access_alert(request.user, pk)
        problem = services.alert_detach(actor=request.user, alert=alert, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404("预警不存在或无权查看。") from exc
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
        return redirect(reverse("intake:alerts"))
    messages.success(request, f"已拆分为独立问题 {problem.number}。")
    return redirect(reverse("problems:detail", args=[problem.pk]))


@login_required
def duplicates_view(request):
    """疑似重复: each new problem beside the open one it reads like, to merge or to keep apart."""
    if not may_see_intake(request.user):
        raise PermissionDenied("只有纪检监察工作人员可以确认疑似重复问题。")
    proposals = selectors.pending_proposals(user=request.user)
    page = BoundedPaginator(proposals, 20, bound=2000).get_page(request.GET.get("page"))
    return render(request, "intake/duplicates.html", {"nav": "intake", "page": page, "querystring": ""})


@login_required
@require_POST
def duplicate_decide_view(request, pk: int):
    """并单 or 不是重复, by the supervising side of the new problem."""
    try:
        proposal = access_proposal(request.user, pk)
        if request.POST.get("decision") == "merge":
            services.proposal_merge(actor=request.user, proposal=proposal, reason=request.POST.get("reason", ""))
            messages.success(request, f"已将 {proposal.problem.number} 并入 {proposal.candidate.number}。")
        else:
            services.proposal_dismiss(actor=request.user, proposal=proposal, reason=request.POST.get("reason", ""))
            messages.success(request, f"已确认 {proposal.problem.number} 与 {proposal.candidate.number} 不是同一问题。")
    except NotFound as exc:
        raise Http404("疑似重复记录不存在或无权查看。") from exc
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect(reverse("intake:duplicates"))


@login_required
def hotline_import_view(request, job_pk=None):
    """热线导入: upload a centre's daily export; the worker imports it (all new tickets or none) and this page
    follows the job until it has finished."""
    if not may_see_intake(request.user):
        raise PermissionDenied("只有纪检监察工作人员可以导入热线工单。")
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    job, errors = None, []
    if job_pk is not None:
        try:
            job = hotline.hotline_job(user=request.user, pk=job_pk)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
    if request.method == "POST" and form.is_valid():
        try:
            job = hotline.hotline_submit(actor=request.user, mapping=form.cleaned_data["mapping"],
                                         upload=form.cleaned_data["file"])
        except (ServiceError, PermissionRefused) as exc:
            errors = [str(exc)]
        else:
            messages.success(request, "文件已上传，正在后台导入，本页显示导入进度和结果。")
            return redirect("intake:hotline-job", job_pk=job.pk)
    if job is not None and request.htmx:
        return render(request, "intake/_hotline_job.html", {"job": job})
    return render(request, "intake/hotline.html", {"nav": "intake", "form": form, "job": job, "errors": errors,
                                                   "fields": HOTLINE_FIELDS,
                                                   "mappings": HotlineMapping.objects.filter(is_active=True)},
                  status=400 if errors else 200)


@login_required
def hotline_sample_view(request, pk: int):
    """The header row a mapping expects, as a CSV the centre's staff can fill (UTF-8 with BOM, so Excel opens it)."""
    if not may_see_intake(request.user):
        raise PermissionDenied("只有纪检监察工作人员可以导入热线工单。")
    mapping = HotlineMapping.objects.filter(pk=pk, is_active=True).first()
    if mapping is None:
        raise Http404("没有这个热线。")
    header = [mapping.columns[f] for f in HOTLINE_FIELDS if f in mapping.columns]
    response = HttpResponse(("\ufeff" + ",".join(header) + "\r\n").encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''hotline-sample.csv"
    return response
