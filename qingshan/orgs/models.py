"""Regions, the organisation tree, people and their role memberships (domain §2)."""
from django.contrib.auth.models import AbstractUser
from django.db import models

from .choices import OfficeType, OrgKind, Role


class Region(models.Model):
    """An administrative area (city, district/county, town). `path` makes subtree queries one index scan."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    level = models.PositiveSmallIntegerField("层级", default=1, help_text="1 市，2 区县，3 乡镇街道")
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    centre_lng = models.DecimalField("中心经度", max_digits=9, decimal_places=6, null=True, blank=True)
    centre_lat = models.DecimalField("中心纬度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self):
        return self.name

    def compute_path(self) -> str:
        return f"{self.parent.path if self.parent else '/'}{self.code}/"


class Organisation(models.Model):
    """A commission, one of its offices, a stationed group, a responsible unit or a partner body."""

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类型", max_length=20, choices=OrgKind.choices)
    office_type = models.CharField("部室类别", max_length=20, choices=OfficeType.choices, blank=True, default="")
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="organisations")
    supervised_units = models.ManyToManyField(
        "self", verbose_name="派驻监督单位", symmetrical=False, blank=True, related_name="stationed_groups",
        help_text="派驻纪检监察组所监督的单位",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "组织机构"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.short_name or self.name

    @property
    def commission(self) -> "Organisation | None":
        """The commission an office belongs to, or the commission itself (see `commission_of`)."""
        return commission_of(self)


def commission_of(org: Organisation, *, through_stationed_group: bool = False) -> Organisation | None:
    """The commission an organisation acts in the name of: itself, or the commission of one of its offices; with
    `through_stationed_group`, also the commission a stationed group belongs to (it works for the commission that
    sent it). None for anything else: units, partners, groups (unless asked), an office outside a commission."""
    if org.kind == OrgKind.COMMISSION:
        return org
    kinds = (OrgKind.OFFICE, OrgKind.STATIONED_GROUP) if through_stationed_group else (OrgKind.OFFICE,)
    if org.kind in kinds and org.parent_id and org.parent.kind == OrgKind.COMMISSION:
        return org.parent
    return None


class User(AbstractUser):
    """A person who logs in. Display name is `full_name`; the organisations come from memberships."""

    full_name = models.CharField("姓名", max_length=50)
    phone = models.CharField("办公电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username


class Membership(models.Model):
    """One role a person holds in one organisation. Permissions are additive across memberships."""

    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, verbose_name="单位", on_delete=models.PROTECT,
                                     related_name="memberships")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "任职角色"
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="uniq_membership")]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"
