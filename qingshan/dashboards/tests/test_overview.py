"""一图总览: every figure equals its drill-down list, visibility by jurisdiction, boundaries, export, query counts.

The data set is the hand-built history of conftest.py (period 2026-01-01..04-30, as of 04-30): received A B C G D E H
(F merged, J before the period); D (江岸区) is overdue and escalated red; E (江岸区) and G (city level) are open;
H (绿水区青山街道) is closed on time.
"""
import datetime as dt
import io
import json
from html.parser import HTMLParser
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import json_script

from qingshan.audit.models import AuditEvent
from qingshan.core.choices import EscalationLevel
from qingshan.core.errors import PermissionRefused
from qingshan.core.registry import declared
from qingshan.dashboards.cells import voronoi_cells
from qingshan.dashboards.geojson import parse_boundary
from qingshan.dashboards.models import RegionBoundary
from qingshan.dashboards.overview_page import chart_script
from qingshan.dashboards.services import boundary_save
from qingshan.problems import services
from qingshan.problems.selectors import problem_list
from qingshan.problems.testing.flows import new_problem
from qingshan.supervision.choices import Stage

from .conftest import d, dispatch, on

URL = "/dashboards/overview/"
PERIOD = {"received_from": "2026-01-01", "received_to": "2026-04-30", "as_of": "2026-04-30"}
MEASURE_KEYS = ["received", "overdue", "on_time_closure_rate", "open", "closure_rate", "red_open"]
SQUARE = {"type": "Polygon", "coordinates": [[[117.0, 30.0], [117.1, 30.0], [117.1, 30.1], [117.0, 30.1],
                                              [117.0, 30.0]]]}


class Links(HTMLParser):
    """(href, text) of every link on the page inside <main>-level content (cards and tables)."""

    def __init__(self):
        super().__init__()
        self.links, self._href, self._text = [], None, ""

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href", "")
        if tag == "a" and href.startswith(reverse("problems:list") + "?"):
            self._href, self._text = href, ""

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text.strip()))
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            self._text += data


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, {**PERIOD, **params})


def listed(user, href) -> int:
    problems, filterset = problem_list(user=user, params=QueryDict(urlsplit(href).query))
    assert filterset.is_valid(), (href, filterset.errors)
    return problems.count()


@pytest.fixture
def overview_world(history):
    w = history
    with on(d(4, 21)):
        services.problem_escalate(actor=w.officer, problem=w.p.D, level=EscalationLevel.RED, reason="严重超期")
    with on(d(3, 2)):  # a located problem in 江岸区, open, for the map's points
        p = new_problem(w, title="K 有坐标", region=w.jiangan)
        type(p).objects.filter(pk=p.pk).update(lng="117.380000", lat="30.250000")
        w.p.K = dispatch(w, p, w.water, deadline=d(5, 30))
    for region in (w.lvshui, w.jiangan):
        RegionBoundary.objects.create(region=region, geometry=SQUARE)
    return w


def test_the_measures_are_declared_through_the_registry():
    """Each app's figures come through its own `overview.py`, in their declared order (problems, supervision's
    projects and report slots, rectification with its 红牌, instruments, accountability by form, model hits)."""
    stages = [f"projects_{stage}" for stage in Stage.values]
    slots = ["slots_on_time_rate", "slots_overdue"]
    rectification = ["rect_completion_rate", "rect_accepted", "rect_closed", "rect_overdue", "rect_rebound", "rect_red"]
    instruments = ["ins_issued", "ins_replied_on_time_rate", "ins_rectified_rate"]
    forms = ["interview", "reminder_talk", "admonition", "ordered_review", "circulated_criticism",
             "party_discipline", "government_sanction", "organisational", "judicial"]
    assert [m.key for m in sorted(declared("overview", "MEASURES"), key=lambda m: m.order)] == [
        *MEASURE_KEYS, *stages, "projects_at_risk", *slots, *rectification, *instruments, "acc_persons",
        *(f"acc_persons_{form}" for form in forms), "dc_hits", "dc_converted", "dc_converted_rate"]


