"""The fictional city of 青山市: regions, organisations, people, demo logins and reference data (domain §12).

Everything is derived from a `random.Random` handed in by the caller, so the same seed builds the same city.
People's names are drawn from surname and given-name lists; none is a real person's name on purpose.
"""
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from qingshan.orgs.choices import OfficeType, OrgKind, Role
from qingshan.orgs.models import Membership, Organisation, Region, User
from qingshan.orgs.services import region_save
from qingshan.problems.models import Category, Source, TimeLimitRule

DEMO_PASSWORD = "Qingshan#2026"
CITY_NAME = "青山市"
CITY_CODE = "339900"
CITY_CENTRE = (117.30, 30.20)

# name, code, county?, centre (lng, lat), towns, share of problems
DISTRICTS: list[tuple[str, str, bool, tuple[float, float], list[str], int]] = [
    ("青山区", "339902", False, (117.30, 30.21), ["青峰街道", "翠屏街道", "锦江街道", "松林街道"], 20),
    ("绿水区", "339903", False, (117.22, 30.16), ["碧波街道", "柳岸街道", "荷塘街道"], 15),
    ("江岸区", "339904", False, (117.38, 30.25), ["滨江街道", "渡口街道", "望江街道"], 14),
    ("白鹭湖区", "339905", False, (117.45, 30.12), ["鹭洲街道", "湖滨街道", "芦花镇"], 10),
    ("高新区", "339906", False, (117.18, 30.28), ["创新街道", "科苑街道", "梧桐镇"], 10),
    ("桃源县", "339921", True, (117.02, 30.05), ["桃花镇", "溪口镇", "石门乡"], 11),
    ("云岭县", "339922", True, (116.90, 30.38), ["云台镇", "松岗镇", "雾峰乡"], 9),
    ("临江县", "339923", True, (117.60, 30.30), ["临江镇", "沙洲镇", "渔湾乡"], 11),
]

# key, office type, short name; the four inspection offices each follow two districts (by index in DISTRICTS).
OFFICES: list[tuple[str, str, str]] = [
    ("xinfang", OfficeType.XINFANG, "信访室"),
    ("anguan", OfficeType.ANGUAN, "案件监督管理室"),
    ("insp1", OfficeType.INSPECTION, "第一监督检查室"),
    ("insp2", OfficeType.INSPECTION, "第二监督检查室"),
    ("insp3", OfficeType.INSPECTION, "第三监督检查室"),
    ("insp4", OfficeType.INSPECTION, "第四监督检查室"),
    ("style", OfficeType.STYLE, "党风政风监督室"),
    ("investigation", OfficeType.INVESTIGATION, "审查调查室"),
    ("trial", OfficeType.TRIAL, "案件审理室"),
]
INSPECTION_OFFICE_OF_DISTRICT = ["insp1", "insp1", "insp2", "insp2", "insp3", "insp3", "insp4", "insp4"]

