"""A small, fully known world for tests: the organisations and people of `orgs.testing` plus the work loop's
reference data (sources, categories, time limits).
"""
from types import SimpleNamespace

from qingshan.core.testing.uploads import PDF, PNG, WORLD_NOW, pdf, png
from qingshan.orgs.testing.world import build_org_world
from qingshan.problems.models import Category, Source, TimeLimitRule

# Tests import the uploads and the fixed "now" together with the world.
__all__ = ["PDF", "PNG", "WORLD_NOW", "build_world", "pdf", "png"]


def build_world() -> SimpleNamespace:
    """Create the shared test world and return its objects by name."""
    w = build_org_world(SimpleNamespace())
    w.hotline = Source.objects.create(code="12345", name="12345热线", has_citizen_reporter=True)
    w.inspection = Source.objects.create(code="inspection", name="现场检查")
    w.water_pollution = Category.objects.create(code="water", name="水污染")
    w.air_pollution = Category.objects.create(code="air", name="大气污染")
    TimeLimitRule.objects.create(sign_days=1, handle_days=15)
    TimeLimitRule.objects.create(source=w.hotline, sign_days=1, handle_days=10)
    return w
