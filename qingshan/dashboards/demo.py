"""Demo part of 统计分析: outlines of the demo city's districts for the overview map (Voronoi cells of their centres),
and the KPI snapshots of the generated history (written in bulk, without the save hook that keeps them).

Like the rest of the generated city this writes data, not actions (no audit event); each outline passes the same
check as an upload. This part runs last, after every part that adds problems.
"""
import json

from .cells import voronoi_cells
from .geojson import parse_boundary
from .models import RegionBoundary
from .snapshots import rebuild_snapshots


def seed(*, city, rng, end, stdout) -> str:
    regions = [district.region for district in city.districts]
    cells = voronoi_cells([(float(r.centre_lng), float(r.centre_lat)) for r in regions])
    RegionBoundary.objects.bulk_create(RegionBoundary(region=region, geometry=parse_boundary(json.dumps(cell)))
                                       for region, cell in zip(regions, cells, strict=True))
    counted = rebuild_snapshots()
    return (f"统计分析：{len(regions)} 个区县的示意边界（按区县中心生成，供一图总览的离线地图使用），"
            f"{counted} 个问题的指标快照")
