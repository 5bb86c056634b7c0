"""Machine intake (domain §4 sources 视频监控 / 在线监测): registered senders with their own secret, the alerts they
post (each linked to the problem it created or joined), routing rules that dispatch automatically, and a log of
refused requests."""
from django.conf import settings
from django.db import models

from qingshan.core.choices import JobStatus

from .choices import AlertOutcome, Refusal


class Sender(models.Model):
    """A registered system that posts alerts (a camera platform, an online-monitoring system). Problems it raises are
    registered in the name of `account`, a staff account of the supervising commission kept for this sender."""

    code = models.SlugField("接入代码", max_length=40, unique=True,
                            help_text="请求头 X-Qingshan-Sender 携带此代码")
    name = models.CharField("接入方名称", max_length=100)
    organisation = models.ForeignKey("orgs.Organisation", verbose_name="接入方单位", on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记账号", on_delete=models.PROTECT,
                                related_name="+", help_text="以此纪检监察工作人员账号的名义登记问题、自动交办")
    source = models.ForeignKey("problems.Source", verbose_name="问题来源", on_delete=models.PROTECT, related_name="+")
    default_category = models.ForeignKey("problems.Category", verbose_name="默认问题类别", on_delete=models.PROTECT,
                                         related_name="+")
    default_region = models.ForeignKey("orgs.Region", verbose_name="默认所在区划", on_delete=models.PROTECT,
                                       related_name="+")
    secret_encrypted = models.TextField("签名密钥（加密）", editable=False)
    secret_sha256 = models.CharField("密钥摘要", max_length=64, editable=False, db_index=True, default="",
                                     help_text="Open311 以 api_key 识别接入方：只存摘要，用于查找")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "接入方"
        ordering = ["code"]

    def __str__(self):
        return self.name


class GridArea(models.Model):
    """A grid or area (网格) drawn as GeoJSON polygons, uploaded in the admin: a routing rule may name one, and then
    matches only alerts whose coordinates fall inside it. The bounding box is kept for a cheap first test."""

    name = models.CharField("网格名称", max_length=100, unique=True)
    region = models.ForeignKey("orgs.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    geojson = models.JSONField("范围（GeoJSON）",
                               help_text="Polygon 或 MultiPolygon（可为 Feature/FeatureCollection），"
                                         "经纬度须与接入方报送的坐标同一坐标系")
    min_lng = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lng = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "网格范围"
        ordering = ["region__path", "name"]

    def __str__(self):
        return self.name

    def polygons(self):
        from .geo import parse_area

        return parse_area(self.geojson)

    def contains(self, lng, lat) -> bool:
        """Whether the point (Decimal or float) lies in the area."""
        from .geo import contains

        x, y = float(lng), float(lat)
        if not (self.min_lng <= x <= self.max_lng and self.min_lat <= y <= self.max_lat):
            return False
        return contains(self.polygons(), x, y)


class RoutingRule(models.Model):
    """Alerts of `category` (any, when empty) in `region` or below (and, when `area` is set, with coordinates inside
    that grid's polygons) go straight to `lead_unit`; a grid rule wins over a region rule, then the most specific
    region, then the lower `priority` number."""

    sender = models.ForeignKey(Sender, verbose_name="接入方", on_delete=models.CASCADE, related_name="rules",
                               null=True, blank=True, help_text="留空则适用于所有接入方")
    category = models.ForeignKey("problems.Category", verbose_name="问题类别", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True, help_text="留空则适用于所有类别")
    region = models.ForeignKey("orgs.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(GridArea, verbose_name="网格", on_delete=models.PROTECT, related_name="rules", null=True,
                             blank=True, help_text="选择后，只有坐标落在该网格范围内的预警才适用本规则")
    lead_unit = models.ForeignKey("orgs.Organisation", verbose_name="主办单位", on_delete=models.PROTECT,
                                  related_name="+")
    priority = models.PositiveSmallIntegerField("优先级", default=100, help_text="数字越小越优先")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "自动交办规则"
        ordering = ["priority", "pk"]

    def __str__(self):
        return f"{self.category or '所有类别'} · {self.area or self.region} → {self.lead_unit}"


class Alert(models.Model):
    """One accepted alert. The same (sender, idempotency key) is stored once: a retry returns the first answer."""

    sender = models.ForeignKey(Sender, verbose_name="接入方", on_delete=models.PROTECT, related_name="alerts")
    idempotency_key = models.CharField("幂等键", max_length=100)
    alert_type = models.CharField("预警类型", max_length=100)
    device = models.CharField("设备编号", max_length=100, blank=True)
    occurred_at = models.DateTimeField("发生时间")
    location = models.CharField("位置", max_length=200, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    media_url = models.URLField("图像/视频链接", max_length=500, blank=True)
    payload = models.JSONField("原始内容")
    received_at = models.DateTimeField("接收时间", db_index=True)
    problem = models.ForeignKey("problems.Problem", verbose_name="问题", on_delete=models.PROTECT,
                                related_name="intake_alerts")
    outcome = models.CharField("处理结果", max_length=12, choices=AlertOutcome.choices)
    routed_by = models.ForeignKey(RoutingRule, verbose_name="命中规则", on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "接入预警"
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["sender", "idempotency_key"], name="uniq_alert_key")]
        indexes = [models.Index(fields=["sender", "device", "alert_type", "occurred_at"], name="alert_dedup_idx")]

    def __str__(self):
        return f"{self.sender.code}:{self.idempotency_key}"


