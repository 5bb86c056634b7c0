"""Demo problem points lie inside their district's outline on the map (the Voronoi cell of the district centres)."""
import random
from types import SimpleNamespace

from qingshan.dashboards.cells import voronoi_cells
from qingshan.demo.history.intake import Intake

CENTRES = {1: (117.30, 30.20), 2: (117.42, 30.22), 3: (117.36, 30.31)}


def _in_polygon(x: float, y: float, ring: list) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_points_are_pulled_inside_their_district_cell_and_kept_when_already_inside():
    intake = SimpleNamespace(district_centres=CENTRES)
    cells = dict(zip(CENTRES, voronoi_cells(list(CENTRES.values())), strict=True))
    rng = random.Random(7)
    moved = 0
    for _ in range(500):
        district = rng.choice(list(CENTRES))
        cx, cy = CENTRES[district]
        point = (cx + rng.uniform(-0.09, 0.09), cy + rng.uniform(-0.075, 0.075))  # town jitter + point jitter
        x, y = Intake._inside(intake, district, *point)
        assert _in_polygon(x, y, cells[district]["coordinates"][0]), (district, point, (x, y))
        moved += (x, y) != point
        if _in_polygon(*point, cells[district]["coordinates"][0]):
            assert (x, y) == point  # a point already inside is left where it is
    assert moved  # the case the pull exists for does occur
