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


# ---- KPI snapshots (domain §10): a precomputation of problems.kpis, exact as of any day (see snapshots.py) ----

# The counted conditions, one column each in KpiFact (c_…) and KpiSnapshot (n_…); snapshots.COUNTED must list
# the same names (a test checks it).
COUNTED_NAMES = ("received", "closed", "closed_on_time", "closed_or_overdue", "overdue", "open", "dispatched",
                 "signed_on_time", "reviewed", "rejected", "urged", "duplicates", "red_open")


class KpiFact(models.Model):
    """What one problem contributes to the KPIs once every date it has passed (its conditions as of the far future),
    with its grouping keys and the day from which that contribution holds. Recomputed after every write of its
    problem: by the worker's fold on PostgreSQL (KpiDirty lists the problem meanwhile), by the save hook elsewhere."""

    problem_id = models.BigIntegerField(primary_key=True)  # no foreign key: a fact follows its problem's saves only
    received_on = models.DateField()
    district_path = models.CharField(max_length=255)  # the region path cut after the district (or the city's own)
    lead_unit_id = models.BigIntegerField(default=0)  # 0: no lead unit
    source_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    is_restricted = models.BooleanField(default=False)
    handle_deadline = models.DateField(null=True)
    latest_on = models.DateField()  # the local date of the latest timestamp a KPI condition reads
    locals().update({f"c_{name}": models.SmallIntegerField(default=0) for name in COUNTED_NAMES})

    class Meta:
        indexes = [models.Index(fields=["latest_on"], name="kpifact_latest_idx"),
                   models.Index(fields=["handle_deadline"], name="kpifact_deadline_idx"),
                   models.Index(fields=["is_restricted"], name="kpifact_restricted_idx",
                                condition=models.Q(is_restricted=True))]


class KpiDirty(models.Model):
    """A problem written since its fact was last computed. On PostgreSQL the problems' trigger lists every problem a
    statement writes here, which is all a transition pays; the worker's fold (snapshots.fold_dirty) then recomputes
    the listed facts and the snapshot and removes them. Until then counting treats a listed problem as late: its
    stored fact is taken out and the problem is counted live, so every figure stays exact as of now."""

    problem_id = models.BigIntegerField(primary_key=True)
    writes = models.BigIntegerField(default=1)  # bumped by every write: the write takes the row's lock (see the fold)


class KpiSnapshot(models.Model):
    """The sum of the facts of unrestricted problems received on one day in one district, split by one dimension:
    dim "" (the district only), "unit" (lead unit, 0 none), "source" or "category" (dim_value the id).

    A key may have several rows, whose sum is the key's count: a change is appended as rows of differences rather
    than added to the key's row in place, so no writer waits for a row that every change of that day and district
    shares. Readers sum by key anyway; compaction (snapshots.compact_snapshots, run by the worker) folds a key's rows
    back into one."""

    received_on = models.DateField()
    district_path = models.CharField(max_length=255)
    dim = models.CharField(max_length=10)
    dim_value = models.BigIntegerField(default=0)
    locals().update({f"n_{name}": models.IntegerField(default=0) for name in COUNTED_NAMES})

    class Meta:
        indexes = [models.Index(fields=["dim", "received_on", "district_path"], name="kpisnapshot_dim_day_idx")]


from .analysis.models import AnalysisRule  # noqa: E402,F401 -- 一键分析's rules live with the analysis
