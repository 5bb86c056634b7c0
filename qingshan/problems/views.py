"""Web pages of the work loop. Each view parses input, calls a selector or a service, and renders."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qingshan.access.actors import profile_of
from qingshan.access.problems import access_attachment, may_see_internal, reveal_problem_reporter, visible_problems
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.paging import BoundedPaginator, IdsFirstPaginator
from qingshan.core.uploads import content_type_for
from qingshan.core.worklist import SECTIONS, section_counts, work_queues
from qingshan.datacheck.selectors import problem_evidence_seals

from . import kpis, selectors, services
from .choices import ESCALATION_COLOURS, OPEN_STATES, EscalationLevel, State
from .forms import AttachForm, BulkDispatchForm, ProblemCreateForm, RevealForm
from .transitions import LEADER, PARTNER, PROBLEM_ACTIONS

PAGE_SIZE = 30


def _get_problem_or_404(user, pk):
    try:
        return selectors.problem_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该问题，或您无权查看。") from exc


@login_required
def inbox_view(request):
    """我的待办: every app's queues (core.worklist), the person's own items first, then the organisation's; one count
    per queue and section, the chosen one's items below."""
    queues = work_queues(user=request.user)
    sections = section_counts(queues)
    wanted = (request.GET.get("section"), request.GET.get("queue"))
    cells = [(name, q, count) for name, _label, rows in sections for q, count in rows]
    chosen = next((c for c in cells if (c[0], c[1].key) == wanted), None)
    if chosen is None:
        chosen = next((c for c in cells if c[2]), cells[0] if cells else None)
    page = None
    if chosen:
        ordered = chosen[1].section(chosen[0]).order_by(*chosen[1].queue.ordering)
        page = IdsFirstPaginator(ordered, PAGE_SIZE, count=chosen[2]).get_page(request.GET.get("page"))
    return render(request, "problems/inbox.html", {
        "nav": "inbox", "sections": sections, "chosen": chosen[1] if chosen else None,
        "section": chosen[0] if chosen else None, "section_label": dict(SECTIONS).get(chosen[0]) if chosen else "",
        "items": page,
        "today": timezone.localdate(),
    })


@login_required
def problem_list_view(request):
    """问题清单: filters, search, sort, pagination, bulk dispatch."""
    queryset, filterset = selectors.problem_list(user=request.user, params=request.GET)
    count_ids = selectors.problem_list_count_ids(user=request.user, filterset=filterset)
    page = BoundedPaginator(queryset, PAGE_SIZE, count_ids=count_ids).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    can_dispatch = bool(profile_of(request.user).supervising)
    context = {
        "nav": "problems", "filter": filterset, "page": page, "querystring": params.urlencode(),
        "today": timezone.localdate(), "can_dispatch": can_dispatch,
        "bulk_form": BulkDispatchForm() if can_dispatch else None,
        "kpi_label": kpis.CONDITIONS.get(request.GET.get("kpi", ""), (None, ""))[1],
    }
    return render(request, "problems/list.html", context)


@login_required
@require_POST
def bulk_dispatch_view(request):
    """Dispatch several registered problems to one lead unit: all or none."""
    form = BulkDispatchForm(request.POST, visible=visible_problems(request.user))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("problems:list")
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    problems = list(form.cleaned_data["problems"])
    try:
        with transaction.atomic():
            for problem in problems:
                try:
                    services.problem_dispatch(actor=request.user, problem=problem,
                                              lead_unit=form.cleaned_data["lead_unit"])
                except ServiceError as exc:
                    raise ServiceError(f"{problem.number}：{exc.message}（本次批量交办未执行）") from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已将 {len(problems)} 个问题交办给{form.cleaned_data['lead_unit']}。")
    return redirect(back)


@login_required
def problem_create_view(request):
    """登记问题."""
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机构的工作人员可以登记问题。")
    form = ProblemCreateForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"问题 {problem.number} 已登记。")
            return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/create.html", {"nav": "create", "form": form})


