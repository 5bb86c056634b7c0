"""Pages of 联动协作: the list of 会商, a new one, and one meeting with its minutes, decisions and tasks."""
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qingshan.access.actors import profile_of
from qingshan.access.collaboration import may_complete, may_convene, visible_tasks, visible_transfers
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.core.paging import BoundedPaginator

from . import selectors, services, transfer
from .forms import CompleteForm, ConsultationForm, DecideForm, RecordForm, TransferExportForm, TransferImportForm


def _consultation_or_404(user, pk):
    try:
        return selectors.consultation_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404("会商不存在或无权查看。") from exc


@login_required
def consultation_list_view(request):
    page = BoundedPaginator(selectors.consultation_list(user=request.user), 30, bound=5000).get_page(
        request.GET.get("page"))
    return render(request, "collaboration/list.html", {
        "nav": "collaboration", "page": page, "querystring": "",
        "may_create": bool(profile_of(request.user).supervising)})


@login_required
def consultation_create_view(request):
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机构的工作人员可以发起会商。")
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(
                actor=request.user, title=form.cleaned_data["title"], held_on=form.cleaned_data["held_on"],
                place=form.cleaned_data["place"], participants=form.cleaned_data["participants"],
                problem_numbers=form.problem_numbers())
        except (ServiceError, PermissionRefused) as exc:
            form.add_error(getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None,
                           str(exc))
        else:
            messages.success(request, "会商已发起。")
            return redirect("collaboration:detail", pk=consultation.pk)
    return render(request, "collaboration/create.html", {"nav": "collaboration", "form": form},
                  status=400 if form.errors else 200)


@login_required
def consultation_detail_view(request, pk):
    consultation = _consultation_or_404(request.user, pk)
    convener = may_convene(request.user, consultation)
    tasks = list(visible_tasks(request.user).filter(consultation=consultation).select_related(
        "assignee", "problem", "completed_by"))
    for task in tasks:
        task.may_complete = task.state == "open" and may_complete(request.user, task)
    return render(request, "collaboration/detail.html", {
        "nav": "collaboration", "c": consultation, "convener": convener, "tasks": tasks,
        "agenda": consultation.agenda.select_related("problem"),
        "participants": consultation.participants.order_by("name"),
        "record_form": RecordForm(initial={"attendees": consultation.attendees, "minutes": consultation.minutes}),
        "decide_form": DecideForm(consultation=consultation), "complete_form": CompleteForm()})


@login_required
@require_POST
def consultation_action_view(request, pk, action):
    consultation = _consultation_or_404(request.user, pk)
    try:
        if action == "record":
            form = RecordForm(request.POST)
            if not form.is_valid():
                raise ServiceError("；".join(e for errors in form.errors.values() for e in errors))
            services.consultation_record(actor=request.user, consultation=consultation, **form.cleaned_data)
            messages.success(request, "会商纪要已记录。")
        elif action == "decide":
            form = DecideForm(request.POST, consultation=consultation)
            if not form.is_valid():
                raise ServiceError("；".join(e for errors in form.errors.values() for e in errors))
            services.consultation_decide(actor=request.user, consultation=consultation, **form.cleaned_data)
            messages.success(request, "决定事项已交承办单位办理。")
        elif action == "close":
            services.consultation_close(actor=request.user, consultation=consultation)
            messages.success(request, "会商已办结。")
        else:
            raise Http404("没有这个操作。")
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect("collaboration:detail", pk=consultation.pk)


@login_required
@require_POST
def task_complete_view(request, pk):
    task = visible_tasks(request.user).filter(pk=pk).first() if str(pk).isdigit() \
        else None
    if task is None:
        raise Http404("决定事项不存在或无权查看。")
    form = CompleteForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("请填写完成情况。")
        services.task_complete(actor=request.user, task=task, result=form.cleaned_data["result"])
        messages.success(request, "完成情况已报告。")
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect(task.get_absolute_url())


@login_required
def transfers_view(request):
    """跨地区移送: send a problem to another region as a signed package, or receive one."""
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机构的工作人员可以办理跨地区移送。")
    export_form = TransferExportForm(request.POST if request.POST.get("step") == "export" else None)
    import_form = TransferImportForm(request.POST if request.POST.get("step") == "import" else None,
                                     request.FILES or None)
    if request.method == "POST" and request.POST.get("step") == "export" and export_form.is_valid():
        try:
            name, data = transfer.transfer_export(actor=request.user, **export_form.cleaned_data)
        except (ServiceError, PermissionRefused) as exc:
            export_form.add_error(None, str(exc))
        else:
            response = HttpResponse(data, content_type="application/zip")
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
    if request.method == "POST" and request.POST.get("step") == "import" and import_form.is_valid():
        try:
            problem = transfer.transfer_import(actor=request.user, data=import_form.cleaned_data["package"].read(),
                                               region=import_form.cleaned_data["region"])
        except (ServiceError, PermissionRefused) as exc:
            import_form.add_error(None, str(exc))
        else:
            messages.success(request, f"已接收外地移送，登记为问题 {problem.number}。")
            return redirect("problems:detail", pk=problem.pk)
    transfers = visible_transfers(request.user).select_related("peer", "problem", "by")[:50]
    return render(request, "collaboration/transfers.html", {
        "nav": "collaboration", "export_form": export_form, "import_form": import_form, "transfers": transfers,
        "public_key": transfer.public_key_hex(), "region_code": settings.TRANSFER_REGION_CODE},
        status=400 if export_form.errors or import_form.errors else 200)
