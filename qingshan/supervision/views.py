"""Web pages of the supervision lists. Each view parses input, calls a selector or a service, and renders."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qingshan.access import supervision as access
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.uploads import content_type_for
from qingshan.rectification import selectors as rectification_selectors

from . import excel, imports, selectors, services
from .choices import OPEN_SLOT_STATES, Action, RectificationStatus, SlotState, Stage
from .forms import (
    BLANK_ROWS,
    AssignForm,
    ImportForm,
    ItemCreateForm,
    ReadingForm,
    RectificationUpdateForm,
    ReviewForm,
    StageForm,
    UrgeForm,
    parse_report,
    report_choices,
    report_rows,
)
from .transitions import ASSIGNEE, REVIEWER, SLOT_ACTIONS, SUPERVISOR

PAGE_SIZE = 30


def _or_404(fetch, user, pk, what: str):
    try:
        return fetch(user, pk)
    except NotFound as exc:
        raise Http404(f"未找到该{what}，或您无权查看。") from exc


def _error(form, exc: ServiceError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _run(request, form, call, *, done: str, invalid: str) -> None:
    """Call a service with a valid form's data and tell the user how it went (the page redirects after)."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        call(form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


@login_required
def home_view(request):
    """计划总览: the chosen plan's themes, key tasks and indicators; assignees go to their own reports."""
    plans = list(selectors.plan_list(user=request.user))
    if not plans:
        if access.assignee_org_ids(request.user):
            return redirect("supervision:mine")
        raise PermissionDenied("您无权查看监督计划。")
    plan = next((p for p in plans if str(p.pk) == request.GET.get("plan")), plans[0])
    return render(request, "supervision/home.html", {
        "nav": "supervision", "plans": plans, "plan": plan,
        "themes": selectors.plan_overview(user=request.user, plan=plan),
        "can_plan": access.planner_org(request.user, plan.commission) is not None,
        "today": timezone.localdate(),
    })


@login_required
def task_view(request, pk):
    """A key task: its indicators with progress, off-track badge, readings and a form to add one."""
    task = _or_404(access.access_task, request.user, pk, "重点任务")
    indicators = list(task.indicators.prefetch_related("readings__recorded_by"))
    form = ReadingForm(initial={"read_on": timezone.localdate()})
    return render(request, "supervision/task.html", {
        "nav": "supervision", "task": task, "indicators": indicators, "reading_form": form,
        "items": selectors.supervision_item_list(user=request.user, filters={"task": task.pk}),
    })


@login_required
@require_POST
def reading_add_view(request, pk):
    indicator = _or_404(access.access_indicator, request.user, pk, "指标")
    _run(request, ReadingForm(request.POST),
         lambda data: services.indicator_add_reading(actor=request.user, indicator=indicator, **data),
         done=f"已录入“{indicator.name}”的读数。", invalid="请填写数值和日期。")
    return redirect("supervision:task", pk=indicator.task_id)


@login_required
def project_list_view(request):
    projects = selectors.project_list(user=request.user, filters=request.GET)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/projects.html", {"nav": "supervision", "page": page,
                                                          "stages": Stage.choices})


@login_required
def project_view(request, pk):
    """一项目一档案."""
    project = _or_404(access.access_project, request.user, pk, "重点项目")
    dossier = selectors.project_dossier(user=request.user, project=project)
    can_plan = access.planner_org(request.user, project.plan.commission) is not None
    return render(request, "supervision/project.html", {
        "nav": "supervision", "d": dossier, "project": project, "can_plan": can_plan,
        "stage_form": StageForm(current=project.stage, initial={"changed_on": timezone.localdate()})
        if can_plan else None,
    })


@login_required
@require_POST
def project_stage_view(request, pk):
    project = _or_404(access.access_project, request.user, pk, "重点项目")
    _run(request, StageForm(request.POST),
         lambda data: services.project_change_stage(actor=request.user, project=project, **data),
         done="项目阶段已更新。", invalid="请选择阶段并填写日期。")
    return redirect("supervision:project", pk=project.pk)