def test_every_number_on_the_page_equals_its_list(client, overview_world):
    """For each map measure: every card, district, month, source and category link selects as many problems."""
    w = overview_world
    for measure in MEASURE_KEYS:
        response = page(client, w.leader, measure=measure)
        assert response.status_code == 200
        parser = Links()
        parser.feed(response.content.decode())
        checked = 0
        for href, text in parser.links:
            if text.endswith("%") or text == "—":
                continue  # a rate: its numerator and denominator are links of their own, checked here
            assert listed(w.leader, href) == int(text.replace(",", "")), (measure, href)
            checked += 1
        # 6 cards (2 rates with 2 parts) + months (2 × 3) + 2 sources + categories; districts when a count.
        assert checked >= 8 + 6 + 2


def test_figures_by_hand(client, overview_world):
    w = overview_world
    response = page(client, w.leader, measure="overdue")
    cards = {c.key: c for c in response.context["overview"].cards}
    assert {k: cards[k].figure.text for k in ("received", "overdue", "open", "red_open")} == {
        "received": "8", "overdue": "1", "open": "4", "red_open": "1"}
    assert (cards["on_time_closure_rate"].figure.text, cards["on_time_closure_rate"].numerator.text,
            cards["on_time_closure_rate"].denominator.text) == ("60.0%", "3", "5")
    districts = {x.name: x.text for x in response.context["overview"].districts}
    assert districts == {"绿水区": "0", "江岸区": "1"}
    months = {m["label"]: (m["received"], m["overdue"], m["closed"]) for m in response.context["overview"].months}
    assert months == {"2026年3月": (7, 1, 4), "2026年4月": (1, 0, 0)}
    rates = page(client, w.leader, measure="on_time_closure_rate").context["overview"].districts
    assert {x.name: (x.text, x.detail) for x in rates} == {"绿水区": ("100.0%", "1/1"), "江岸区": ("0.0%", "0/1")}
    chart = response.context["chart"]
    assert chart["points"] == [{"lng": 117.38, "lat": 30.25, "name": f"{w.p.K.number} K 有坐标",
                                "url": reverse("problems:detail", args=[w.p.K.pk])}]


def test_a_chosen_district_narrows_every_figure(client, overview_world):
    w = overview_world
    response = page(client, w.leader, region=w.jiangan.pk)
    cards = {c.key: c.figure.text for c in response.context["overview"].cards}
    assert (cards["received"], cards["overdue"], cards["open"]) == ("3", "1", "3")  # D, E, K
    assert [x.name for x in response.context["overview"].districts] == ["江岸区"]
    parser = Links()
    parser.feed(response.content.decode())
    for href, text in parser.links:
        assert f"region={w.jiangan.pk}" in href
        if text[-1:].isdigit():
            assert listed(w.leader, href) == int(text), href


def test_a_district_commission_sees_only_its_jurisdiction(client, overview_world):
    w = overview_world
    response = page(client, w.district_staff)
    assert response.status_code == 200
    overview = response.context["overview"]
    assert [x.name for x in overview.districts] == ["绿水区"]
    cards = {c.key: c.figure.text for c in overview.cards}
    assert (cards["received"], cards["overdue"], cards["red_open"]) == ("1", "0", "0")  # H only
    assert "江岸区" not in response.content.decode()
    # Another district cannot be asked for, and its outline is not served.
    refused = page(client, w.district_staff, region=w.jiangan.pk)
    assert refused.status_code == 400
    assert "请选择您有权查看的区划。" in refused.content.decode()
    outlines = client.get(reverse("dashboards:overview_boundaries")).json()
    assert [f["properties"]["name"] for f in outlines["features"]] == ["绿水区"]


def test_a_unit_sees_no_overview(client, world):
    client.force_login(world.eco_handler)
    for name in ("overview", "overview_boundaries", "overview_export"):
        assert client.get(reverse(f"dashboards:{name}"), PERIOD).status_code == 403


