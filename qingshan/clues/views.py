"""Web pages of the discipline loop. Each view parses input, calls a selector or a service, and renders.

Every page answers 404 for a clue the user may not see, exactly as for a missing one (access/clues.py).
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qingshan.access.clues import (
    access_clue_job,
    access_letter,
    access_quarter_report,
    circle_of,
    reveal_reporter,
    visible_clues,
)
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.paging import BoundedPaginator
from qingshan.core.retention import retention_days

from . import selectors, services
from .choices import Action, JobKind, NoticeKind, Source, State
from .forms import ClueCreateForm, RevealForm
from .transitions import CLUE_ACTIONS

PAGE_SIZE = 30
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = "未找到该记录，或您无权查看。"


def _clue_or_404(user, pk):
    try:
        return selectors.clue_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc


def _no_store(response):
    """Confidential pages and files must not stay in a browser's or a proxy's cache."""
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def clue_list_view(request):
    """线索清单: the clues of the user's handling circle, filtered; reporters only as a masked reference."""
    clues = selectors.clue_list(user=request.user, params=request.GET)
    page = BoundedPaginator(clues, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    circle = circle_of(request.user)
    return _no_store(render(request, "clues/list.html", {
        "nav": "clues", "page": page, "querystring": params.urlencode(), "states": State.choices,
        "sources": Source.choices, "chosen": request.GET, "can_create": bool(circle.xinfang),
        # only the links the user can open (the register is 案管's; the report-back 信访's, leaders' and teams')
        "sees_reveals": bool(circle.anguan), "sees_quarter": bool(circle.xinfang or circle.leader or circle.team),
        "kpi_label": selectors.KPI_CONDITIONS.get(request.GET.get("kpi", ""), (None, ""))[1],
    }))


@login_required
def clue_create_view(request):
    """登记线索 (信访室)."""
    if not circle_of(request.user).xinfang:
        raise PermissionDenied("只有信访室人员可以登记问题线索。")
    form = ClueCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            clue = services.clue_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"线索 {clue.reference} 已登记。")
            return redirect("clues:detail", pk=clue.pk)
    return _no_store(render(request, "clues/create.html", {"nav": "clues", "form": form}))


@login_required
def clue_detail_view(request, pk):
    """One clue: facts, the proposal and its study, letters, the reporter's masked reference, the timeline."""
    clue = _clue_or_404(request.user, pk)
    actions = services.allowed_actions(request.user, clue)
    return _no_store(render(request, "clues/detail.html", {
        "nav": "clues", "clue": clue, "actions": [(a, CLUE_ACTIONS[a].label) for a in actions],
        "letters": clue.letters.all(), "objections": clue.objections.all(),
        "reporter": selectors.reporter_reference(user=request.user, clue=clue),
        "timeline": selectors.clue_timeline(clue=clue), "reveal_form": RevealForm(),
        "today": timezone.localdate(), "transfer": getattr(clue, "problem_transfer", None),
        "notices": selectors.clue_notices(user=request.user, clue=clue), "sender": settings.CLUE_NOTICE_SENDER,
        "sms": [(kind, f"短信{label}") for kind, label in NoticeKind.choices
                if (Action.NOTIFY_ACCEPTANCE if kind == NoticeKind.ACCEPTANCE else Action.NOTIFY_RESULT) in actions],
    }))


@login_required
@require_POST
def notice_send_view(request, pk, kind):
    """Queue a 受理告知 / 结果告知 SMS to the reporter under the neutral sender; the worker sends it."""
    clue = _clue_or_404(request.user, pk)
    try:
        services.clue_send_notice(actor=request.user, clue=clue, kind=kind)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "告知短信已提交，由后台发送；发送成功后计为已告知。")
    return redirect(reverse("clues:detail", args=[clue.pk]) + "#notices")


