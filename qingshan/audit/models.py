"""The append-only, hash-chained audit log (domain §11)."""
from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change or sensitive read. Never updated or deleted; `hash` chains it to the event before."""

    seq = models.BigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField("操作人姓名", max_length=50, blank=True)
    actor_org = models.ForeignKey("orgs.Organisation", verbose_name="操作单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # The unit's name when the event was written (signed from MAC version 2 on; blank on older events).
    actor_org_name = models.CharField("操作单位名称", max_length=100, blank=True)
    object_type = models.CharField("对象类型", max_length=50)
    object_id = models.BigIntegerField("对象编号")
    action = models.CharField("动作", max_length=40)
    from_state = models.CharField("原状态", max_length=30, blank=True)
    to_state = models.CharField("新状态", max_length=30, blank=True)
    reason = models.TextField("理由/说明", blank=True)
    payload = models.JSONField("详情", default=dict, blank=True)
    internal = models.BooleanField("内部", default=False, help_text="内部事件不向责任单位显示")
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which fields `hash` covers (audit/chain.py): 1 = before actor names were signed, 2 = every shown field.
    mac_version = models.PositiveSmallIntegerField("签名版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["seq"]
        # A record's history in order; action and actor ride along (PostgreSQL) so that "did this person sign it"
        # (我的待办's own items, per problem row) is answered from the index alone, never from the heap.
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], include=["action", "actor"],
                                name="audit_object_idx"),
                   # What one person did: the records they signed, registered, sent… as one index range, e.g. a
                   # unit handler's own items of 我的待办 (17,114 signatures at 1,000,000 problems) read once
                   # instead of probing each problem's history.
                   models.Index(fields=["actor", "action", "object_type", "object_id"], name="audit_actor_action_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def actor_org_label(self) -> str:
        """The acting unit as pages show it: its signed name, or (events before MAC version 2) its current name."""
        return self.actor_org_name or (str(self.actor_org) if self.actor_org_id else "")


class AuditChainHead(models.Model):
    """The last event's seq and hash, written with each event, so deleting the newest events is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"