def test_boundaries_are_served_as_geojson(client, world):
    for region in (world.jiangan, world.lvshui):
        RegionBoundary.objects.create(region=region, geometry=SQUARE)
    client.force_login(world.leader)
    data = client.get(reverse("dashboards:overview_boundaries")).json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in data["features"]] == ["绿水区", "江岸区"]
    assert data["features"][0]["geometry"] == SQUARE


def test_bad_filters_are_refused_in_chinese(client, world):
    response = page(client, world.leader, received_from="2026-05-01", measure="nonsense")
    assert response.status_code == 400
    html = response.content.decode()
    assert "受理日期起不能晚于受理日期止。" in html or "请选择有效的地图指标。" in html
    assert "请选择有效的地图指标。" in html


def test_query_count_does_not_grow_with_the_data(client, overview_world, assert_query_baseline):
    w = overview_world
    client.force_login(w.leader)
    with assert_query_baseline("overview page"):
        client.get(URL, PERIOD)
    with on(d(3, 2)):
        for region in (w.lvshui, w.jiangan, w.town):
            dispatch(w, new_problem(w, title="又一个", region=region), w.water)
    with assert_query_baseline("overview page"):
        client.get(URL, PERIOD)


def test_excel_export_has_the_page_figures(client, overview_world):
    w = overview_world
    client.force_login(w.leader)
    response = client.get(reverse("dashboards:overview_export"), PERIOD)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["总体指标", "分区县", "按月趋势", "按来源", "按类别"]
    figures = {row[0]: row[1:] for row in book["总体指标"].iter_rows(min_row=4, values_only=True)}
    assert figures["超期数"][0] == "1" and figures["按期办结率"] == ("60.0%", "3", "5")
    districts = list(book["分区县"].iter_rows(values_only=True))
    assert districts[0][:3] == ("区县", "受理数", "超期数")
    assert districts[2][:3] == ("江岸区", "3", "1")


# ---- boundaries: validation, the service, the demo's cells ----

def test_parse_boundary_accepts_geometry_feature_and_single_feature_collection():
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    for data in (SQUARE, feature, {"type": "FeatureCollection", "features": [feature]}):
        assert parse_boundary(json.dumps(data)) == SQUARE


