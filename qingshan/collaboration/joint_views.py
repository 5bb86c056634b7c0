"""Pages of 协同监督检查 and 联合约谈: lists, a new one, and one record with its steps. Thin: reads through the
access module, every change through the services in inspections.py and interviews.py."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qingshan.access.actors import profile_of
from qingshan.access.collaboration import (
    access_finding_photo,
    access_inspection,
    access_interview,
    access_partner_transfer,
    may_complete,
    may_lead,
    may_receive,
    may_record_finding,
    may_review_transfer,
    visible_findings,
    visible_inspections,
    visible_interviews,
    visible_partner_transfers,
)
from qingshan.access.problems import visible_problems
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.core.paging import BoundedPaginator
from qingshan.core.uploads import content_type_for

from . import inspections, interviews, partners
from .joint_forms import (
    CommitForm,
    DismissForm,
    FindingForm,
    InspectionForm,
    InterviewForm,
    PartnerTransferForm,
    ResultForm,
    ReviewForm,
    SiteForm,
    SummaryForm,
    TeamForm,
)


def _errors(form) -> str:
    return "；".join(e for errors in form.errors.values() for e in errors)


def _field_of(exc, form):
    field = getattr(exc, "field", None)
    return field if field in form.fields else None


def _inspection_or_404(user, pk):
    try:
        return access_inspection(user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _interview_or_404(user, pk):
    try:
        return access_interview(user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


# ---------------------------------------------------------------- 协同监督检查


@login_required
def inspection_list_view(request):
    rows = (visible_inspections(request.user).select_related("led_by")
            .annotate(site_count=Count("sites", distinct=True)).order_by("-starts_on", "-pk"))
    page = BoundedPaginator(rows, 30, bound=5000).get_page(request.GET.get("page"))
    return render(request, "collaboration/inspection_list.html", {
        "nav": "collaboration", "page": page, "querystring": "",
        "may_create": bool(profile_of(request.user).supervising)})


@login_required
def inspection_create_view(request):
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机构的工作人员可以制定协同监督检查计划。")
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspections.inspection_create(actor=request.user, **form.cleaned_data)
        except (ServiceError, PermissionRefused) as exc:
            form.add_error(_field_of(exc, form), str(exc))
        else:
            messages.success(request, "检查计划已制定。")
            return redirect("collaboration:inspection", pk=inspection.pk)
    return render(request, "collaboration/inspection_create.html", {"nav": "collaboration", "form": form},
                  status=400 if form.errors else 200)


@login_required
def inspection_detail_view(request, pk):
    inspection = _inspection_or_404(request.user, pk)
    leader = may_lead(request.user, inspection)
    sites = list(inspection.sites.select_related("team", "region").order_by("visit_on", "pk"))
    findings = list(visible_findings(request.user).filter(site__inspection=inspection)
                    .select_related("site", "category", "recorded_by", "problem").prefetch_related("photos"))
    recordable = [s for s in sites if may_record_finding(request.user, s)]
    return render(request, "collaboration/inspection_detail.html", {
        "nav": "collaboration", "i": inspection, "leader": leader, "sites": sites, "findings": findings,
        "teams": inspection.teams.select_related("leader").prefetch_related("members"),
        "participants": inspection.participants.order_by("name"),
        "team_form": TeamForm(inspection=inspection), "site_form": SiteForm(inspection=inspection),
        "finding_form": _finding_form(inspection, recordable), "may_record": bool(recordable),
        "summary_form": SummaryForm(), "dismiss_form": DismissForm()})


def _finding_form(inspection, sites, data=None, files=None):
    form = FindingForm(data, files, inspection=inspection)
    form.fields["site"].queryset = form.fields["site"].queryset.filter(pk__in=[s.pk for s in sites])
    return form


@login_required
@require_POST
def inspection_action_view(request, pk, action):
    inspection = _inspection_or_404(request.user, pk)
    try:
        if action == "team":
            form = TeamForm(request.POST, inspection=inspection)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            inspections.inspection_add_team(actor=request.user, inspection=inspection, **form.cleaned_data)
            messages.success(request, "检查组已组建。")
        elif action == "site":
            form = SiteForm(request.POST, inspection=inspection)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            inspections.inspection_add_site(actor=request.user, inspection=inspection, **form.cleaned_data)
            messages.success(request, "检查点位已安排。")
        elif action == "start":
            inspections.inspection_start(actor=request.user, inspection=inspection)
            messages.success(request, "检查已开始。")
        elif action == "record":
            form = _finding_form(inspection, inspection.sites.all(), request.POST, request.FILES)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            inspections.finding_record(actor=request.user, **form.cleaned_data)
            messages.success(request, "检查发现已记录。")
        elif action == "finish":
            form = SummaryForm(request.POST)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            inspections.inspection_finish(actor=request.user, inspection=inspection, **form.cleaned_data)
            messages.success(request, "检查已完成。")
        else:
            raise Http404("没有这个操作。")
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect("collaboration:inspection", pk=inspection.pk)


@login_required
@require_POST
def finding_action_view(request, pk, action):
    finding = visible_findings(request.user).filter(pk=pk).first() if str(pk).isdigit() else None
    if finding is None:
        raise Http404("检查发现不存在或无权查看。")
    inspection_id = finding.site.inspection_id
    try:
        if action == "register":
            problem = inspections.finding_register(actor=request.user, finding=finding)
            messages.success(request, f"已立为问题 {problem.number}。")
        elif action == "dismiss":
            form = DismissForm(request.POST)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            inspections.finding_dismiss(actor=request.user, finding=finding, **form.cleaned_data)
            messages.success(request, "已记录不予立项。")
        else:
            raise Http404("没有这个操作。")
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect("collaboration:inspection", pk=inspection_id)


@login_required
def finding_photo_view(request, pk):
    """Serve a finding's photo only after the access check; the download is logged."""
    try:
        photo = access_finding_photo(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    inspections.finding_photo_record_download(actor=request.user, photo=photo)
    response = FileResponse(photo.file.open("rb"), as_attachment=not photo.is_image, filename=photo.original_name,
                            content_type=content_type_for(photo.original_name))
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- 联合约谈


@login_required
def interview_list_view(request):
    rows = (visible_interviews(request.user).select_related("led_by")
            .annotate(commitment_count=Count("commitments", distinct=True)).order_by("-held_on", "-pk"))
    page = BoundedPaginator(rows, 30, bound=5000).get_page(request.GET.get("page"))
    return render(request, "collaboration/interview_list.html", {
        "nav": "collaboration", "page": page, "querystring": "",
        "may_create": bool(profile_of(request.user).supervising)})


@login_required
def interview_create_view(request):
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机构的工作人员可以记录联合约谈。")
    form = InterviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            interview = interviews.interview_create(actor=request.user, problem_numbers=data.pop("problems"), **data)
        except (ServiceError, PermissionRefused) as exc:
            form.add_error(_field_of(exc, form), str(exc))
        else:
            messages.success(request, "联合约谈已记录。")
            return redirect("collaboration:interview", pk=interview.pk)
    return render(request, "collaboration/interview_create.html", {"nav": "collaboration", "form": form},
                  status=400 if form.errors else 200)


@login_required
def interview_detail_view(request, pk):
    interview = _interview_or_404(request.user, pk)
    commitments = list(interview.commitments.select_related("problem", "rectification_item", "task__assignee"))
    for c in commitments:
        if c.task is not None:
            c.task.may_complete = c.task.state == "open" and may_complete(request.user, c.task)
    return render(request, "collaboration/interview_detail.html", {
        "nav": "collaboration", "iv": interview, "leader": may_lead(request.user, interview),
        "parties": interview.parties.select_related("organisation"), "problems": interview.problems.order_by("number"),
        "commitments": commitments, "commit_form": CommitForm(interview=interview)})


@login_required
@require_POST
def interview_commit_view(request, pk):
    interview = _interview_or_404(request.user, pk)
    form = CommitForm(request.POST, interview=interview)
    try:
        if not form.is_valid():
            raise ServiceError(_errors(form))
        commitment = interviews.interview_commit(actor=request.user, interview=interview, **form.cleaned_data)
        if commitment.rectification_item:
            messages.success(request, f"已建立整改事项 {commitment.rectification_item.number}。")
        else:
            messages.success(request, f"已交{commitment.task.assignee}办理，期限 {commitment.deadline:%Y-%m-%d}。")
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect("collaboration:interview", pk=interview.pk)


# ---------------------------------------------------------------- 移送协作单位 with a feedback deadline


@login_required
def partner_transfer_list_view(request):
    """Transfers to the user's partner body, or of the problems the user supervises; supervisors send from here."""
    sender = bool(profile_of(request.user).supervising)
    form = PartnerTransferForm(request.POST or None)
    if request.method == "POST":
        if not sender:
            raise PermissionDenied("只有纪检监察机构的工作人员可以移送协作单位。")
        if form.is_valid():
            data = dict(form.cleaned_data)
            problem = visible_problems(request.user).filter(number=data.pop("problem_number").strip()).first()
            try:
                if problem is None:
                    raise ServiceError("问题不存在或无权查看。", field="problem_number")
                transfer = partners.partner_transfer_send(actor=request.user, problem=problem, **data)
            except (ServiceError, PermissionRefused) as exc:
                form.add_error(_field_of(exc, form), str(exc))
            else:
                messages.success(request, f"已移送{transfer.partner}，反馈期限 {transfer.feedback_deadline:%Y-%m-%d}。")
                return redirect("collaboration:partner_transfer", pk=transfer.pk)
    rows = visible_partner_transfers(request.user).select_related("partner", "sender_org").order_by("-sent_at", "-pk")
    page = BoundedPaginator(rows, 30, bound=5000).get_page(request.GET.get("page"))
    return render(request, "collaboration/partner_transfer_list.html", {
        "nav": "collaboration", "page": page, "querystring": "", "sender": sender, "form": form,
        "today": timezone.localdate()}, status=400 if form.errors else 200)


@login_required
def partner_transfer_detail_view(request, pk):
    try:
        transfer = access_partner_transfer(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    reviewer = may_review_transfer(request.user, transfer)
    return render(request, "collaboration/partner_transfer_detail.html", {
        "nav": "collaboration", "t": transfer, "receiver": may_receive(request.user, transfer), "reviewer": reviewer,
        # Only the sending side is shown the problem itself; the partner reads the copy it was sent.
        "problem": transfer.problem if reviewer or visible_problems(request.user).filter(
            pk=transfer.problem_id).exists() else None,
        "result_form": ResultForm(), "review_form": ReviewForm(), "today": timezone.localdate()})


@login_required
@require_POST
def partner_transfer_action_view(request, pk, action):
    try:
        transfer = access_partner_transfer(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        if action == "sign":
            partners.partner_transfer_sign(actor=request.user, transfer=transfer)
            messages.success(request, "已签收。")
        elif action == "feedback":
            form = ResultForm(request.POST)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            partners.partner_transfer_feedback(actor=request.user, transfer=transfer, **form.cleaned_data)
            messages.success(request, "办理结果已反馈。")
        elif action in ("accept", "send_back"):
            form = ReviewForm(request.POST)
            if not form.is_valid():
                raise ServiceError(_errors(form))
            if action == "accept":
                partners.partner_transfer_accept(actor=request.user, transfer=transfer,
                                                 opinion=form.cleaned_data["opinion"])
                messages.success(request, "已审核通过。")
            else:
                partners.partner_transfer_send_back(actor=request.user, transfer=transfer,
                                                    opinion=form.cleaned_data["opinion"],
                                                    days=form.cleaned_data["days"] or 5)
                messages.success(request, "已退回补充。")
        elif action == "urge":
            partners.partner_transfer_urge(actor=request.user, transfer=transfer)
            messages.success(request, "已催办。")
        else:
            raise Http404("没有这个操作。")
    except (ServiceError, PermissionRefused) as exc:
        messages.error(request, str(exc))
    return redirect("collaboration:partner_transfer", pk=transfer.pk)