@login_required
def item_list_view(request):
    """监督清单."""
    items = selectors.supervision_item_list(user=request.user, filters=request.GET)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    plans = list(selectors.plan_list(user=request.user))
    can_create = any(access.planner_org(request.user, p.commission) for p in plans)
    return render(request, "supervision/items.html", {"nav": "supervision", "page": page, "plans": plans,
                                                       "can_create": can_create})


@login_required
def item_create_view(request):
    plans = [p for p in selectors.plan_list(user=request.user) if access.planner_org(request.user, p.commission)]
    if not plans:
        raise PermissionDenied("只有本级纪委监委部室工作人员或委领导可以新建监督事项。")
    plan = next((p for p in plans if str(p.pk) == (request.POST.get("plan") or request.GET.get("plan"))), plans[0])
    form = ItemCreateForm(request.POST if request.method == "POST" else None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(actor=request.user, plan=plan, **form.cleaned_data)
        except ServiceError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"监督事项“{item.title}”已建账，请分派承办监督主体。")
            return redirect("supervision:item", pk=item.pk)
    return render(request, "supervision/item_create.html", {"nav": "supervision", "form": form, "plan": plan,
                                                             "plans": plans})


@login_required
def item_view(request, pk):
    """An item: facts, assignees and the slot grid (an assignee sees only its own row)."""
    item = _or_404(access.access_item, request.user, pk, "监督事项")
    orgs, slots = selectors.item_detail(user=request.user, item=item)
    periods = list(dict.fromkeys((s.period_start, s.label) for s in slots))
    grid = [(org, [next((s for s in slots if s.org_id == org.pk and s.period_start == start), None)
                   for start, _l in periods]) for org in orgs]
    can_plan = access.planner_org(request.user, item.plan.commission) is not None
    return render(request, "supervision/item.html", {
        "nav": "supervision", "item": item, "periods": periods, "grid": grid, "today": timezone.localdate(),
        "assign_form": AssignForm(commission=item.plan.commission) if can_plan else None,
        "rectifications": selectors.rectification_list(user=request.user, filters={"item": item.pk}),
        "timeline": selectors.item_timeline(user=request.user, item=item, slots=slots),
        "OPEN": OPEN_SLOT_STATES,
    })


@login_required
@require_POST
def item_assign_view(request, pk):
    item = _or_404(access.access_item, request.user, pk, "监督事项")
    _run(request, AssignForm(request.POST, commission=item.plan.commission),
         lambda data: services.item_assign(actor=request.user, item=item, orgs=list(data["orgs"])),
         done="已分派，并生成各期报送。", invalid="请选择承办监督主体。")
    return redirect("supervision:item", pk=item.pk)


def _slot_context(request, slot, *, data=None, errors=None):
    reports = selectors.slot_reports(user=request.user, slot=slot)
    is_assignee = access.assignee_org(request.user, slot) is not None
    is_reviewer = access.reviewer_org(request.user, slot.item) is not None
    is_supervisor = is_reviewer or access.planner_org(request.user, slot.item.plan.commission) is not None
    roles = {ASSIGNEE: is_assignee, REVIEWER: is_reviewer, SUPERVISOR: is_supervisor}
    actions = SLOT_ACTIONS.allowed(slot.state, lambda rule: roles[rule.who])
    can_submit = Action.SUBMIT in actions
    rows = data or {}
    if data is None and can_submit and reports:
        # A resubmission starts from the returned version's activities; its findings are problems already.
        rows = {"act": [{"kind": a.kind, "happened_on": a.happened_on.isoformat(), "note": a.note}
                        for a in reports[0].activities.all()]}
    blank = {kind: max(BLANK_ROWS[kind], len(rows.get(kind, []))) for kind in BLANK_ROWS}
    return {
        "nav": "supervision", "slot": slot, "item": slot.item, "reports": reports, "today": timezone.localdate(),
        "can_submit": can_submit, "errors": errors or [],
        "summary": (data or {}).get("summary", reports[0].summary if reports and can_submit else ""),
        "rows": {kind: list(rows.get(kind, [])) + [{}] * (blank[kind] - len(rows.get(kind, [])))
                 for kind in BLANK_ROWS},
        "choices": report_choices() if can_submit else {},
        "review_form": ReviewForm() if Action.APPROVE in actions else None,
        "urge_form": UrgeForm() if Action.URGE in actions else None,
        "rect_form": RectificationUpdateForm() if is_assignee or is_reviewer else None,
        "rect_statuses": RectificationStatus.choices,
        # 由监督发现建立整改事项 beside each finding not yet raised (supervising side only, as on the campaign page).
        "finding_raise": rectification_selectors.finding_raise_choices(user=request.user, slot_id=slot.pk),
        "file_types": sorted(settings.ATTACHMENT_ALLOWED_EXTENSIONS), "file_limit": settings.ATTACHMENT_MAX_BYTES,
        "file_count": services.MAX_REPORT_FILES,
    }