@login_required
def problem_detail_view(request, pk):
    """One problem: facts, units, deadlines, files, timeline, and the actions this user may take now."""
    problem = _get_problem_or_404(request.user, pk)
    actions = services.allowed_actions(request.user, problem)
    return render(request, "problems/detail.html", {
        "nav": "problems", "problem": problem, "actions": [(a, PROBLEM_ACTIONS[a].label) for a in actions],
        # Uploading is for those who work on it; a leader's 批示 or a partner's reply brings no upload right.
        "can_attach": any(PROBLEM_ACTIONS[a].who not in (LEADER, PARTNER) for a in actions),
        "timeline": selectors.problem_timeline(user=request.user, problem=problem),
        "reporter": selectors.reporter_for_display(user=request.user, problem=problem),
        "today": timezone.localdate(), "escalation_colour": ESCALATION_COLOURS[problem.escalation_level],
        "attach_form": AttachForm(), "reveal_form": RevealForm(), "State": State,
        "sees_internal": may_see_internal(request.user),
        "pending_extension": next((e for e in problem.extensions.all() if e.status == "pending"), None),
        "evidence_seals": problem_evidence_seals(user=request.user, problem=problem),
    })


@login_required
def problem_action_view(request, pk, action):
    """GET: the form of one action of the table (a fragment for htmx); POST: carry it out through its service."""
    rule = PROBLEM_ACTIONS.rules.get(action)
    if rule is None or rule.form is None:
        raise Http404("没有这个操作。")
    problem = _get_problem_or_404(request.user, pk)
    form = rule.form(*((request.POST, request.FILES) if request.method == "POST" else ()), actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            PROBLEM_ACTIONS.run(action, actor=request.user, target=problem, data=form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已{rule.label}：{problem.number}")
            # After a write, re-check that the user may still see it (a unit that returned it no longer does).
            if not visible_problems(request.user).filter(pk=problem.pk).exists():
                return redirect("inbox")
            return redirect("problems:detail", pk=problem.pk)
    template = "problems/_action_form.html" if request.htmx else "problems/action.html"
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"nav": "problems", "problem": problem, "form": form, "action": action,
                                      "action_label": rule.label}, status=status)


@login_required
def red_list_view(request):
    """红色督办: the open problems at red (提级督办) grouped by responsible unit, each with its count and links."""
    groups = selectors.red_list_by_unit(user=request.user)
    states = sorted(OPEN_STATES)
    for group in groups:
        group.list_url = list_url_multi(lead_unit=group.unit_id or "null", escalation_level=EscalationLevel.RED,
                                        state=states)
    return render(request, "problems/red_list.html", {
        "nav": "red", "groups": groups, "total": sum(g.count for g in groups), "today": timezone.localdate(),
    })


@login_required
@require_POST
def attachment_upload_view(request, pk):
    problem = _get_problem_or_404(request.user, pk)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, problem=problem, upload=form.cleaned_data["file"],
                                    purpose=form.cleaned_data["purpose"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "附件已上传。")
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect("problems:detail", pk=problem.pk)


@login_required
def attachment_download_view(request, pk):
    """Serve a private file only after the access check; the download is logged."""
    try:
        attachment = access_attachment(request.user, pk)
    except NotFound as exc:
        raise Http404("未找到该附件，或您无权查看。") from exc
    services.attachment_record_download(actor=request.user, attachment=attachment)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=content_type_for(attachment.original_name))
    return _no_store(response)


@login_required
@require_POST
def reveal_reporter_view(request, pk):
    """Show the reporter's contact details once, after a reason is given (logged as a sensitive read)."""
    problem = _get_problem_or_404(request.user, pk)
    form = RevealForm(request.POST)
    revealed, error = None, None
    if form.is_valid():
        try:
            revealed = reveal_problem_reporter(user=request.user, problem=problem, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            error = exc.message
        except NotFound as exc:
            raise Http404("该问题没有来电人信息。") from exc
    else:
        error = "查看来电人联系方式须填写事由。"
    context = {"problem": problem, "revealed": revealed, "error": error, "reveal_form": form,
               "reporter": selectors.reporter_for_display(user=request.user, problem=problem)}
    if request.htmx:
        return _no_store(render(request, "problems/_reporter.html", context))
    if error:
        messages.error(request, error)
        return redirect("problems:detail", pk=problem.pk)
    return _no_store(render(request, "problems/reporter.html", {**context, "nav": "problems"}))


def _no_store(response):
    """Contact details and files must not stay in the browser's or a proxy's cache after the page is closed."""
    response["Cache-Control"] = "private, no-store"
    return response


def list_url_multi(**params) -> str:
    """Like list_url, for filters that take several values (e.g. states)."""
    return f"{reverse('problems:list')}?{urlencode(params, doseq=True)}"


def list_url(**params) -> str:
    """A link to the problem list with the given filters (used by other pages' drill-downs)."""
    return f"{reverse('problems:list')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"
