"""District boundaries for the offline map of 一图总览: one GeoJSON geometry per region (no online map tiles)."""
from django.db import models

from qingshan.orgs.models import Region


class RegionBoundary(models.Model):
    """A region's outline as a GeoJSON Polygon or MultiPolygon (WGS 84 longitude/latitude), checked on upload."""

    region = models.OneToOneField(Region, verbose_name="行政区划", on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField("边界（GeoJSON）")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "区划边界"
        ordering = ["region__code"]

    def __str__(self):
        return f"{self.region.name}边界"

from .analysis.models import AnalysisRule  # noqa: E402,F401 -- 一键分析's rules live with the analysis
