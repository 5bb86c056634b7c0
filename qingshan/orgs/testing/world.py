"""The organisations of the shared test world: regions, the organisation tree, one user per role.

About 40 lines of data that every visibility and transition test shares, so each test reads as a sentence.
"""
from types import SimpleNamespace

from qingshan.orgs.choices import OfficeType, OrgKind, Role
from qingshan.orgs.models import Membership, Organisation, Region, User
from qingshan.orgs.services import region_save


def build_org_world(w: SimpleNamespace) -> SimpleNamespace:
    """Add the regions, organisations and one user per role of the shared test world to `w`."""
    w.city = region_save(region=Region(code="3399", name="青山市"))
    w.lvshui = region_save(region=Region(code="339901", name="绿水区", parent=w.city))
    w.jiangan = region_save(region=Region(code="339902", name="江岸区", parent=w.city))

    def org(name, kind, region, parent=None, office_type=""):
        return Organisation.objects.create(name=name, kind=kind, region=region, parent=parent,
                                           office_type=office_type)

    w.commission = org("青山市纪委监委", OrgKind.COMMISSION, w.city)
    w.office = org("第一监督检查室", OrgKind.OFFICE, w.city, w.commission, OfficeType.INSPECTION)
    w.xinfang_office = org("信访室", OrgKind.OFFICE, w.city, w.commission, OfficeType.XINFANG)
    w.lvshui_commission = org("绿水区纪委监委", OrgKind.COMMISSION, w.lvshui)
    w.group = org("驻市生态环境局纪检监察组", OrgKind.STATIONED_GROUP, w.city, w.commission)
    w.eco = org("市生态环境局", OrgKind.UNIT, w.city)
    w.water = org("市水务局", OrgKind.UNIT, w.city)
    w.lvshui_housing = org("绿水区住建局", OrgKind.UNIT, w.lvshui)
    w.jiangan_urban = org("江岸区城管局", OrgKind.UNIT, w.jiangan)
    w.partner = org("市污染防治攻坚办", OrgKind.PARTNER, w.city)
    w.group.supervised_units.add(w.eco)

    def person(username, full_name, *roles):
        user = User.objects.create_user(username=username, password="Qingshan#2026", full_name=full_name)
        for organisation, role in roles:
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    w.officer = person("officer", "李监督", (w.office, Role.OFFICE_STAFF))
    w.office_head = person("office_head", "王主任", (w.office, Role.OFFICE_HEAD))
    w.xinfang = person("xinfang", "赵信访", (w.xinfang_office, Role.XINFANG_STAFF))
    w.leader = person("leader", "陈书记", (w.commission, Role.COMMISSION_LEADER))
    w.readonly = person("readonly", "周领导", (w.commission, Role.READONLY_LEADER))
    w.group_staff = person("group_staff", "吴派驻", (w.group, Role.GROUP_STAFF))
    w.district_staff = person("district_staff", "郑区纪委", (w.lvshui_commission, Role.DISTRICT_STAFF))
    w.eco_handler = person("eco_handler", "孙经办", (w.eco, Role.UNIT_HANDLER))
    w.eco_head = person("eco_head", "钱局长", (w.eco, Role.UNIT_HEAD))
    w.water_handler = person("water_handler", "冯水务", (w.water, Role.UNIT_HANDLER))
    w.housing_handler = person("housing_handler", "何住建", (w.lvshui_housing, Role.UNIT_HANDLER))
    w.urban_handler = person("urban_handler", "许城管", (w.jiangan_urban, Role.UNIT_HANDLER))
    w.partner_staff = person("partner_staff", "林攻坚", (w.partner, Role.PARTNER_STAFF))
    w.outsider = person("outsider", "无角色")
    return w
