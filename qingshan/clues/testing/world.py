"""The discipline loop's test world: the shared world plus the city's 案管室, a district commission's head, a unit
under 市生态环境局, and people who hold every role a clue needs but are hard-blocked from it.

The clues of `clue_at()` concern 市生态环境局 (the reported unit) and its deputy director 钱局长 (w.eco_head).
"""
import datetime as dt
from types import SimpleNamespace

from qingshan.core.testing.uploads import WORLD_NOW
from qingshan.orgs.choices import OfficeType, OrgKind, Role
from qingshan.orgs.models import Membership, Organisation, User
from qingshan.orgs.testing.world import build_org_world

PASSWORD = "Qingshan#2026"


def _person(username, full_name, *roles) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name)
    for organisation, role in roles:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def build_clue_world(w: SimpleNamespace | None = None) -> SimpleNamespace:
    """The shared organisations (or the world `w` already built on them, e.g. the work loop's) plus what clues need;
    every name below is used by the clue tests."""
    w = w or build_org_world(SimpleNamespace())
    w.anguan_office = Organisation.objects.create(name="案件监督管理室", kind=OrgKind.OFFICE, region=w.city,
                                                  parent=w.commission, office_type=OfficeType.ANGUAN)
    w.eco_station = Organisation.objects.create(name="市生态环境监测站", kind=OrgKind.UNIT, region=w.city,
                                                parent=w.eco)
    w.anguan = _person("anguan", "孔案管", (w.anguan_office, Role.ANGUAN_STAFF))
    w.district_head = _person("district_head", "郭区书记", (w.lvshui_commission, Role.DISTRICT_HEAD))
    # Every part of the handling circle at once … and a handler in the reported unit: blocked, whatever the roles.
    every_part = ((w.xinfang_office, Role.XINFANG_STAFF), (w.anguan_office, Role.ANGUAN_STAFF),
                  (w.commission, Role.COMMISSION_LEADER), (w.office, Role.OFFICE_STAFF))
    w.insider_in_unit = _person("insider_unit", "甲回避", *every_part, (w.eco, Role.UNIT_HANDLER))
    # … in a unit under the reported unit.
    w.insider_below = _person("insider_below", "乙回避", *every_part, (w.eco_station, Role.UNIT_HANDLER))
    # The same roles without any tie to the reported unit: sees everything the others are blocked from.
    w.insider_clear = _person("insider_clear", "丙可见", *every_part)
    # The reported person, who also works in the 信访室 (say, seconded): blocked as the person.
    Membership.objects.create(user=w.eco_head, organisation=w.xinfang_office, role=Role.XINFANG_STAFF)
    w.reported = w.eco_head
    return w


def new_clue(w, *, real_name: bool = True, summary: str = "反映钱局长在环评审批中收受企业财物。", **kwargs):
    """A clue registered by 赵信访 about 市生态环境局 and 钱局长, with a real-name reporter in the vault."""
    from qingshan.clues.services import clue_create

    fields = dict(source="letter", received_on=WORLD_NOW.date() - dt.timedelta(days=1), reported_unit=w.eco,
                  reported_name="钱局长", reported_post="副局长", reported_person=w.reported, summary=summary,
                  is_real_name=real_name, reporter_name="王举报" if real_name else "",
                  reporter_unit="青山市某化工厂", reporter_address="青山区幸福路8号", reporter_phone="13812345678",
                  reporter_id_number="330101199001011234", original_text="我实名举报钱某收受红包二十万元。")
    fields.update(kwargs)
    return clue_create(actor=w.xinfang, **fields)