# key, name (after "青山市"); state enterprises keep their own names.
CITY_UNITS: list[tuple[str, str]] = [
    ("eco", "生态环境局"), ("water", "水务局"), ("land", "自然资源和规划局"), ("agri", "农业农村局"),
    ("housing", "住房和城乡建设局"), ("urban", "城市管理委员会"), ("transport", "交通运输局"),
    ("ndrc", "发展和改革委员会"), ("industry", "工业和信息化局"), ("forest", "林业局"), ("emergency", "应急管理局"),
    ("market", "市场监督管理局"), ("police", "公安局"), ("finance", "财政局"), ("audit", "审计局"),
    ("science", "科学技术局"), ("commerce", "商务局"), ("sasac", "国有资产监督管理委员会"),
    ("culture", "文化和旅游局"), ("health", "卫生健康委员会"),
    ("education", "教育局"), ("stats", "统计局"), ("weather", "气象局"), ("rural", "乡村振兴局"),
    ("grain", "粮食和物资储备局"), ("energy", "能源局"), ("coop", "供销合作社"), ("civil_defence", "人民防空办公室"),
    ("port", "港航管理局"), ("sports", "体育局"), ("civil", "民政局"), ("hr", "人力资源和社会保障局"),
    ("justice", "司法局"), ("gov_service", "政务服务管理局"), ("data", "大数据管理局"), ("fire", "消防救援支队"),
    ("city_invest", "城市建设投资集团有限公司"), ("water_group", "水务集团有限公司"),
    ("env_group", "环境产业集团有限公司"), ("transport_group", "交通投资集团有限公司"),
]
CITY_UNIT_SHORT = {
    "eco": "市生态环境局", "water": "市水务局", "land": "市自然资源和规划局", "agri": "市农业农村局",
    "housing": "市住建局", "urban": "市城管委", "transport": "市交通运输局", "ndrc": "市发改委", "industry": "市工信局",
    "forest": "市林业局", "emergency": "市应急管理局", "market": "市市场监管局", "police": "市公安局",
    "sasac": "市国资委", "health": "市卫健委", "culture": "市文旅局", "hr": "市人社局", "civil_defence": "市人防办",
    "gov_service": "市政务服务局", "data": "市大数据局", "city_invest": "市城投集团", "water_group": "市水务集团",
    "env_group": "市环境集团", "transport_group": "市交投集团",
}

# Stationed groups: named after their first unit, supervising 3–5 city units each.
STATIONED_GROUPS: list[list[str]] = [
    ["eco", "forest", "weather"],
    ["water", "agri", "rural", "coop", "water_group"],
    ["land", "housing", "civil_defence", "city_invest"],
    ["ndrc", "stats", "grain", "energy"],
    ["industry", "science", "commerce", "data"],
    ["transport", "port", "transport_group"],
    ["urban", "env_group", "gov_service"],
    ["emergency", "market", "fire"],
    ["finance", "audit", "sasac", "hr"],
    ["health", "education", "culture", "sports", "civil"],
]

# District bureaus (each district and county has all four), then its government and towns.
DISTRICT_UNITS: list[tuple[str, str]] = [
    ("eco", "生态环境分局"), ("housing", "住建局"), ("urban", "城管局"), ("agri", "农业农村局"),
]

PARTNERS = [("pollution_office", "青山市污染防治攻坚战领导小组办公室", "市污染防治攻坚办")]

# code, name, has citizen reporter, share on working days, share on rest days
SOURCES: list[tuple[str, str, bool, float, float]] = [
    ("inspection", "现场检查", False, 8, 1),
    ("report", "监督报告", False, 5, 0),
    ("12345", "12345热线", True, 32, 55),
    ("12369", "12369环保热线", True, 19, 30),
    ("12388", "12388举报", True, 3, 2),
    ("central", "中央生态环保督察交办", False, 3, 0),
    ("provincial", "省级督察交办", False, 4, 0),
    ("media", "媒体曝光", False, 3, 2),
    ("model", "数据比对模型", False, 7, 5),
    ("camera", "视频监控预警", False, 6, 5),
    ("partner", "协作单位移送", False, 3, 0),
    ("self", "自查自纠", False, 4, 0),
]

# code, name, base share
CATEGORIES: list[tuple[str, str, float]] = [
    ("water", "水污染", 22), ("air", "大气污染", 20), ("solid_waste", "固体废物", 13), ("noise", "噪声污染", 14),
    ("soil", "土壤污染", 4), ("ecology", "生态破坏", 8), ("duty", "履职不力", 7), ("approval", "违规审批", 3),
    ("consult", "咨询类", 9),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万覃武戴莫孔向汤柳鲁葛詹欧阮"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娟建文辉宁兰斌俊峰婷雪琳晨浩宇欣怡佳颖思源博远航鹏飞志"
    "诚永庆瑞祥凯健彬嘉晓丹倩雯悦涵琪睿哲泽昊然鑫昕蕾薇岚松柏青川溪宏立新德海云"
)


