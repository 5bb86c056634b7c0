"""一键分析 and the 体检报告 pages and their Word files: thin, the reading is in engine.py and health.py."""
import time

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from qingshan.access.problems import may_see_internal
from qingshan.access.units import access_health_unit, health_units
from qingshan.core.errors import NotFound
from qingshan.core.overview import Scope

from ..selectors import overview_districts
from ..views import FORBIDDEN_MESSAGE
from .engine import analyse
from .forms import AnalysisForm, HealthForm
from .health import unit_health
from .word import analysis_docx, health_docx

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
        started = time.perf_counter()
        context["analysis"] = analyse(_scope(request, form))
        context["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
        context["scope_name"] = _scope_name(form, districts)
        context["query"] = request.GET.urlencode()
        context["docx_url"] = f"{reverse('dashboards:analysis_docx')}?{context['query']}"
    return render(request, "dashboards/analysis.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def analysis_docx_view(request):
    """The same analysis as a Word report."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form, districts = _analysis_form(request)
    if not form.is_valid():
        return HttpResponseBadRequest("筛选条件有误，未能生成报告：" + _errors(form),
                                      content_type="text/plain; charset=utf-8")
    analysis = analyse(_scope(request, form))
    return _docx_response(analysis_docx(analysis, scope_name=_scope_name(form, districts)),
                          f"一键分析报告_截至{analysis.scope.as_of.isoformat()}.docx")


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
        context.update(health=health, radar=health.radar(), query=request.GET.urlencode(),
                       docx_url=f"{reverse('dashboards:unit_health_docx', args=[unit.pk])}?{request.GET.urlencode()}")
    return render(request, "dashboards/health.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def unit_health_docx_view(request, pk):
    """The 体检报告 as a Word file."""
    if not may_see_internal(request.user):
        return _forbidden(request, HEALTH_FORBIDDEN)
    unit, form = _health(request, pk)
    if not form.is_valid():
        return HttpResponseBadRequest("筛选条件有误，未能生成报告：" + _errors(form),
                                      content_type="text/plain; charset=utf-8")
    health = unit_health(scope=_scope(request, form), unit=unit)
    return _docx_response(health_docx(health), f"{unit.name}体检报告_截至{health.scope.as_of.isoformat()}.docx")
