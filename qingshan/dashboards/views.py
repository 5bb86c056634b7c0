"""The KPI page (domain §10) and its Excel export; only the supervising side and leaders may open them."""
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from qingshan.access.problems import may_see_internal
from qingshan.core.overview import Scope

from .definitions import GENERAL_NOTES, kpi_definitions
from .excel import kpi_workbook, overview_workbook
from .forms import KpiFilterForm, OverviewForm
from .overview_page import build_overview, chart_data, chart_script, measures
from .selectors import GROUP_BY_LABELS, district_boundaries, kpi_table, overview_districts
from .tables import COLUMNS, display_rows

FORBIDDEN_MESSAGE = "统计分析仅向纪检监察机构工作人员和委领导开放，您的账号无权查看。"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table_rows(user, filters):
    """The KPI rows for validated filters: the page and its export show the same table."""
    return kpi_table(user=user, group_by=filters.group_by, received_from=filters.received_from,
                     received_to=filters.received_to, as_of=filters.as_of)


def _forbidden(request):
    return render(request, "dashboards/forbidden.html", {"message": FORBIDDEN_MESSAGE}, status=403)


@require_GET
@login_required
def kpi_view(request):
    """考核指标: the KPI table for the chosen grouping, period and as-of date; every number links to its list."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form = KpiFilterForm.from_query(request.GET)
    context = {"nav": "kpi", "form": form, "columns": COLUMNS}
    if form.is_valid():
        filters = form.filters()
        rows = _table_rows(request.user, filters)
        context.update(filters=filters, rows=display_rows(rows, filters), group_label=GROUP_BY_LABELS[filters.group_by],
                       export_url=f"{reverse('dashboards:kpi_export')}?{urlencode(filters.query())}")
    if request.htmx:
        # htmx swaps only 2xx answers: the table's error message must arrive as one.
        return render(request, "dashboards/_kpi_table.html", context)
    rates, counts = kpi_definitions()
    context.update(rate_definitions=rates, count_definitions=counts, general_notes=GENERAL_NOTES)
    return render(request, "dashboards/kpi.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def kpi_export_view(request):
    """The same KPI table as an Excel file, for the same filters."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form = KpiFilterForm.from_query(request.GET)
    if not form.is_valid():
        messages = [m for errors in form.errors.values() for m in errors]
        return HttpResponseBadRequest("筛选条件有误，未能导出：" + "；".join(messages),
                                      content_type="text/plain; charset=utf-8")
    filters = form.filters()
    rows = _table_rows(request.user, filters)
    response = HttpResponse(kpi_workbook(rows, filters), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"问题办理情况统计_截至{filters.as_of.isoformat()}.xlsx")
    return response


def _overview_form(request):
    districts = overview_districts(request.user)
    form = OverviewForm.from_query(request.GET, districts=districts, measures=measures())
    return form, districts


def _scope(request, form) -> Scope:
    data = form.cleaned_data
    return Scope(user=request.user, received_from=data["received_from"], received_to=data["received_to"],
                 as_of=data["as_of"], region_id=data["region"])


@require_GET
@login_required
def overview_view(request):
    """一图总览: the map of districts shaded by a measure, the figures, trends and splits; every number a link."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form, districts = _overview_form(request)
    context = {"nav": "overview", "form": form}
    if form.is_valid():
        overview = build_overview(_scope(request, form), districts, form.cleaned_data["measure"])
        chart = chart_data(overview, reverse("dashboards:overview_boundaries"))
        context.update(overview=overview, chart=chart, chart_script=chart_script(chart, "overview-data"),
                       export_url=f"{reverse('dashboards:overview_export')}?{request.GET.urlencode()}")
    return render(request, "dashboards/overview.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def overview_boundaries_view(request):
    """The outlines of the districts the user's overview shows, as one GeoJSON FeatureCollection."""
    if not may_see_internal(request.user):
        return JsonResponse({"error": FORBIDDEN_MESSAGE}, status=403)
    features = [{"type": "Feature", "geometry": b.geometry,
                 "properties": {"name": b.region.name, "code": b.region.code, "id": b.region.pk}}
                for b in district_boundaries(overview_districts(request.user))]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@login_required
def overview_export_view(request):
    """The overview's figures as an Excel file, for the same filters."""
    if not may_see_internal(request.user):
        return _forbidden(request)
    form, districts = _overview_form(request)
    if not form.is_valid():
        messages = [m for errors in form.errors.values() for m in errors]
        return HttpResponseBadRequest("筛选条件有误，未能导出：" + "；".join(messages),
                                      content_type="text/plain; charset=utf-8")
    overview = build_overview(_scope(request, form), districts, form.cleaned_data["measure"])
    response = HttpResponse(overview_workbook(overview), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"一图总览_截至{overview.scope.as_of.isoformat()}.xlsx")
    return response