@dataclass
class District:
    """One district or county: its region, towns, commission and responsible units."""

    index: int
    name: str
    region: Region
    towns: list[Region]
    weight: int
    is_county: bool
    commission: Organisation = None
    government: Organisation = None
    bureaus: dict[str, Organisation] = field(default_factory=dict)
    town_units: list[Organisation] = field(default_factory=list)  # same order as `towns`
    inspection_office: Organisation = None


@dataclass
class City:
    """The built city, with the people pools the history generator draws its actors from."""

    region: Region
    districts: list[District]
    commission: Organisation
    offices: dict[str, Organisation]
    city_units: dict[str, Organisation]
    groups: list[Organisation]
    group_of_unit: dict[int, Organisation]
    partners: list[Organisation]
    sources: list[Source]
    categories: list[Category]
    source_weights: list[tuple[float, float]]
    category_weights: list[float]
    staff: dict[int, list[User]] = field(default_factory=dict)  # supervising org pk → staff
    heads: dict[int, User] = field(default_factory=dict)  # supervising org / unit pk → head
    secretaries: dict[int, User] = field(default_factory=dict)  # unit pk → 党组书记 (signs rectification acceptance)
    handlers: dict[int, list[User]] = field(default_factory=dict)  # unit pk → handlers
    logins: list[tuple[str, str]] = field(default_factory=list)  # (role label, username), in table order
    users: dict[str, User] = field(default_factory=dict)  # username → user


