"""A small inline SVG map for located hits: the demo city's district centres and the hit, drawn by the app itself
(no tiles, nothing loaded from outside)."""
from qingshan.orgs.models import Region

WIDTH, HEIGHT, MARGIN = 480, 320, 30
LABEL_ROOM = 60  # room on the right for the last district's name


def hit_map(hit) -> dict | None:
    """Points to draw for a located hit (None when the hit has no location): districts labelled, the hit in red."""
    if hit.lng is None or hit.lat is None:
        return None
    root = hit.model.owner_org.region
    districts = [(r.name, float(r.centre_lng), float(r.centre_lat), r.pk == hit.region_id)
                 for r in Region.objects.filter(path__startswith=root.path, level=root.level + 1,
                                                centre_lng__isnull=False)]
    evidence = [(float(row["lng"]), float(row["lat"])) for row in hit.evidence
                if _number(row.get("lng")) and _number(row.get("lat"))]
    points = [(lng, lat) for _, lng, lat, _ in districts] + evidence + [(float(hit.lng), float(hit.lat))]
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    span = max(max_x - min_x, max_y - min_y, 0.01)

    def at(lng: float, lat: float) -> tuple[float, float]:
        # Same scale on both axes so distances look right; north is up.
        x = MARGIN + (lng - min_x) / span * (WIDTH - 2 * MARGIN - LABEL_ROOM)
        y = HEIGHT - MARGIN - (lat - min_y) / span * (HEIGHT - 2 * MARGIN)
        return round(x, 1), round(y, 1)

    return {
        "width": WIDTH, "height": HEIGHT,
        "districts": [{"name": name, "xy": at(lng, lat), "mine": mine} for name, lng, lat, mine in districts],
        "track": [at(lng, lat) for lng, lat in evidence],
        "hit": at(float(hit.lng), float(hit.lat)),
    }


def _number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
