"""Web pages of the rectification campaign. Each view parses input, calls a selector or a service, and renders."""
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qingshan.access.actors import profile_of
from qingshan.access.problems import visible_problems
from qingshan.access.rectification import access_post_file, sees_internal, visible_items
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.forms import StyledForm
from qingshan.core.paging import BoundedPaginator
from qingshan.core.uploads import content_type_for
from qingshan.instruments.selectors import accountability_for_item

from . import excel, imports, selectors, services
from .choices import Action, Condition, Progress, State, WarningColour
from .forms import CampaignForm, ImportForm
from .transitions import ITEM_ACTIONS

PAGE_SIZE = 30
LIST_COUNT_BOUND = 2_000
ACTION_LABELS = dict(Action.choices)


class RaiseForm(StyledForm):
    problem_number = forms.CharField(label="问题编号", max_length=20, help_text="如 QS-2026-000123")
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs={"type": "date"}))


class RaiseFromEntryForm(StyledForm):
    """由监督发现建立整改事项: a finding picked among those the officer may see (the choices are scoped)."""

    entry = forms.ModelChoiceField(label="监督发现的整改清单条目", queryset=None,
                                   error_messages={"invalid_choice": "未找到该整改清单条目，或您无权查看。"})
    deadline = forms.DateField(label="整改期限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="不填则沿用清单条目的整改期限")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, prefix="entry", **kwargs)
        field = self.fields["entry"]
        field.queryset = selectors.raisable_supervision_entries(user=user)  # type: ignore[attr-defined]
        field.label_from_instance = lambda e: (  # type: ignore[attr-defined]
            f"{e.title}（{e.responsible_unit}，{e.slot.org}报送，期限 {e.deadline:%Y-%m-%d}）")


class RaiseFromFindingForm(StyledForm):
    """由监督发现建立整改事项 on the finding's own page: the campaign among those the officer may see."""

    campaign = forms.ModelChoiceField(label="整改工作", queryset=None, empty_label=None,
                                      error_messages={"invalid_choice": "未找到该整改工作，或您无权查看。"})
    deadline = forms.DateField(label="整改期限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="不填则沿用清单条目的整改期限")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (  # type: ignore[attr-defined]
            selectors.campaign_list(user=user).order_by("-year", "-id"))


def _campaign_or_404(user, pk):
    try:
        return selectors.campaign_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该整改工作，或您无权查看。") from exc


def _item_or_404(user, pk):
    try:
        return selectors.item_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该整改事项，或您无权查看。") from exc


def list_url(**params) -> str:
    """A link to 整改清单 with the given filters (the KPI figures' drill-down)."""
    return f"{reverse('rectification:list')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


@login_required
def campaign_list_view(request):
    """整改工作: the campaigns the user takes part in, with the overall figures; a supervisor opens a new one."""
    is_supervisor = bool(profile_of(request.user).supervising)
    form = CampaignForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not is_supervisor:
            raise PermissionDenied("只有纪检监察机构的工作人员可以建立整改工作。")
        if form.is_valid():
            try:
                campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已建立整改工作：{campaign.name}")
                return redirect("rectification:campaign", pk=campaign.pk)
    figures = selectors.campaign_kpis(user=request.user)
    return render(request, "rectification/campaigns.html", {
        "nav": "rectification", "campaigns": selectors.campaign_list(user=request.user).select_related("commission"),
        "form": form if is_supervisor else None,
        "figures": [(f, list_url(kpi=f.key)) for f in figures],
    })


@login_required
def campaign_detail_view(request, pk):
    """One campaign: its KPIs (each linked to its list), the Excel import and raising an item from a problem."""
    campaign = _campaign_or_404(request.user, pk)
    is_supervisor = bool(profile_of(request.user).supervising)
    raise_form = RaiseForm(request.POST or None) if is_supervisor else None
    if request.method == "POST":
        if raise_form is None:
            raise PermissionDenied("只有纪检监察机构的工作人员可以建立整改事项。")
        if raise_form.is_valid():
            problem = visible_problems(request.user).filter(number=raise_form.cleaned_data["problem_number"]).first()
            if problem is None:
                raise_form.add_error("problem_number", "未找到该问题，或您无权查看。")
            else:
                try:
                    item = services.item_raise_from_problem(actor=request.user, campaign=campaign, problem=problem,
                                                            deadline=raise_form.cleaned_data["deadline"])
                except ServiceError as exc:
                    raise_form.add_error(None, exc.message)
                else:
                    messages.success(request, f"已建立整改事项 {item.number}。")
                    return redirect("rectification:detail", pk=item.pk)
    figures = selectors.campaign_kpis(user=request.user, campaign=campaign)
    return render(request, "rectification/campaign.html", {
        "nav": "rectification", "campaign": campaign,
        "figures": [(f, list_url(campaign=campaign.pk, kpi=f.key)) for f in figures],
        "import_form": ImportForm() if is_supervisor else None, "raise_form": raise_form,
        "entry_form": RaiseFromEntryForm(user=request.user) if is_supervisor else None,
    })


def _raise_from_finding(request, form, *, campaign, entry, back: str):
    """Both ways of 由监督发现建立整改事项: the item on success, else every error flashed and the user sent `back`.
    `campaign` and `entry` are None where the form chooses them."""
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机构的工作人员可以建立整改事项。")
    if form.is_valid():
        try:
            item = services.item_raise_from_supervision_entry(
                actor=request.user, campaign=campaign or form.cleaned_data["campaign"],
                entry=entry or form.cleaned_data["entry"], deadline=form.cleaned_data["deadline"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已由监督发现建立整改事项 {item.number}。")
            return redirect("rectification:detail", pk=item.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(back)


@login_required
@require_POST
def raise_from_entry_view(request, pk):
    """由监督发现建立整改事项 on the campaign page: a campaign item raised from a supervision finding, linked to it
    (and to its problem)."""
    campaign = _campaign_or_404(request.user, pk)
    return _raise_from_finding(request, RaiseFromEntryForm(request.POST, user=request.user), campaign=campaign,
                               entry=None, back=reverse("rectification:campaign", args=[campaign.pk]))


@login_required
@require_POST
def raise_from_finding_view(request, pk):
    """由监督发现建立整改事项 from the finding's own page (the supervision report): the campaign is chosen there."""
    try:
        entry = selectors.supervision_entry(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该整改清单条目，或您无权查看。") from exc
    back = reverse("supervision:slot", args=[entry.slot_id]) + f"#finding-{entry.pk}"
    return _raise_from_finding(request, RaiseFromFindingForm(request.POST, user=request.user), campaign=None,
                               entry=entry, back=back)


@login_required
@require_POST
def import_view(request, pk):
    campaign = _campaign_or_404(request.user, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要导入的 Excel 文件。")
        return redirect("rectification:campaign", pk=campaign.pk)
    try:
        job = imports.import_submit(actor=request.user, campaign=campaign, upload=form.cleaned_data["file"],
                                    may_import=bool(profile_of(request.user).supervising))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("rectification:campaign", pk=campaign.pk)
    return redirect("rectification:import_job", pk=job.pk)


@login_required
def import_job_view(request, pk):
    try:
        job = imports.import_job_detail(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(request, "rectification/import_job.html", {"nav": "rectification", "job": job})


@login_required
def import_template_view(request):
    response = HttpResponse(excel.template_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{excel.TEMPLATE_NAME}".encode().decode()
    return response


@login_required
def item_list_view(request):
    """整改清单: the items the user may see, filtered; colours and states as stored (no per-row computation)."""
    # The page names no campaign: its join and its 30 instances are left out.
    items = (selectors.item_list(user=request.user, params=request.GET).select_related(None)
             .select_related("lead_unit", "supervising_org").only(*selectors.LIST_PAGE_FIELDS))
    # Counted up to LIST_COUNT_BOUND: a campaign is read by filtering, and counting 10,000 rows on every view of a
    # 100,000-item ledger cost more than the page itself (bench/RESULTS_rectification.md).
    page = BoundedPaginator(items, PAGE_SIZE, bound=LIST_COUNT_BOUND).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    kpi = selectors.kpi_conditions(timezone.localdate()).get(request.GET.get("kpi", ""))
    return render(request, "rectification/list.html", {
        "nav": "rectification", "page": page, "querystring": params.urlencode(), "params": request.GET,
        "states": State.choices, "warnings": WarningColour.choices, "kpi_label": kpi[1] if kpi else "",
        "today": timezone.localdate(),
        # One reverse for the page instead of one per row (a reverse costs more than the rest of a row's cells).
        "detail_prefix": reverse("rectification:detail", args=[0])[:-2],
    })


@login_required
def item_detail_view(request, pk):
    """One item: plan, milestones, posts and diaries, acceptance, notice, conditions, re-checks, the actions now."""
    item = _item_or_404(request.user, pk)
    actions = services.allowed_actions(request.user, item)
    ticked = {c.condition: c for c in item.conditions.all()}
    return render(request, "rectification/detail.html", {
        "nav": "rectification", "item": item, "today": timezone.localdate(),
        "actions": [(a, ITEM_ACTIONS[a].label) for a in actions],
        "can_finish_milestone": "milestone_done" in actions, "can_answer": "answer" in actions,
        "posts": selectors.item_posts(user=request.user, item=item),
        "timeline": [(e, ACTION_LABELS.get(e.action, "办理")) for e in
                     selectors.item_timeline(user=request.user, item=item)],
        "conditions": [(value, label, ticked.get(value)) for value, label in Condition.choices],
        "sees_internal": sees_internal(request.user), "Progress": Progress,
        "accountability": accountability_for_item(user=request.user, item_id=item.pk),
    })


@login_required
def item_action_view(request, pk, action):
    """GET: the form of one action of the table; POST: carry it out through its service."""
    rule = ITEM_ACTIONS.rules.get(action)
    if rule is None or rule.form is None:
        raise Http404("没有这个操作。")
    item = _item_or_404(request.user, pk)
    initial = {}
    if action == "milestones":
        initial["lines"] = "\n".join(f"{m.due_on.isoformat()} {m.title}" for m in item.milestones.all())
    if action == "plan":
        initial.update({"target": item.target, "measures": item.measures, "deadline": item.deadline,
                        "horizon": item.horizon, "responsible_leader": item.responsible_leader,
                        "responsible_person": item.responsible_person})
    for key in ("milestone", "objection"):
        if key in request.GET:
            initial[key] = request.GET[key]
    if request.method == "POST":
        form = rule.form(request.POST, request.FILES, actor=request.user)
    else:
        form = rule.form(initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            ITEM_ACTIONS.run(action, actor=request.user, target=item, data=form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已{rule.label}：{item.number}")
            if not visible_items(request.user).filter(pk=item.pk).exists():
                return redirect("rectification:list")
            return redirect("rectification:detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rectification/action.html", {
        "nav": "rectification", "item": item, "form": form, "action": action, "action_label": rule.label,
    }, status=status)


@login_required
def file_download_view(request, pk):
    """Serve a post's file only after the access check; the download is logged."""
    try:
        found = access_post_file(request.user, pk)
    except NotFound as exc:
        raise Http404("未找到该附件，或您无权查看。") from exc
    services.post_file_record_download(actor=request.user, file=found)
    response = FileResponse(found.file.open("rb"), as_attachment=not found.is_image, filename=found.original_name,
                            content_type=content_type_for(found.original_name))
    response["Cache-Control"] = "private, no-store"
    return response