@login_required
def slot_view(request, pk):
    """One period's report: versions, the report form for the assignee, the review form for the office."""
    slot = _or_404(access.access_slot, request.user, pk, "报送")
    return render(request, "supervision/slot.html", _slot_context(request, slot))


@login_required
@require_POST
def slot_submit_view(request, pk):
    slot = _or_404(access.access_slot, request.user, pk, "报送")
    data, errors = parse_report(request.POST)
    if not errors:
        try:
            report = services.report_submit(actor=request.user, slot=slot, files=request.FILES.getlist("files"),
                                            **data)
        except ServiceError as exc:
            errors = [exc.message]
        else:
            messages.success(request, f"已报送（第{report.version}版），等待牵头部室审核。")
            return redirect("supervision:slot", pk=slot.pk)
    rows = report_rows(request.POST)
    context = _slot_context(request, slot, data={"summary": request.POST.get("summary", ""), **rows},
                            errors=errors)
    return render(request, "supervision/slot.html", context, status=400)


@login_required
def report_file_view(request, pk):
    """Serve a report's evidence file after the access check (the reader may see its slot); the download is logged
    and kept out of every cache."""
    attachment = _or_404(access.access_report_attachment, request.user, pk, "佐证材料")
    services.report_attachment_record_download(actor=request.user, attachment=attachment)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=content_type_for(attachment.original_name))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def slot_row_view(request, pk, kind):
    """One more blank row of the report form (htmx)."""
    slot = _or_404(access.access_slot, request.user, pk, "报送")
    if kind not in BLANK_ROWS or access.assignee_org(request.user, slot) is None:
        raise Http404("没有这个表单行。")
    try:
        index = max(0, min(int(request.GET.get("index", "0")), 999))
    except ValueError:
        index = 0
    labels = {"act": "添加一项活动", "fnd": "添加一个问题", "rec": "添加一项整改"}
    return render(request, "supervision/_row_response.html", {
        "row_template": f"supervision/_row_{kind}.html", "i": index, "row": {}, "choices": report_choices(),
        "kind": kind, "next": index + 1, "slot_id": slot.pk, "label": labels[kind]})


@login_required
@require_POST
def report_review_view(request, pk):
    slot = _or_404(access.access_slot, request.user, pk, "报送")
    report = slot.reports.order_by("-version").first()
    form = ReviewForm(request.POST)
    if report is None or not form.is_valid():
        messages.error(request, "请选择审核结论。")
        return redirect("supervision:slot", pk=slot.pk)
    action = Action.APPROVE if form.cleaned_data["decision"] == "approve" else Action.RETURN
    try:
        SLOT_ACTIONS.run(action, actor=request.user, target=report, data={"comment": form.cleaned_data["comment"]})
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "审核通过。" if form.cleaned_data["decision"] == "approve" else "已退回修改。")
    return redirect("supervision:slot", pk=slot.pk)


