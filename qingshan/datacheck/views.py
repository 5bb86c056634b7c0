"""Pages of 数据比对: home with KPIs, models (editor, dry run, versions, runs), run page, triage queue, hit page.

Each view parses input, calls a selector or a service, and renders. Units and partners get 404 everywhere.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qingshan.access.datacheck import acting_org, may_see_datacheck
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.problems.models import Category

from . import masking, selectors, services
from .catalogue import catalogue_models
from .choices import UNDECIDED_HIT_STATES, Action, HitState, Origin, Queue, Trigger
from .filters import KPI_CONDITIONS, HitFilter
from .forms import (
    CheckModelEditForm,
    CheckModelForm,
    ConfirmForm,
    DismissForm,
    ScheduleForm,
    VerifyForm,
)
from .maps import hit_map
from .transitions import HIT_ACTIONS

PAGE_SIZE = 30
NOT_FOUND = "未找到该记录，或您无权查看。"


def _visible_or_404(user):
    if not may_see_datacheck(user):
        raise Http404(NOT_FOUND)


def _or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc


@login_required
def home_view(request):
    """数据比对: KPIs (each a link to its list), the models with their last run and open hits."""
    _visible_or_404(request.user)
    return render(request, "datacheck/home.html", {
        "nav": "datacheck", "kpis": selectors.datacheck_kpis(user=request.user),
        "models": selectors.checkmodel_list(user=request.user), "can_act": acting_org(request.user) is not None,
    })


def _form_errors(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def model_create_view(request):
    """新建模型: from the catalogue (prefilled) or written here; it starts disabled."""
    _visible_or_404(request.user)
    if acting_org(request.user) is None:
        raise Http404(NOT_FOUND)
    shipped = {m.code: m for m in catalogue_models()}
    chosen = shipped.get(request.GET.get("catalogue", ""))
    initial = {"code": chosen.code, "name": chosen.name, "description": chosen.description,
               "spec_text": chosen.spec_text, "default_queue": chosen.queue} if chosen else {}
    form = CheckModelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        data.pop("note")
        entry = shipped.get(data["code"])
        # Browsers post a textarea's lines with CRLF: the catalogue's text unchanged is still the catalogue's model.
        unchanged = entry is not None and selectors.same_text(entry.spec_text, data["spec_text"])
        origin = Origin.CATALOGUE if unchanged else Origin.CUSTOM
        try:
            model = services.checkmodel_create(actor=request.user, origin=origin, **data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"模型“{model.name}”已创建（未启用）。请先试运行，确认结果后再启用。")
            return redirect("datacheck:model", pk=model.pk)
    registered = set(selectors.checkmodel_list(user=request.user).values_list("code", flat=True))
    return render(request, "datacheck/model_create.html", {
        "nav": "datacheck", "form": form, "chosen": chosen,
        "catalogue": [m for m in shipped.values() if m.code not in registered],
    })


def _model_page(request, model, *, form=None, preview_run=None, status=200):
    can_act = acting_org(request.user, model) is not None
    form = form or CheckModelEditForm(initial={
        "name": model.name, "description": model.description, "spec_format": model.spec_format,
        "spec_text": model.spec_text, "default_queue": model.default_queue,
        "problem_category": model.problem_category_id, "create_problems": model.create_problems})
    runs = selectors.checkmodel_runs(user=request.user, model=model)[:20]
    return render(request, "datacheck/model.html", {
        "nav": "datacheck", "model": model, "form": form, "can_act": can_act, "runs": runs,
        "versions": selectors.checkmodel_versions(model=model)[:20], "preview_run": preview_run,
        "schedule_form": ScheduleForm(initial={"schedule": model.schedule}),
        "kpis": selectors.datacheck_kpis(user=request.user, model=model),
        "explained": selectors.checkmodel_explanation(model=model),
    }, status=status)


@login_required
def model_detail_view(request, pk):
    """One model: the spec editor (save = new version), dry run, enable/disable, schedule, run now, versions, runs."""
    model = _or_404(selectors.checkmodel_detail, user=request.user, pk=pk)
    if request.method != "POST":
        return _model_page(request, model)
    form = CheckModelEditForm(request.POST)
    if form.is_valid():
        try:
            services.checkmodel_update(actor=request.user, model=model, **form.cleaned_data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "模型已保存。")
            return redirect("datacheck:model", pk=model.pk)
    return _model_page(request, model, form=form, status=400)


@login_required
@require_POST
def model_action_view(request, pk, action):
    """试运行 (of the editor's text, or of the saved version) / 立即运行 / 启用 / 停用 / 运行计划 on one model."""
    model = _or_404(selectors.checkmodel_detail, user=request.user, pk=pk)
    if action == "draft_run":
        return _draft_run(request, model)
    try:
        # Runs are queued for the background worker; the preview and the run page follow them until they end.
        if action == "dry_run":
            run = services.run_start(actor=request.user, model=model, dry_run=True, trigger=Trigger.MANUAL,
                                     background=True)
            if request.htmx:
                return render(request, "datacheck/_preview.html", {"preview_run": run})
            return _model_page(request, model, preview_run=run)
        if action == "run":
            run = services.run_start(actor=request.user, model=model, trigger=Trigger.MANUAL, background=True)
            messages.success(request, "已提交后台运行，本页显示运行进度和结果。")
            return redirect("datacheck:run", pk=run.pk)
        if action in ("enable", "disable"):
            services.checkmodel_set_enabled(actor=request.user, model=model, enabled=action == "enable")
            messages.success(request, "模型已启用。" if action == "enable" else "模型已停用。")
        elif action == "schedule":
            form = ScheduleForm(request.POST)
            services.checkmodel_schedule(actor=request.user, model=model,
                                         schedule=form.data.get("schedule", ""))
            messages.success(request, "运行计划已保存。")
        else:
            raise Http404(NOT_FOUND)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("datacheck:model", pk=model.pk)


def _draft_run(request, model):
    """试运行 of the editor's text, unsaved: the page comes back with the same text and its preview (or the error)."""
    form = CheckModelEditForm(request.POST)
    if form.draft_is_valid():
        try:
            run = services.run_draft(actor=request.user, model=model, spec_text=form.cleaned_data["spec_text"],
                                     spec_format=form.cleaned_data["spec_format"], background=True)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            return _model_page(request, model, form=form, preview_run=run)
    return _model_page(request, model, form=form, status=400)


@login_required
def run_detail_view(request, pk):
    """One run: status, rows scanned, hits, time, error; a dry run's preview."""
    run = _or_404(selectors.run_detail, user=request.user, pk=pk)
    return render(request, "datacheck/run.html", {"nav": "datacheck", "run": run, "preview_run": run})


@login_required
def triage_view(request):
    """研判: the hits to judge, filtered by queue, model, state; confirm / verify / dismiss on each row (htmx)."""
    _visible_or_404(request.user)
    params = request.GET.copy()
    if not any(params.get(name) for name in HitFilter.base_filters):
        params.setlist("state", [str(s) for s in UNDECIDED_HIT_STATES])  # the queue proper: what waits for a person
    queryset, filterset = selectors.hit_list(user=request.user, params=params)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = masking.mask_hits(page.object_list)
    params.pop("page", None)
    kpi = request.GET.get("kpi", "")
    return render(request, "datacheck/triage.html", {
        "nav": "datacheck", "filter": filterset, "page": page, "querystring": params.urlencode(),
        "can_act": acting_org(request.user) is not None, "queues": Queue.choices, "states": HitState.choices,
        "chosen_states": params.getlist("state"), "kpi_label": KPI_CONDITIONS.get(kpi, (None, ""))[1],
        "categories": list(Category.objects.all()),
    })


@login_required
def hit_detail_view(request, pk):
    """One hit: subject, occurrences, evidence rows, a map when located, the decision forms."""
    hit = _or_404(selectors.hit_detail, user=request.user, pk=pk)
    return _hit_page(request, hit)


@login_required
@require_POST
def hit_reveal_view(request, pk):
    """查看明文: the hit page with its personal identifiers in full, after a reason is given (audited, not cached)."""
    hit = _or_404(selectors.hit_detail, user=request.user, pk=pk)
    try:
        masking.hit_reveal_identifiers(actor=request.user, hit=hit, reason=request.POST.get("reason", ""))
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except ServiceError as exc:
        return _hit_page(request, hit, reveal_error=exc.message, status=400)
    response = _hit_page(request, hit, revealed=True)
    response["Cache-Control"] = "private, no-store"
    return response


def _hit_page(request, hit, *, forms=None, status=200, revealed=False, reveal_error=""):
    may_triage = acting_org(request.user, hit.model) is not None
    actions = HIT_ACTIONS.allowed(hit.state, lambda rule: may_triage)
    forms = forms or {}
    if not revealed:
        masking.mask_hits([hit], evidence=True)
    masked = revealed or (hit.shown_key, hit.shown_label, hit.shown_evidence) != (
        hit.subject_key, hit.subject_label, hit.evidence)
    evidence = selectors.hit_evidence(hit=hit)
    return render(request, "datacheck/hit.html", {
        "nav": "datacheck", "hit": hit, "can_act": bool(actions), "actions": actions,
        "masked": masked, "revealed": revealed, "reveal_error": reveal_error, "may_reveal": may_triage,
        "columns": evidence.columns, "rows": evidence.rows, "map": hit_map(hit), "subject": evidence.subject,
        "confirm_form": forms.get("confirm") or ConfirmForm(initial={
            "category": hit.model.problem_category_id,
            "region": (evidence.subject.region or hit.model.owner_org.region).pk}),
        "verify_form": forms.get("verify") or VerifyForm(), "dismiss_form": forms.get("dismiss") or DismissForm(),
        "history": [(e, _action_label(e.action)) for e in selectors.hit_history(hit=hit)],
        "can_see_problem": hit.problem_visible,
        "evidence_seals": selectors.hit_evidence_seals(hit=hit) if hit.state == HitState.CONVERTED else None,
        "waste_producer": selectors.waste_producer_of(hit),
    }, status=status)


def _action_label(action: str) -> str:
    return Action(action).label if action in Action.values else action


@login_required
@require_POST
def hit_action_view(request, pk, action):
    """确认转问题 / 转核查 / 排除 on one hit. With htmx, answers with the triage row; otherwise redirects."""
    hit = _or_404(selectors.hit_detail, user=request.user, pk=pk)
    rule = HIT_ACTIONS.rules.get(action)
    if rule is None:
        raise Http404(NOT_FOUND)
    form = rule.form(request.POST)
    error = None
    if not form.is_valid():
        error = "；".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            hit = HIT_ACTIONS.run(action, actor=request.user, target=hit, data=form.cleaned_data)
        except ServiceError as exc:
            error = exc.message
            _form_errors(form, exc)
    if request.htmx:
        [hit] = masking.mask_hits([selectors.hit_detail(user=request.user, pk=hit.pk)])
        return render(request, "datacheck/_hit_row.html", {
            "hit": hit, "can_act": acting_org(request.user, hit.model) is not None, "row_error": error,
            "categories": list(Category.objects.all()),
        }, status=400 if error else 200)
    if error:
        if request.POST.get("next", "").startswith(reverse("datacheck:triage")):
            messages.error(request, error)
            return redirect(request.POST["next"])
        return _hit_page(request, selectors.hit_detail(user=request.user, pk=hit.pk), forms={action: form},
                         status=400)
    messages.success(request, _done_message(action, hit))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/datacheck/") else reverse("datacheck:hit", args=[hit.pk]))


def _done_message(action: str, hit) -> str:
    if action == "confirm":
        return f"已确认并转为问题 {hit.problem.number}。"
    return "已转核查。" if action == "verify" else "已排除该线索。"


@login_required
@require_POST
def hit_evidence_package_view(request, pk):
    """导出证据包: queue the confirmed hit's evidence package for the background worker, then follow it."""
    from . import evidence

    hit = _or_404(selectors.hit_detail, user=request.user, pk=pk)
    try:
        job = evidence.export_submit(actor=request.user, hit=hit)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("datacheck:hit", pk=hit.pk)
    messages.success(request, "已开始在后台生成证据包，本页显示进度，完成后可下载。")
    return redirect("datacheck:evidence_export", pk=job.pk)


@login_required
def evidence_export_view(request, pk):
    """One evidence export: its progress (htmx polls every second) and, when done, the download link and SHA-256."""
    from qingshan.core.retention import retention_days

    from . import evidence

    job = _or_404(evidence.export_detail, user=request.user, pk=pk)
    context = {"nav": "datacheck", "job": job, "retention_days": retention_days()}
    if request.htmx:
        return render(request, "datacheck/_evidence_export.html", context)
    return render(request, "datacheck/evidence_export.html", context)


@login_required
def evidence_download_view(request, pk):
    """The written evidence package, to those who may triage the hit's model; never kept by a cache."""
    from django.http import FileResponse

    from . import evidence

    job = _or_404(evidence.export_file, user=request.user, pk=pk)
    response = FileResponse(open(job.stored_path, "rb"), as_attachment=True,  # noqa: SIM115 -- closed by Django
                            filename=job.filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def waste_dossier_view(request, producer_code):
    """固体废物档案: one producing unit's chain of custody month by month (ledger, manifests, hits, seals)."""
    try:
        dossier = selectors.waste_dossier(user=request.user, producer_code=producer_code)
    except NotFound as exc:
        raise Http404("未找到该产生单位的危险废物数据，或您无权查看。") from exc
    return render(request, "datacheck/waste_dossier.html", {"nav": "datacheck", "dossier": dossier,
                                                             "evidence_seals": dossier["evidence_seals"]})