class RefusedRequest(models.Model):
    """A request the webhook refused: kept so an administrator can see who is knocking, and why they were refused."""

    sender_code = models.CharField("接入代码", max_length=100, blank=True)
    reason = models.CharField("拒绝原因", max_length=20, choices=Refusal.choices)
    detail = models.CharField("说明", max_length=300, blank=True)
    remote_addr = models.GenericIPAddressField("来源地址", null=True, blank=True)
    size = models.PositiveIntegerField("请求大小（字节）", default=0)
    received_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "被拒绝的接入请求"
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.sender_code or '-'} {self.get_reason_display()}"


class DuplicateProposal(models.Model):
    """A new problem that reads like an open one of the same category nearby: proposed to the people who
    registered it, who merge it (并单, the work loop's own merge) or say it is another problem."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        MERGED = "merged", "已并单"
        DISMISSED = "dismissed", "不是重复"

    problem = models.ForeignKey("problems.Problem", verbose_name="新问题", on_delete=models.CASCADE,
                                related_name="duplicate_proposals")
    candidate = models.ForeignKey("problems.Problem", verbose_name="疑似重复的已有问题", on_delete=models.CASCADE,
                                  related_name="+")
    score = models.DecimalField("相似度", max_digits=4, decimal_places=3)
    distance_m = models.PositiveIntegerField("距离（米）", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decision_reason = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "疑似重复问题"
        ordering = ["-created_at", "-score"]
        constraints = [models.UniqueConstraint(fields=["problem", "candidate"], name="uniq_duplicate_proposal")]

    def __str__(self):
        return f"{self.problem_id} ≈ {self.candidate_id}"

    @property
    def pair(self):
        """The two problems, labelled, for the side-by-side view."""
        return (("新登记的问题", self.problem), ("已有的未办结问题", self.candidate))


class DedupCursor(models.Model):
    """How far the duplicate scan has read the problems (the highest problem id compared): one row."""

    last_problem_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "去重扫描进度"


# ---------------------------------------------------------------- hotline imports (12345 / 12369 daily exports)

HOTLINE_FIELDS = {
    # field: (label, required)
    "ticket_no": ("工单编号", True),
    "received_at": ("受理时间", True),
    "title": ("标题", False),
    "description": ("诉求内容", True),
    "location": ("事发地址", False),
    "region": ("所属区县（名称或代码）", False),
    "category": ("问题类别（名称或代码）", False),
    "reporter_name": ("来电人", False),
    "reporter_phone": ("联系电话", False),
}


class HotlineMapping(models.Model):
    """A saved column mapping of one hotline centre's daily export: which column header holds which field."""

    name = models.CharField("名称", max_length=50, unique=True, help_text="如：12345热线日报")
    source = models.ForeignKey("problems.Source", verbose_name="问题来源", on_delete=models.PROTECT, related_name="+")
    default_category = models.ForeignKey("problems.Category", verbose_name="默认问题类别", on_delete=models.PROTECT,
                                         related_name="+")
    default_region = models.ForeignKey("orgs.Region", verbose_name="默认区划", on_delete=models.PROTECT,
                                       related_name="+")
    columns = models.JSONField("列对应", help_text="字段 → 表头文字，如 {\"ticket_no\": \"工单编号\", …}")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "热线导入列对应"
        ordering = ["name"]

    def __str__(self):
        return self.name


class HotlineImport(models.Model):
    """One uploaded daily export, imported by the background worker: all new tickets or none."""

    mapping = models.ForeignKey(HotlineMapping, verbose_name="列对应", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_imported = models.PositiveIntegerField("新登记", default=0)
    rows_skipped = models.PositiveIntegerField("已导入过（跳过）", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "热线导入"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.mapping} #{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def status_colour(self) -> str:
        return JobStatus.colour_of(self.status)


class HotlineTicket(models.Model):
    """A hotline ticket already registered: its own number is kept, so re-importing the same day adds nothing."""

    source = models.ForeignKey("problems.Source", verbose_name="来源", on_delete=models.PROTECT, related_name="+")
    ticket_no = models.CharField("热线工单编号", max_length=64)
    received_at = models.DateTimeField("热线受理时间")
    problem = models.OneToOneField("problems.Problem", verbose_name="问题", on_delete=models.PROTECT,
                                   related_name="hotline_ticket")
    imported_by = models.ForeignKey(HotlineImport, verbose_name="导入批次", on_delete=models.PROTECT,
                                    related_name="tickets")

    class Meta:
        verbose_name = verbose_name_plural = "热线工单"
        constraints = [models.UniqueConstraint(fields=["source", "ticket_no"], name="uniq_hotline_ticket")]

    def __str__(self):
        return self.ticket_no