@login_required
@require_POST
def slot_urge_view(request, pk):
    slot = _or_404(access.access_slot, request.user, pk, "报送")
    _run(request, UrgeForm(request.POST),
         lambda data: SLOT_ACTIONS.run(Action.URGE, actor=request.user, target=slot, data=data),
         done="已催办。", invalid="请填写催办内容。")
    return redirect("supervision:slot", pk=slot.pk)


@login_required
@require_POST
def rectification_update_view(request, pk):
    entry = _or_404(access.access_rectification, request.user, pk, "整改事项")
    _run(request, RectificationUpdateForm(request.POST),
         lambda data: services.rectification_update(actor=request.user, rectification=entry, **data),
         done="整改情况已更新。", invalid="请选择整改状态并填写进展说明。")
    return redirect("supervision:slot", pk=entry.slot_id)


@login_required
def mine_view(request):
    """我的报送: the slots of the user's own assignee organisations, open ones first."""
    if not access.assignee_org_ids(request.user):
        raise PermissionDenied("您不是任何监督事项的承办人员。")
    state = request.GET.get("state", "open")
    slots = selectors.report_slot_list(user=request.user, filters={"mine": True, "state": state})
    page = Paginator(slots, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/mine.html", {"nav": "supervision", "page": page, "state": state,
                                                      "today": timezone.localdate(), "states": SlotState.choices})


@login_required
def slot_list_view(request):
    """报送期次: the report slots the user may see, by the 一图总览's KPI (as of a day) and region, due first."""
    slots = selectors.report_slot_list(user=request.user, filters=request.GET)
    page = Paginator(slots, PAGE_SIZE).get_page(request.GET.get("page"))
    kpi = request.GET.get("kpi", "")
    label = selectors.slot_kpi_conditions(timezone.localdate()).get(kpi, (None, ""))[1]
    return render(request, "supervision/slots.html", {"nav": "supervision", "page": page, "kpi_label": label,
                                                       "as_of": request.GET.get("as_of", ""),
                                                       "today": timezone.localdate()})


@login_required
def review_queue_view(request):
    """待审核: reports submitted to the user's office, oldest due first."""
    if not access.office_org_ids(request.user):
        raise PermissionDenied("只有牵头部室人员审核报送。")
    slots = selectors.report_slot_list(user=request.user, filters={"to_review": True})
    page = Paginator(slots, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/reviews.html", {"nav": "supervision", "page": page,
                                                         "today": timezone.localdate()})


@login_required
def import_view(request, kind, job_pk=None):
    """Import supervision items or indicator readings from .xlsx: the upload is queued for the background worker
    (all rows or none, with a per-cell report), and this page follows the job until it has finished."""
    if kind not in excel.IMPORTS:
        raise Http404("没有这种导入。")
    spec = excel.IMPORTS[kind]
    form = ImportForm(request.POST or None, request.FILES or None)
    job, errors = None, []
    if job_pk is not None:
        try:
            job = imports.import_job_detail(user=request.user, pk=job_pk)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_submit(actor=request.user, kind=kind, upload=form.cleaned_data["file"])
        except ServiceError as exc:
            errors = [exc.message]
        else:
            messages.success(request, "文件已上传，正在后台导入，本页显示导入进度和结果。")
            return redirect("supervision:import_job", kind=kind, job_pk=job.pk)
    if job is not None and request.htmx:
        return render(request, "supervision/_import_job.html", {"job": job, "kind": kind})
    return render(request, "supervision/import.html", {"nav": "supervision", "form": form, "spec": spec,
                                                        "kind": kind, "errors": errors, "job": job},
                  status=400 if errors else 200)


@login_required
def import_template_view(request, kind):
    if kind not in excel.IMPORTS:
        raise Http404("没有这种导入。")
    spec = excel.IMPORTS[kind]
    response = HttpResponse(excel.template_bytes(spec),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{spec.filename}"
    return response
