"""The rules of 一键分析 as data: what is compared, against what, and the thresholds an administrator may tune."""
from django.db import models


class RuleKind(models.TextChoices):
    CHANGE_PREVIOUS = "change_prev", "环比变化"
    CHANGE_YEAR = "change_yoy", "同比变化"
    UNIT_OUTLIER = "unit_outlier", "单位异常"
    DISTRICT_OUTLIER = "district_outlier", "区县异常"
    OVERDUE = "overdue", "超期集中"
    REJECTED = "rejected", "发回重办集中"


# The figures a rule may read: KPI conditions (counts) and KPI rates of problems.kpis, by key.
MEASURE_CHOICES = [
    ("received", "受理数"),
    ("closed", "办结数"),
    ("overdue", "超期数"),
    ("rejected", "发回重办数"),
    ("urged", "催办数"),
    ("closure_rate", "办结率"),
    ("on_time_closure_rate", "按期办结率"),
    ("on_time_sign_rate", "按时签收率"),
    ("rejection_rate", "发回重办率"),
    ("urge_rate", "催办率"),
]


class AnalysisRule(models.Model):
    """One rule of 一键分析. Its meaning per kind (the thresholds are checked by services.rule_save):

    - 环比/同比变化: the measure moved by at least `threshold` (per cent for a count, percentage points for a rate)
      against the previous period / the same period a year earlier, whose base is at least `min_base`.
    - 单位/区县异常: the measure of a unit (district) lies on the bad side of its peers' median by at least `min_gap`
      percentage points and at least `threshold` robust standard deviations (1.4826 × MAD of the peers); only
      units with a denominator of at least `min_base` count, and only with at least `min_peers` peers.
    - 超期集中/发回重办集中: name the units with at least `threshold` overdue (rejected) problems.
    """

    code = models.SlugField("规则代码", max_length=40, unique=True)
    name = models.CharField("规则名称", max_length=60)
    kind = models.CharField("规则类型", max_length=20, choices=RuleKind.choices)
    measure = models.CharField("指标", max_length=30, choices=MEASURE_CHOICES)
    threshold = models.DecimalField("阈值", max_digits=7, decimal_places=2,
                                    help_text="变化类：计数为变化百分比，比率为百分点；异常类：稳健标准差倍数；集中类：件数下限")
    min_base = models.PositiveIntegerField("最小基数", default=5,
                                           help_text="变化类：对比期的件数（比率为分母）下限；异常类：参与比较的分母下限")
    min_peers = models.PositiveSmallIntegerField("最少可比对象数", default=5, help_text="仅异常类使用")
    min_gap = models.DecimalField("最小偏离（百分点）", max_digits=5, decimal_places=2, default=10,
                                  help_text="仅异常类使用：与可比对象中位数至少相差的百分点")
    enabled = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "一键分析规则"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name