@login_required
def clue_action_view(request, pk, action):
    """GET: the form of one action of the table; POST: carry it out through its service."""
    rule = CLUE_ACTIONS.rules.get(action)
    if rule is None or rule.form is None:
        raise Http404("没有这个操作。")
    clue = _clue_or_404(request.user, pk)
    form = rule.form(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            CLUE_ACTIONS.run(action, actor=request.user, target=clue, data=form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已{rule.label}：{clue.reference}")
            # After a write, re-check that the user may still see it (a clue passed down leaves the sender's team).
            if not visible_clues(request.user).filter(pk=clue.pk).exists():
                return redirect("clues:list")
            return redirect("clues:detail", pk=clue.pk)
    template = "clues/_action_form.html" if request.htmx else "clues/action.html"
    status = 400 if request.method == "POST" else 200
    return _no_store(render(request, template, {"nav": "clues", "clue": clue, "form": form, "action": action,
                                                "action_label": rule.label}, status=status))


@login_required
@require_POST
def reveal_reporter_view(request, pk):
    """Open the vault once, after a reason is given (借阅登记 and an audit event, or nothing is shown)."""
    clue = _clue_or_404(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, "查阅举报人信息须填写事由。")
        return redirect("clues:detail", pk=clue.pk)
    try:
        revealed = reveal_reporter(user=request.user, clue=clue, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("clues:detail", pk=clue.pk)
    return _no_store(render(request, "clues/reporter.html", {"nav": "clues", "clue": clue, "revealed": revealed}))


@login_required
@require_POST
def letter_generate_view(request, pk):
    """生成函询函: queue the letter for the worker (no reporter data by construction: documents.py), then follow it."""
    try:
        letter = access_letter(request.user, pk)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc
    clue = _clue_or_404(request.user, letter.clue_id)
    return _submitted(request, lambda: services.clue_document_submit(actor=request.user, clue=clue, letter=letter),
                      back=("clues:detail", clue.pk))


@login_required
@require_POST
def transfer_generate_view(request, pk):
    """生成线索移交函 (下转): queued for the worker like the 函询 letter."""
    clue = _clue_or_404(request.user, pk)
    return _submitted(request, lambda: services.clue_document_submit(actor=request.user, clue=clue),
                      back=("clues:detail", clue.pk))


@login_required
@require_POST
def reveal_export_view(request):
    """导出借阅登记 (案管): queued for the worker, then followed on the job's page."""
    try:
        job = services.reveal_export_submit(actor=request.user)
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, "已提交后台导出，本页显示进度，完成后可下载。")
    return redirect("clues:job", pk=job.pk)


def _submitted(request, submit, *, back):
    """Queue through `submit`; a refusal goes back to the page it came from with its Chinese message."""
    try:
        job = submit()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(*back)
    messages.success(request, "已提交后台生成，本页显示进度，完成后可下载。")
    return redirect("clues:job", pk=job.pk)


def _job_or_404(user, pk):
    try:
        return access_clue_job(user, pk)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc


@login_required
def job_view(request, pk):
    """One file being written: its progress (htmx polls every second) and, when done, the download link."""
    job = _job_or_404(request.user, pk)
    template = "clues/_job.html" if request.htmx else "clues/job.html"
    return _no_store(render(request, template, {"nav": "clues", "job": job, "retention_days": retention_days()}))


@login_required
def job_download_view(request, pk):
    """The written file, to its asker only while they may still see what it holds; never cached."""
    try:
        job = services.clue_job_download(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    content_type = XLSX if job.kind == JobKind.REVEALS else DOCX
    response = FileResponse(open(job.stored_path, "rb"), as_attachment=True,  # noqa: SIM115 -- closed by Django
                            filename=job.filename, content_type=content_type)
    return _no_store(response)


@login_required
def reveal_register_view(request):
    """借阅登记: every reveal of a reporter's identity in the commissions whose 案管 work the user does."""
    if not circle_of(request.user).anguan:
        raise PermissionDenied("只有案管室人员可以查看借阅登记。")
    page = BoundedPaginator(selectors.reveal_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return _no_store(render(request, "clues/reveals.html", {"nav": "clues", "page": page}))


@login_required
def clue_kpi_view(request):
    """线索统计: the four-way split, on-time notices and transfers between the loops, each linked to its list."""
    return _no_store(render(request, "clues/kpi.html", {"nav": "clues", **selectors.clue_kpis(user=request.user)}))


@login_required
def quarter_view(request):
    """办理结果季度回告: each office's closed clues of a quarter and whether it reported back to 信访室."""
    from . import quarters

    circle = circle_of(request.user)
    if not (circle.xinfang or circle.leader or circle.team):
        raise PermissionDenied("只有信访室、委领导和承办部门可以查看办理结果回告。")
    year, quarter = quarters.previous(timezone.localdate())
    try:
        year = int(request.GET.get("year", year))
        quarter = int(request.GET.get("quarter", quarter))
        first, last = quarters.bounds(year, quarter)
    except (TypeError, ValueError):
        messages.error(request, "年度或季度有误，已显示上一季度。")
        year, quarter = quarters.previous(timezone.localdate())
        first, last = quarters.bounds(year, quarter)
    rows = selectors.quarter_results(user=request.user, year=year, quarter=quarter)
    return _no_store(render(request, "clues/quarter.html", {
        "nav": "clues", "rows": rows, "year": year, "quarter": quarter, "first": first, "last": last,
        "ended": last < timezone.localdate(), "quarters": [1, 2, 3, 4]}))


@login_required
@require_POST
def quarter_report_view(request):
    """回告信访室: an office reports its closed results of an ended quarter."""
    from qingshan.orgs.models import Organisation

    back = f"{reverse('clues:quarter')}?year={request.POST.get('year', '')}&quarter={request.POST.get('quarter', '')}"
    try:
        office = Organisation.objects.get(pk=int(request.POST.get("office", "")))
        services.quarter_report_submit(actor=request.user, office=office, year=int(request.POST.get("year", "")),
                                       quarter=int(request.POST.get("quarter", "")), note=request.POST.get("note", ""))
    except (Organisation.DoesNotExist, TypeError, ValueError):
        messages.error(request, "请选择本部门并填写年度和季度。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已向信访室回告本季度办理结果。")
    return redirect(back)


@login_required
@require_POST
def quarter_document_view(request, pk):
    """回告函: the report-back of an office's quarter as a Word document for 信访室, written by the worker."""
    try:
        report = access_quarter_report(request.user, pk)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc
    back = ("clues:quarter",)
    return _submitted(request, lambda: services.quarter_document_submit(actor=request.user, report=report),
                      back=back)
