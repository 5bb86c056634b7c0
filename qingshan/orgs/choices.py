"""Organisation kinds and roles (domain §2)."""
from django.db import models


class OrgKind(models.TextChoices):
    COMMISSION = "commission", "纪委监委"
    OFFICE = "office", "内设部室"
    STATIONED_GROUP = "stationed_group", "派驻纪检监察组"
    UNIT = "unit", "责任单位"
    PARTNER = "partner", "协作单位"


class OfficeType(models.TextChoices):
    NONE = "", "—"
    XINFANG = "xinfang", "信访室"
    ANGUAN = "anguan", "案件监督管理室"
    INSPECTION = "inspection", "监督检查室"
    STYLE = "style", "党风政风监督室"
    INVESTIGATION = "investigation", "审查调查室"
    TRIAL = "trial", "案件审理室"


class Role(models.TextChoices):
    COMMISSION_LEADER = "commission_leader", "委领导"
    OFFICE_STAFF = "office_staff", "部室工作人员"
    OFFICE_HEAD = "office_head", "部室负责人"
    XINFANG_STAFF = "xinfang_staff", "信访工作人员"
    ANGUAN_STAFF = "anguan_staff", "案管工作人员"
    GROUP_STAFF = "group_staff", "派驻组工作人员"
    GROUP_HEAD = "group_head", "派驻组组长"
    DISTRICT_STAFF = "district_staff", "区县纪委监委工作人员"
    DISTRICT_HEAD = "district_head", "区县纪委监委负责人"
    UNIT_HANDLER = "unit_handler", "责任单位经办人"
    UNIT_HEAD = "unit_head", "责任单位负责人"
    # 党组（党委）书记: signs a rectification's acceptance for the unit (domain §6), beside the supervising head.
    UNIT_PARTY_SECRETARY = "unit_party_secretary", "责任单位党组书记"
    PARTNER_STAFF = "partner_staff", "协作单位工作人员"
    READONLY_LEADER = "readonly_leader", "只读领导"


# Roles grouped by what they let a person do; `access` and the transition table read only these sets.
SUPERVISOR_ROLES = frozenset({
    Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.XINFANG_STAFF, Role.ANGUAN_STAFF,
    Role.GROUP_STAFF, Role.GROUP_HEAD, Role.DISTRICT_STAFF, Role.DISTRICT_HEAD,
})
LEADER_ROLES = frozenset({Role.COMMISSION_LEADER})
HEAD_ROLES = frozenset({Role.OFFICE_HEAD, Role.GROUP_HEAD, Role.DISTRICT_HEAD, Role.COMMISSION_LEADER})
UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.UNIT_PARTY_SECRETARY})
PARTNER_ROLES = frozenset({Role.PARTNER_STAFF})
READONLY_ROLES = frozenset({Role.READONLY_LEADER})
# Roles that may see a citizen reporter's contact details (for 回访 and verification), each reveal audited.
REPORTER_CONTACT_ROLES = frozenset({
    Role.XINFANG_STAFF, Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.GROUP_HEAD, Role.DISTRICT_HEAD,
    Role.DISTRICT_STAFF, Role.GROUP_STAFF,
})

# The kinds of organisation in which a role can be held (a unit handler works in a unit, a group head in a group).
ROLE_ORG_KINDS = {
    Role.COMMISSION_LEADER: {OrgKind.COMMISSION}, Role.READONLY_LEADER: {OrgKind.COMMISSION},
    Role.DISTRICT_STAFF: {OrgKind.COMMISSION}, Role.DISTRICT_HEAD: {OrgKind.COMMISSION},
    Role.OFFICE_STAFF: {OrgKind.OFFICE}, Role.OFFICE_HEAD: {OrgKind.OFFICE}, Role.XINFANG_STAFF: {OrgKind.OFFICE},
    Role.ANGUAN_STAFF: {OrgKind.OFFICE},
    Role.GROUP_STAFF: {OrgKind.STATIONED_GROUP}, Role.GROUP_HEAD: {OrgKind.STATIONED_GROUP},
    Role.UNIT_HANDLER: {OrgKind.UNIT}, Role.UNIT_HEAD: {OrgKind.UNIT}, Role.UNIT_PARTY_SECRETARY: {OrgKind.UNIT},
    Role.PARTNER_STAFF: {OrgKind.PARTNER},
}
