"""Checking an uploaded district boundary: a GeoJSON Polygon or MultiPolygon in longitude/latitude.

Accepts a bare geometry, a Feature or a FeatureCollection of exactly one feature; returns the geometry, or raises
ValidationError with a message a user can act on. Nothing is stored by this module.
"""
import json

from django.core.exceptions import ValidationError

MAX_POINTS = 50_000


def _ring(ring, where: str) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(f"{where}的边界环至少需要 4 个坐标点（首尾相同）。")
    for point in ring:
        if (not isinstance(point, list) or len(point) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])):
            raise ValidationError(f"{where}含有无效的坐标点，每个点应为 [经度, 纬度] 两个数字。")
        lng, lat = point[0], point[1]
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValidationError(f"{where}的坐标 [{lng}, {lat}] 超出经纬度范围，请使用 WGS 84 经纬度坐标。")
    if ring[0][:2] != ring[-1][:2]:
        raise ValidationError(f"{where}的边界环首尾坐标不一致，未闭合。")
    return len(ring)


def _polygon(rings, where: str) -> int:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(f"{where}没有边界环。")
    return sum(_ring(ring, where) for ring in rings)


def parse_boundary(text: str | bytes) -> dict:
    """The geometry of an uploaded GeoJSON text, checked."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("文件不是有效的 GeoJSON（JSON 格式有误）。") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ValidationError("GeoJSON 要素集合应恰好包含一个要素（本区划的边界）。")
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError("边界应为 GeoJSON 的面（Polygon）或多面（MultiPolygon）。")
    coordinates = data.get("coordinates")
    if data["type"] == "Polygon":
        points = _polygon(coordinates, "面")
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError("多面（MultiPolygon）没有任何面。")
        points = sum(_polygon(polygon, f"第 {i} 个面") for i, polygon in enumerate(coordinates, start=1))
    if points > MAX_POINTS:
        raise ValidationError(f"边界坐标点过多（{points} 个，最多 {MAX_POINTS} 个），请先简化后再上传。")
    return {"type": data["type"], "coordinates": coordinates}