@pytest.mark.parametrize(("text", "message"), [
    ("{不是 json", "JSON 格式有误"),
    (json.dumps({"type": "Point", "coordinates": [117, 30]}), "面（Polygon）或多面"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "恰好包含一个要素"),
    (json.dumps({"type": "Polygon", "coordinates": [[[117, 30], [118, 30], [117, 30]]]}), "至少需要 4 个坐标点"),
    (json.dumps({"type": "Polygon", "coordinates": [[[117, 30], [118, 30], [118, 31], [117, 31]]]}), "未闭合"),
    (json.dumps({"type": "Polygon", "coordinates": [[[500, 30], [118, 30], [118, 31], [500, 30]]]}), "超出经纬度"),
    (json.dumps({"type": "Polygon", "coordinates": [[["a", 30], [118, 30], [118, 31], ["a", 30]]]}), "无效的坐标点"),
])
def test_parse_boundary_refuses_bad_geojson_with_a_reason(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_boundary(text)


def test_boundary_save_is_for_administrators_and_audited(world):
    with pytest.raises(PermissionRefused):
        boundary_save(actor=world.leader, region=world.lvshui, text=json.dumps(SQUARE))
    assert not RegionBoundary.objects.exists()
    admin = type(world.leader).objects.create_superuser("root", password="x-Long-Enough-1")
    boundary = boundary_save(actor=admin, region=world.lvshui, text=json.dumps(SQUARE))
    boundary_save(actor=admin, region=world.lvshui, text=json.dumps({"type": "Feature", "geometry": SQUARE}))
    assert RegionBoundary.objects.get().pk == boundary.pk
    events = AuditEvent.objects.filter(object_type="dashboards.region_boundary", object_id=boundary.pk)
    assert [e.action for e in events.order_by("pk")] == ["create", "update"]
    with pytest.raises(ValidationError, match="未闭合"):
        boundary_save(actor=admin, region=world.jiangan, text=json.dumps(
            {"type": "Polygon", "coordinates": [[[117, 30], [118, 30], [118, 31], [117, 31]]]}))
    assert RegionBoundary.objects.count() == 1


def _inside(point, ring) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_voronoi_cells_hold_their_own_centre_only_and_are_deterministic():
    centres = [(117.30, 30.21), (117.22, 30.16), (117.38, 30.25), (117.45, 30.12), (117.02, 30.05)]
    cells = voronoi_cells(centres)
    assert cells == voronoi_cells(centres)
    for i, cell in enumerate(cells):
        ring = cell["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert parse_boundary(json.dumps(cell)) == cell
        assert [_inside(c, ring) for c in centres] == [j == i for j in range(len(centres))]


def test_an_administrator_uploads_a_boundary_in_the_admin(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = type(world.leader).objects.create_superuser("root", password="x-Long-Enough-1")
    client.force_login(admin)
    url = reverse("admin:dashboards_regionboundary_add")
    bad = SimpleUploadedFile("b.geojson", b'{"type": "Point", "coordinates": [117, 30]}')
    response = client.post(url, {"region": world.jiangan.pk, "upload": bad})
    assert response.status_code == 200
    assert "边界应为 GeoJSON 的面（Polygon）或多面（MultiPolygon）。" in response.content.decode()
    assert not RegionBoundary.objects.exists()
    city = SimpleUploadedFile("c.geojson", json.dumps(SQUARE).encode())
    response = client.post(url, {"region": world.city.pk, "upload": city})
    assert "只能为区县或乡镇街道上传边界" in response.content.decode()
    good = SimpleUploadedFile("g.geojson", json.dumps({"type": "Feature", "geometry": SQUARE}).encode())
    response = client.post(url, {"region": world.jiangan.pk, "upload": good})
    assert response.status_code == 302
    boundary = RegionBoundary.objects.get()
    assert (boundary.region, boundary.geometry) == (world.jiangan, SQUARE)
    assert AuditEvent.objects.filter(object_type="dashboards.region_boundary", actor=admin).count() == 1


def test_a_measure_declared_by_another_app_joins_the_page_without_changes(client, world, monkeypatch):
    """A later capability declares MEASURES in its own overview.py: its card, map choice and district figures show."""
    from qingshan.core.overview import TOTAL, Value
    from qingshan.dashboards import overview, overview_page

    class Rectifications:
        key, label, kind, order, higher_is_better = "open_rectifications", "未完成整改", "count", 70, False

        def by_district(self, scope):
            return {TOTAL: Value(5), world.jiangan.path: Value(5)}

        def list_url(self, scope, region_id, part="numerator"):
            return f"/rectification/?region={region_id or ''}"

    monkeypatch.setattr(overview_page, "declared", lambda contract, attribute: [*overview.MEASURES,
                                                                               Rectifications()])
    response = page(client, world.leader, measure="open_rectifications")
    assert response.status_code == 200
    cards = {c.key: c.figure for c in response.context["overview"].cards}
    assert (cards["open_rectifications"].text, cards["open_rectifications"].url) == ("5", "/rectification/?region=")
    districts = {x.name: (x.text, x.url) for x in response.context["overview"].districts}
    assert districts["江岸区"] == ("5", f"/rectification/?region={world.jiangan.pk}")
    assert districts["绿水区"] == ("0", f"/rectification/?region={world.lvshui.pk}")
    assert '<option value="open_rectifications" selected>未完成整改</option>' in response.content.decode()


def test_the_chart_data_script_is_what_json_script_writes():
    data = {"title": "</script><b>&'\"\u2028 标题", "values": [1, None, 2.5], "day": dt.date(2026, 1, 1)}
    assert chart_script(data, "overview-data") == json_script(data, "overview-data")