class _Names:
    """Plausible, unique, fictional full names from a seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> str:
        """A fresh full name: a surname and one or two given-name characters."""
        while True:
            given_len = 2 if self.rng.random() < 0.75 else 1
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(given_len))
            if name not in self.used:
                self.used.add(name)
                return name


def _coord(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _create_reference_data(city: City) -> None:
    for order, (code, name, citizen, _w, _r) in enumerate(SOURCES):
        city.sources.append(Source.objects.create(code=code, name=name, has_citizen_reporter=citizen,
                                                  sort_order=order))
        city.source_weights.append((_w, _r))
    for order, (code, name, share) in enumerate(CATEGORIES):
        city.categories.append(Category.objects.create(code=code, name=name, sort_order=order))
        city.category_weights.append(share)
    by_code = {s.code: s for s in city.sources} | {f"cat:{c.code}": c for c in city.categories}
    TimeLimitRule.objects.create(sign_days=1, handle_days=15)
    TimeLimitRule.objects.create(category=by_code["cat:consult"], sign_days=1, handle_days=5)
    TimeLimitRule.objects.create(urgency="urgent", sign_days=0, handle_days=0)
    for code in ("central", "provincial"):
        TimeLimitRule.objects.create(source=by_code[code], sign_days=1, handle_days=20)


def build_city(rng: random.Random) -> City:
    """Create the whole city in the database (regions, organisations, people, reference data) and return it."""
    city_region = region_save(region=Region(code=CITY_CODE, name=CITY_NAME, centre_lng=_coord(CITY_CENTRE[0]),
                                            centre_lat=_coord(CITY_CENTRE[1])))
    districts = []
    for index, (name, code, county, (lng, lat), towns, weight) in enumerate(DISTRICTS):
        region = region_save(region=Region(code=code, name=name, parent=city_region, centre_lng=_coord(lng),
                                           centre_lat=_coord(lat)))
        town_regions = []
        for t, town in enumerate(towns):
            town_regions.append(region_save(region=Region(
                code=f"{code}{t + 1:03d}", name=town, parent=region,
                centre_lng=_coord(lng + rng.uniform(-0.06, 0.06)), centre_lat=_coord(lat + rng.uniform(-0.05, 0.05)),
            )))
        districts.append(District(index=index, name=name, region=region, towns=town_regions, weight=weight,
                                  is_county=county))

    sort = iter(range(1, 100_000))

    def org(name, kind, region, short="", parent=None, office_type=""):
        return Organisation.objects.create(name=name, short_name=short, kind=kind, region=region, parent=parent,
                                           office_type=office_type, sort_order=next(sort))

    commission = org("青山市纪委监委", OrgKind.COMMISSION, city_region, "市纪委监委")
    offices = {key: org(f"青山市纪委监委{short}", OrgKind.OFFICE, city_region, short, commission, otype)
               for key, otype, short in OFFICES}
    city_units = {key: org(f"青山市{name}", OrgKind.UNIT, city_region, CITY_UNIT_SHORT.get(key, f"市{name}"))
                  for key, name in CITY_UNITS}
    groups, group_of_unit = [], {}
    for unit_keys in STATIONED_GROUPS:
        first = CITY_UNIT_SHORT.get(unit_keys[0], f"市{dict(CITY_UNITS)[unit_keys[0]]}")
        group = org(f"青山市纪委监委驻{first}纪检监察组", OrgKind.STATIONED_GROUP, city_region,
                    f"驻{first}纪检监察组", commission)
        group.supervised_units.set([city_units[k] for k in unit_keys])
        for k in unit_keys:
            group_of_unit[city_units[k].pk] = group
        groups.append(group)
    for d in districts:
        d.commission = org(f"{d.name}纪委监委", OrgKind.COMMISSION, d.region, parent=commission)
        d.government = org(f"{d.name}人民政府", OrgKind.UNIT, d.region)
        d.bureaus = {key: org(f"{d.name}{suffix}", OrgKind.UNIT, d.region, parent=d.government)
                     for key, suffix in DISTRICT_UNITS}
        d.town_units = [org(f"{d.name}{t.name}{'办事处' if t.name.endswith('街道') else '人民政府'}", OrgKind.UNIT, t,
                            f"{t.name}{'办事处' if t.name.endswith('街道') else ''}", parent=d.government)
                        for t in d.towns]
        d.inspection_office = offices[INSPECTION_OFFICE_OF_DISTRICT[d.index]]
    partners = [org(name, OrgKind.PARTNER, city_region, short) for _key, name, short in PARTNERS]

    city = City(region=city_region, districts=districts, commission=commission, offices=offices,
                city_units=city_units, groups=groups, group_of_unit=group_of_unit, partners=partners, sources=[],
                categories=[], source_weights=[], category_weights=[])
    _create_reference_data(city)
    _create_people(city, rng)
    return city


# The demo logins: role label, username, organisation (resolved in _create_people), membership role.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("委领导", "leader", Role.COMMISSION_LEADER),
    ("部室工作人员", "office_staff", Role.OFFICE_STAFF),
    ("部室负责人", "office_head", Role.OFFICE_HEAD),
    ("信访工作人员", "xinfang", Role.XINFANG_STAFF),
    ("案管工作人员", "anguan", Role.ANGUAN_STAFF),
    ("派驻组工作人员", "group_staff", Role.GROUP_STAFF),
    ("派驻组组长", "group_head", Role.GROUP_HEAD),
    ("区县纪委监委工作人员", "district_staff", Role.DISTRICT_STAFF),
    ("区县纪委监委负责人", "district_head", Role.DISTRICT_HEAD),
    ("责任单位经办人", "eco_handler", Role.UNIT_HANDLER),
    ("责任单位负责人", "eco_head", Role.UNIT_HEAD),
    ("责任单位党组书记", "eco_secretary", Role.UNIT_PARTY_SECRETARY),
    ("区县责任单位经办人", "lvshui_eco", Role.UNIT_HANDLER),
    ("协作单位工作人员", "partner", Role.PARTNER_STAFF),
    ("只读领导", "readonly", Role.READONLY_LEADER),
    ("线索回避演示（信访、案管，兼在市生态环境局）", "clue_blocked", Role.XINFANG_STAFF),
]
ADMIN_LOGIN = ("系统管理员", "admin")


def _create_people(city: City, rng: random.Random) -> None:
    """Everyone who works in the city's organisations, demo logins first in their pools so they act in the history."""
    names = _Names(rng)
    password = make_password(DEMO_PASSWORD)  # hashed once: every demo person shares the documented password
    users: list[User] = []
    memberships: list[tuple[User, Organisation, str]] = []
    counter = iter(range(1, 1_000_000))

    def person(org, role, username=None):
        user = User(username=username or f"u{next(counter):05d}", full_name=names.person(), password=password)
        users.append(user)
        memberships.append((user, org, role))
        return user

    lvshui = city.districts[1]
    demo_orgs = {
        "leader": city.commission, "office_staff": city.offices["insp1"], "office_head": city.offices["insp1"],
        "xinfang": city.offices["xinfang"], "anguan": city.offices["anguan"], "group_staff": city.groups[0],
        "group_head": city.groups[0], "district_staff": lvshui.commission, "district_head": lvshui.commission,
        "eco_handler": city.city_units["eco"], "eco_head": city.city_units["eco"],
        "eco_secretary": city.city_units["eco"],
        "lvshui_eco": lvshui.bureaus["eco"], "partner": city.partners[0], "readonly": city.commission,
        "clue_blocked": city.offices["xinfang"],
    }
    demo = {username: person(demo_orgs[username], role, username) for _label, username, role in DEMO_LOGINS}
    city.logins = [(label, username) for label, username, _role in DEMO_LOGINS]

    for _ in range(3):
        person(city.commission, Role.COMMISSION_LEADER)

    def supervising(org, staff_role, head_role, staff_count, demo_staff=None, demo_head=None):
        pool = [demo_staff] if demo_staff else []
        pool += [person(org, staff_role) for _ in range(staff_count - len(pool))]
        city.staff[org.pk] = pool
        city.heads[org.pk] = demo_head or person(org, head_role)

    for key, office in city.offices.items():
        staff_role = {"xinfang": Role.XINFANG_STAFF, "anguan": Role.ANGUAN_STAFF}.get(key, Role.OFFICE_STAFF)
        supervising(office, staff_role, Role.OFFICE_HEAD, rng.randint(3, 5),
                    demo.get({"insp1": "office_staff", "xinfang": "xinfang", "anguan": "anguan"}.get(key, "")),
                    demo["office_head"] if key == "insp1" else None)
    for i, group in enumerate(city.groups):
        supervising(group, Role.GROUP_STAFF, Role.GROUP_HEAD, rng.randint(2, 3),
                    demo["group_staff"] if i == 0 else None, demo["group_head"] if i == 0 else None)
    for d in city.districts:
        supervising(d.commission, Role.DISTRICT_STAFF, Role.DISTRICT_HEAD, rng.randint(3, 5),
                    demo["district_staff"] if d is lvshui else None, demo["district_head"] if d is lvshui else None)

    def unit(org, handler_count, demo_handler=None, demo_head=None, demo_secretary=None):
        pool = [demo_handler] if demo_handler else []
        pool += [person(org, Role.UNIT_HANDLER) for _ in range(handler_count - len(pool))]
        city.handlers[org.pk] = pool
        city.heads[org.pk] = demo_head or person(org, Role.UNIT_HEAD)
        city.secretaries[org.pk] = demo_secretary or person(org, Role.UNIT_PARTY_SECRETARY)

    for key, org in city.city_units.items():
        unit(org, rng.randint(1, 3) if key != "eco" else 3, demo["eco_handler"] if key == "eco" else None,
             demo["eco_head"] if key == "eco" else None, demo["eco_secretary"] if key == "eco" else None)
    for d in city.districts:
        unit(d.government, 1)
        for key, org in d.bureaus.items():
            unit(org, rng.randint(1, 3), demo["lvshui_eco"] if (d is lvshui and key == "eco") else None)
        for org in d.town_units:
            unit(org, rng.randint(1, 2))
    for partner in city.partners:
        city.staff[partner.pk] = [demo["partner"], person(partner, Role.PARTNER_STAFF)]

    admin = User(username=ADMIN_LOGIN[1], full_name="系统管理员", password=password, is_staff=True,
                 is_superuser=True)
    users.append(admin)
    User.objects.bulk_create(users)
    # SQLite and PostgreSQL both return the new primary keys from bulk_create.
    Membership.objects.bulk_create([Membership(user=u, organisation=o, role=r) for u, o, r in memberships])
    city.users = {u.username: u for u in users}
