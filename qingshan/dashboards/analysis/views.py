"""一键分析 and the 体检报告 pages and their Word files: thin, the reading is in engine.py and health.py."""
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from qingshan.access.problems import may_see_internal
from qingshan.access.units import access_health_unit, health_units
from qingshan.core.errors import NotFound
from qingshan.core.overview import Scope

from ..selectors import overview_districts
from ..views import FORBIDDEN_MESSAGE
from .engine import analyse
from .forms import AnalysisForm, HealthForm
from .health import unit_health
from .models import ReportJob
from .reports import report_file, report_job, report_request

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEALTH_FORBIDDEN = "单位体检报告仅向纪检监察机构工作人员和委领导开放，您的账号无权查看。"


def _forbidden(request, message=FORBIDDEN_MESSAGE):
    return render(request, "dashboards/forbidden.html", {"message": message}, status=403)


def _scope(request, form) -> Scope:
    data = form.cleaned_data
    return Scope(user=request.user, received_from=data["received_from"], received_to=data["received_to"],
                 as_of=data["as_of"], region_id=data.get("region"))


def _errors(form) -> str:
    return "；".join(m for errors in form.errors.values() for m in errors)


def _docx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _analysis_form(request):
    districts = overview_districts(request.user)
    return AnalysisForm.from_query(request.GET, districts=districts), districts


def _scope_name(form, districts) -> str:
    region = form.cleaned_data.get("region")
    return next((d.name for d in districts if d.pk == region), "全部可见范围")


@require_GET
@login_required
def analysis_view(request):
    """一键分析: the findings of the enabled rules for the chosen period and district, each figure a link."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form, districts = _analysis_form(request)
    context = {"nav": "overview", "form": form}
    if form.is_valid():
        context["analysis"] = analyse(_scope(request, form))
        context["scope_name"] = _scope_name(form, districts)
        context["query"] = request.GET.urlencode()
        context["report_url"] = f"{reverse('dashboards:analysis_report')}?{context['query']}"
    return render(request, "dashboards/analysis.html", context, status=200 if form.is_valid() else 400)


@require_POST
@login_required
def analysis_report_view(request):
    """Queue the analysis's Word report for the filters of the query string; then follow it on its job page."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form, _districts = _analysis_form(request)
    if not form.is_valid():
        return HttpResponseBadRequest("筛选条件有误，未能生成报告：" + _errors(form),
                                      content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    job = report_request(actor=request.user, kind=ReportJob.ANALYSIS, received_from=data["received_from"],
                         received_to=data["received_to"], as_of=data["as_of"], region_id=data.get("region"))
    return redirect("dashboards:report_job", job.pk)


@require_GET
@login_required
def unit_list_view(request):
    """The responsible units whose 体检报告 the user may open."""
    if not may_see_internal(request.user):
        return _forbidden(request, HEALTH_FORBIDDEN)
    units = health_units(request.user).select_related("region")
    return render(request, "dashboards/health_units.html", {"nav": "overview", "units": units,
                                                            "query": request.GET.urlencode()})


def _health(request, pk):
    try:
        unit = access_health_unit(request.user, pk)
    except NotFound as exc:
        raise Http404("没有找到该单位，或您无权查看其体检报告。") from exc
    form = HealthForm.from_query(request.GET, districts=[])
    return unit, form


@require_GET
@login_required
def unit_health_view(request, pk):
    """体检报告 of one unit: radar against the peers' median, trend, red items, narrative; printable on A4."""
    if not may_see_internal(request.user):
        return _forbidden(request, HEALTH_FORBIDDEN)
    unit, form = _health(request, pk)
    context = {"nav": "overview", "form": form, "unit": unit}
    if form.is_valid():
        health = unit_health(scope=_scope(request, form), unit=unit)
        query = request.GET.urlencode()
        context.update(health=health, radar=health.radar(), query=query,
                       report_url=f"{reverse('dashboards:unit_health_report', args=[unit.pk])}?{query}")
    return render(request, "dashboards/health.html", context, status=200 if form.is_valid() else 400)


@require_POST
@login_required
def unit_health_report_view(request, pk):
    """Queue the 体检报告's Word file for the filters of the query string."""
    if not may_see_internal(request.user):
        return _forbidden(request, HEALTH_FORBIDDEN)
    unit, form = _health(request, pk)
    if not form.is_valid():
        return HttpResponseBadRequest("筛选条件有误，未能生成报告：" + _errors(form),
                                      content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    job = report_request(actor=request.user, kind=ReportJob.HEALTH, received_from=data["received_from"],
                         received_to=data["received_to"], as_of=data["as_of"], unit=unit)
    return redirect("dashboards:report_job", job.pk)


@require_GET
@login_required
def report_job_view(request, pk):
    """A report's state (排队中 → 运行中 → 已完成 or 失败); the page refreshes itself until the job has ended."""
    try:
        job = report_job(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404("没有找到该报告任务。") from exc
    template = "dashboards/_report_job.html" if request.htmx else "dashboards/report_job.html"
    return render(request, template, {"nav": "overview", "job": job})


@require_GET
@login_required
def report_file_view(request, pk):
    """The finished report's Word file, for the person who asked for it only."""
    try:
        job = report_file(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404("没有找到该报告，或报告尚未生成完成。") from exc
    return _docx_response(bytes(job.content), job.filename)
