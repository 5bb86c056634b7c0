"""Simple district outlines from district centres: Voronoi cells clipped to a box around them (deterministic).

Used by the demo city, which has centres but no surveyed boundaries. A real deployment uploads its own GeoJSON.
"""
Point = tuple[float, float]


def _clip(polygon: list[Point], a: Point, b: Point) -> list[Point]:
    """The part of the convex `polygon` nearer to `a` than to `b` (Sutherland–Hodgman against the bisector)."""
    nx, ny = b[0] - a[0], b[1] - a[1]
    mid = (a[0] + b[0]) / 2 * nx + (a[1] + b[1]) / 2 * ny

    def side(p: Point) -> float:
        return mid - (p[0] * nx + p[1] * ny)  # >= 0: on a's side

    result: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        s_cur, s_prev = side(current), side(previous)
        if (s_cur >= 0) != (s_prev >= 0):
            t = s_prev / (s_prev - s_cur)
            result.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
        if s_cur >= 0:
            result.append(current)
    return result


def voronoi_cells(centres: list[Point], margin: float = 0.12) -> list[dict]:
    """One GeoJSON Polygon per centre, in order: the cells tile the centres' bounding box widened by `margin`."""
    xs, ys = [c[0] for c in centres], [c[1] for c in centres]
    box = [(min(xs) - margin, min(ys) - margin), (max(xs) + margin, min(ys) - margin),
           (max(xs) + margin, max(ys) + margin), (min(xs) - margin, max(ys) + margin)]
    cells = []
    for i, centre in enumerate(centres):
        cell = box
        for j, other in enumerate(centres):
            if i != j and other != centre:
                cell = _clip(cell, centre, other)
        ring = [[round(x, 6), round(y, 6)] for x, y in cell]
        cells.append({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    return cells
