"""GeoJSON polygons of grids and areas (网格) for routing: validation with Chinese messages, and point-in-polygon by
ray casting. Written here rather than adding shapely (not a dependency, and GEOS is a native library to ship to
every intranet host): routing needs only "is this point inside this polygon or multipolygon, holes excluded".

Coordinates are WGS-84/GCJ-02 longitude and latitude as the sender gives them; a grid's polygons must be drawn in
the same system as the alerts that are routed by it (the admin help text says so)."""
import json
from collections.abc import Sequence

Ring = list[tuple[float, float]]
Polygon = list[Ring]  # the outer ring, then its holes

MAX_POSITIONS = 50_000  # a district's boundary is a few thousand points; more is a mistake (or an attack)


class GeoJSONError(ValueError):
    """A GeoJSON text that cannot serve as a routing area; the message says why, in Chinese."""


def parse_area(text: str | bytes | dict) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection of those; GeoJSONError when
    it is not one, or when a ring is not closed, has fewer than four positions, or a position is out of range."""
    if isinstance(text, dict):
        data = text
    else:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise GeoJSONError("文件不是有效的 GeoJSON（JSON 格式错误）。") from exc
    polygons = _polygons(data)
    if not polygons:
        raise GeoJSONError("GeoJSON 中没有面（Polygon 或 MultiPolygon）。")
    if sum(len(ring) for polygon in polygons for ring in polygon) > MAX_POSITIONS:
        raise GeoJSONError(f"坐标点过多（最多 {MAX_POSITIONS} 个）。")
    return polygons


def _polygons(data: object) -> list[Polygon]:
    if not isinstance(data, dict):
        raise GeoJSONError("GeoJSON 应为一个对象。")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise GeoJSONError("FeatureCollection 缺少 features 列表。")
        return [p for feature in features for p in _polygons(feature)]
    if kind == "Feature":
        return _polygons(data.get("geometry"))
    if kind == "Polygon":
        return [_polygon(data.get("coordinates"))]
    if kind == "MultiPolygon":
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or not coordinates:
            raise GeoJSONError("MultiPolygon 的坐标应为面的列表。")
        return [_polygon(c) for c in coordinates]
    raise GeoJSONError(f"不支持的几何类型“{kind}”，只接受 Polygon 或 MultiPolygon。")


def _polygon(coordinates: object) -> Polygon:
    if not isinstance(coordinates, list) or not coordinates:
        raise GeoJSONError("面的坐标应为环的列表。")
    return [_ring(ring) for ring in coordinates]


def _ring(ring: object) -> Ring:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeoJSONError("每个环至少需要 4 个坐标点（首尾相同）。")
    points = []
    for position in ring:
        if (not isinstance(position, list | tuple) or len(position) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])):
            raise GeoJSONError("坐标点应为 [经度, 纬度] 数值。")
        lng, lat = float(position[0]), float(position[1])
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise GeoJSONError(f"坐标 [{lng}, {lat}] 超出经纬度范围。")
        points.append((lng, lat))
    if points[0] != points[-1]:
        raise GeoJSONError("环未闭合：首尾坐标点应相同。")
    return points


def bounds(polygons: Sequence[Polygon]) -> tuple[float, float, float, float]:
    """(min lng, min lat, max lng, max lat) of the outer rings: a cheap first test before ray casting."""
    lngs = [p[0] for polygon in polygons for p in polygon[0]]
    lats = [p[1] for polygon in polygons for p in polygon[0]]
    return min(lngs), min(lats), max(lngs), max(lats)


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    """Ray casting towards +lng: inside when the ray crosses the ring's edges an odd number of times. A point on
    an edge or vertex counts as inside (an alert on the line between two grids goes to one of them, not neither)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if _on_segment(lng, lat, x1, y1, x2, y2):
            return True
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < crossing:
                inside = not inside
    return inside


def _on_segment(px: float, py: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= px <= max(x1, x2) + 1e-12 and min(y1, y2) - 1e-12 <= py <= max(y1, y2) + 1e-12


def contains(polygons: Sequence[Polygon], lng: float, lat: float) -> bool:
    """Whether the point lies in one of the polygons (inside its outer ring and in none of its holes)."""
    for outer, *holes in polygons:
        if _in_ring(lng, lat, outer) and not any(_in_ring(lng, lat, h) and not _on_ring(lng, lat, h)
                                                 for h in holes):
            return True
    return False


def _on_ring(lng: float, lat: float, ring: Ring) -> bool:
    return any(_on_segment(lng, lat, x1, y1, x2, y2) for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
