"""Two years of problem history for the demo city, written in bulk (domain §12).

This is the one documented exception to "writes go through services": it writes *history*, it performs no user
action, and calling the services a million times would take hours. It keeps their rules instead:

- every problem moves only along the transition table, with actors who would pass the services' permission checks
  (supervising staff of its supervising body, handlers of its lead unit, restricted problems restricted to exactly
  the people who act on them);
- deadlines are real working-day deadlines (`add_working_days`, counted from the dispatch date as the services do)
  and every frozen flag is computed from the timestamps exactly as the services compute it;
- every step has its audit event, written through `qingshan.audit.services.record_events`.

Audit chain order: events are appended in timestamp order across all problems, not in generation order. Problems
are generated in order of receipt, every event of a problem is pushed on a heap when the problem is simulated, and
before the next problem (received at R) is simulated every queued event earlier than R is appended — no later
problem can produce an event before its own receipt, so the chain's `seq` order is the order of `created_at`.

Determinism: all randomness comes from one `random.Random` built from the seed, the clock is never read, and the
end date is a parameter. Only the reporters' ciphertexts (Fernet uses a random IV) and `updated_at` differ between
two runs; the masked values, and everything a user sees, are identical.
"""
import bisect
import datetime as dt
import hashlib
import heapq
import random
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, reset_queries
from django.db.models import Max

from qingshan.access.crypto import encrypt, mask_name, mask_phone
from qingshan.audit.services import EventSpec, record_events
from qingshan.problems.choices import Action, AssignmentRole, AttachmentPurpose, EscalationLevel, ExtensionStatus, State
from qingshan.problems.models import (
    Assignment,
    Attachment,
    Extension,
    NumberCounter,
    Problem,
    Reporter,
    Share,
)
from qingshan.problems.timelimits import rule_for
from qingshan.workdays.calendar import add_working_days, covered_years, is_working_day

from .bulk import BackgroundWriter, Inserter
from .city import GIVEN_CHARS, SURNAMES, City, District

CST = dt.timezone(dt.timedelta(hours=8), "CST")  # Asia/Shanghai has had no daylight saving since 1991
OBJECT_TYPE = "problems.problem"
DEFAULT_END = dt.date(2026, 11, 20)
CHUNK = 2000  # problems per bulk write
EVENT_BATCH = 10_000  # audit events per record_events call

# ---------------------------------------------------------------- tunables (shares of all problems)
P_DUPLICATE = 0.012
DUPLICATE_WINDOW_DAYS = 10
GOLDEN = (5 ** 0.5 - 1) / 2
P_CO_UNITS = 0.15
P_URGENT = 0.025
P_RETURN = 0.035
P_REASSIGN = 0.02
P_SIGN_LATE = 0.06
P_STUCK = 0.019  # never finished by the end date: the core of the ~2–3 % overdue
P_LATE = 0.08
P_EXTENSION = 0.03
P_REJECT = (0.06, 0.15)  # first review, second review
P_STAGE = 0.02
P_SHARE = 0.012
P_RESTRICTED = 0.004
P_PRE_DEADLINE_URGE = 0.25
URGE_AFTER = (1, 4, 9, 15, 25, 40, 60, 90, 130, 180, 250, 350)  # working days past the deadline
ESCALATE_AFTER = ((5, 1), (12, 2), (25, 3))

MONTH_VOLUME = [0.85, 0.7, 0.9, 1.0, 1.1, 1.25, 1.35, 1.35, 1.15, 1.0, 0.95, 0.85]
SEASON = {  # category code → month multipliers (water and air peak in summer; straw burning in autumn)
    "water": [0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.6, 1.6, 1.3, 1.0, 0.8, 0.7],
    "air": [0.9, 0.8, 0.9, 1.0, 1.1, 1.3, 1.35, 1.3, 1.1, 1.2, 1.2, 1.0],
    "noise": [0.8, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8],
}
# source code → category code → affinity (default 1)
AFFINITY = {
    "12388": {"duty": 8, "approval": 8, "consult": 0, "water": 0.3, "air": 0.3, "noise": 0.2, "solid_waste": 0.3},
    "model": {"water": 3, "air": 3, "consult": 0, "noise": 0.2, "duty": 0.5, "approval": 0.5},
    "camera": {"solid_waste": 3, "air": 2, "ecology": 2, "consult": 0, "duty": 0, "approval": 0, "soil": 0.3},
    "central": {"ecology": 2.5, "water": 1.5, "duty": 1.5, "consult": 0, "noise": 0.3},
    "provincial": {"ecology": 2, "water": 1.5, "duty": 1.5, "consult": 0, "noise": 0.5},
    "inspection": {"consult": 0, "duty": 1.5},
    "report": {"consult": 0, "duty": 2.5, "approval": 2},
    "self": {"consult": 0, "duty": 1.5},
    "media": {"consult": 0, "duty": 2},
    "partner": {"consult": 0, "noise": 0.3},
    "12345": {"consult": 1.3, "noise": 1.5},
    "12369": {"consult": 0.8},
}
# category → candidate lead units: district-level kinds and city unit keys, with weights
LEADS = {
    "water": ([("eco", 4), ("agri", 1.5), ("urban", 1.5), ("town", 3)], [("eco", 4), ("water", 4), ("agri", 2)]),
    "air": ([("eco", 4), ("housing", 2), ("urban", 2), ("town", 2)],
            [("eco", 4), ("housing", 2), ("transport", 1), ("urban", 2)]),
    "solid_waste": ([("urban", 3.5), ("eco", 3), ("housing", 1), ("town", 2.5)],
                    [("urban", 4), ("eco", 3), ("housing", 1), ("env_group", 1)]),
    "noise": ([("eco", 3.5), ("housing", 2.5), ("urban", 2), ("town", 2)],
              [("eco", 3), ("housing", 2), ("transport", 1), ("police", 1)]),
    "soil": ([("eco", 5), ("agri", 3), ("town", 2)], [("eco", 4), ("land", 3), ("agri", 2)]),
    "ecology": ([("agri", 3), ("town", 4), ("eco", 3)], [("land", 3), ("forest", 3), ("water", 2), ("agri", 2)]),
    "duty": ([("eco", 2), ("housing", 2), ("urban", 2), ("agri", 2), ("town", 2), ("gov", 1)],
             [("eco", 2), ("water", 2), ("land", 2), ("housing", 2), ("urban", 2), ("agri", 1), ("market", 1)]),
    "approval": ([("housing", 4), ("eco", 3), ("gov", 1)],
                 [("land", 3), ("ndrc", 3), ("housing", 2), ("eco", 2), ("gov_service", 1)]),
    "consult": ([("eco", 5), ("urban", 3), ("housing", 2)], [("eco", 1)]),
}
CITY_LEAD_SHARE = {"central": 0.45, "provincial": 0.4, "12388": 0.35, "report": 0.3}
CITY_LEAD_CATEGORY_BONUS = {"duty": 0.2, "approval": 0.25}

ROADS = ["青云路", "滨河路", "建设大道", "翠湖路", "长春路", "桃李路", "松涛路", "望江路", "兴业大道", "鹭洲路",
         "枫林路", "清泉路", "启明路", "丰收路", "新港路", "锦绣路", "云溪路", "梧桐大道", "石桥路", "湖光路"]
RIVERS = ["青溪河", "白鹭河", "桃花溪", "临江支流", "云水河", "碧波渠", "柳叶河", "沙河"]
FIRMS = ["鑫达", "恒远", "宏昌", "联创", "瑞丰", "金禾", "顺通", "华盛", "嘉禾", "永泰", "晨阳", "博纳"]
TRADES = ["化工", "建材", "印染", "电镀", "食品", "砂石", "再生资源", "混凝土", "养殖", "机械制造"]
TITLES = {
    "water": ["{river}{place}河段疑似污水直排", "{firm}夜间偷排生产废水", "{place}养殖场粪污直排入{river}",
              "{river}{place}段黑臭水体反弹", "{place}雨污管网混接污水外溢", "{river}饮用水水源保护区内违规建设"],
    "air": ["{place}建筑工地扬尘污染", "{place}餐饮店油烟扰民", "{place}露天焚烧秸秆", "{firm}废气异味扰民",
            "{road}渣土车未密闭运输", "{place}加油站油气回收装置未运行"],
    "solid_waste": ["{place}建筑垃圾非法倾倒", "{place}生活垃圾清运不及时", "{firm}危险废物贮存不规范",
                    "{river}沿岸堆放工业固废", "{place}医疗废物处置不规范"],
    "noise": ["{place}夜间施工噪声扰民", "{road}商铺高音喇叭扰民", "{firm}设备噪声超标", "{place}广场舞噪声扰民"],
    "soil": ["{place}疑似污染地块违规开发", "{place}农田周边企业废渣堆放", "{place}废弃厂区土壤污染未治理"],
    "ecology": ["{river}{place}段非法采砂", "{place}违规占用林地", "{place}湿地被违规填埋", "{place}山体违规开挖",
                "{river}违规设置围网养殖"],
    "duty": ["{unit}对群众反映的污染问题长期推诿", "{unit}整改工作敷衍应付", "{unit}执法检查走过场",
             "{unit}对督察反馈问题整改不到位"],
    "approval": ["{place}项目未批先建", "{unit}违规审批高耗能项目", "{place}项目环评审批程序不规范"],
    "consult": ["咨询排污许可证办理流程", "咨询噪声污染投诉处理程序", "咨询建设项目环评要求", "咨询垃圾分类政策",
                "咨询{river}水质监测信息公开"],
}
INTRO = {
    "inspection": "现场检查发现：", "report": "监督报告反映：", "12345": "群众通过12345热线反映：",
    "12369": "群众通过12369环保热线反映：", "12388": "群众通过12388举报：", "central": "中央生态环境保护督察组交办：",
    "provincial": "省生态环境保护督察组交办：", "media": "媒体报道：", "model": "数据比对模型预警：",
    "camera": "视频监控智能识别预警：", "partner": "市污染防治攻坚办移送：", "self": "责任单位自查发现：",
}
CITIZEN_DETAILS = ["影响周边居民正常生活，请尽快核实处理。", "问题已持续一周以上，多次反映未得到解决。",
                   "周边群众意见较大，请依法依规处理。"]
OFFICIAL_DETAILS = ["请核实情况并按期反馈办理结果。", "存在环境风险隐患，请及时处置。",
                    "请依法依规处理并报送整改情况。"]
REPLIES = {
    "consult": ["已电话答复来电人相关政策及办理流程，来电人表示清楚。"],
    "duty": ["已对相关责任人进行提醒谈话，制定整改方案并落实到位。",
             "已召开专题会议研究整改，建立问题台账并逐项销号。"],
}
REPLY_DEFAULT = ["经现场核查，问题属实。已责令整改并依法立案处罚，现已整改到位。",
                 "经核查，已完成清理整治，并建立长效巡查机制。", "已会同相关部门联合执法，责令停产整改，复查达标。",
                 "经现场核查，反映问题部分属实，已督促整改完毕并加强日常监管。"]
REJECT_COMMENTS = ["佐证材料不足，请补充整改前后对比照片。", "办理情况与反映问题不对应，请重新核实。",
                   "整改措施不具体，请明确整改时限和责任人。", "未说明对违法行为的处理情况，请补充。"]
RETURN_REASONS = ["该事项不属本单位职责，依据：本单位“三定”方案", "问题点位不在本单位管辖范围内，依据：属地管理划分"]
URGE_NOTES = ["该问题已超过办理期限，请抓紧办理并反馈。", "请于2个工作日内反馈办理进展。",
              "距办理期限已近，请加快办理。"]
ESCALATE_REASONS = {1: "超期未办结，蓝色督办。", 2: "超期时间较长，黄色督办。",
                    3: "长期超期未办结，红色督办并报分管领导。"}
REVISIT_NOTES = ["电话回访来电人。", "现场回访，听取群众意见。"]
EVIDENCE_NAMES = ["整改后现场照片.png", "整改情况说明.png", "执法检查记录.png", "复查照片.png"]
EVIDENCE_COLOURS = [(46, 125, 50), (21, 101, 192), (249, 168, 37), (96, 125, 139)]


# What the generator writes besides audit events: rows are tuples in these field orders.
TABLES = {
    "problems": (Problem, [
        "id", "number", "title", "description", "source", "category", "region", "region_path", "location", "lng",
        "lat", "urgency", "state", "received_at", "received_on", "created_by", "supervising_org", "lead_unit",
        "sign_deadline", "handle_deadline", "original_handle_deadline", "first_dispatched_at", "dispatched_at",
        "signed_at", "replied_at", "closed_at", "signed_on_time", "replied_on_time", "closed_on_time", "review_count",
        "rejection_count", "urge_count", "reassign_count", "escalation_level", "reply_text", "revisit_satisfied",
        "revisit_resolved", "merged_into", "is_restricted", "updated_at"]),
    "assignments": (Assignment, ["problem", "unit", "role", "is_active", "assigned_at", "ended_at", "end_reason"]),
    "reporters": (Reporter, ["problem", "name_encrypted", "phone_encrypted", "name_masked", "phone_masked"]),
    "attachments": (Attachment, ["problem", "purpose", "file", "stored_token", "original_name", "content_type", "size",
                                 "sha256", "uploaded_by", "uploaded_by_org", "uploaded_at"]),
    "extensions": (Extension, ["problem", "requested_by", "requested_at", "old_deadline", "requested_deadline",
                               "reason", "status", "decided_by", "decided_at", "decision_reason"]),
    "shares": (Share, ["problem", "partner", "shared_by", "shared_at", "reason"]),
    "restricted": (Problem.restricted_to.through, ["problem", "user"]),
}


class _Stop(Exception):
    """The next step of a problem would happen after the end date: its history ends here."""


class _Days:
    """Working-day arithmetic on an index of working days (O(1) per call), built from `is_working_day`."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first = first
        self.beyond = last + dt.timedelta(days=1)
        self.working: list[dt.date] = []
        self.rank: list[int] = []  # rank[i] = working days in [first, first + i]
        day = first
        while day <= last:
            if is_working_day(day):
                self.working.append(day)
            self.rank.append(len(self.working))
            day += dt.timedelta(days=1)

    def is_working(self, day: dt.date) -> bool:
        """Whether `day` is a working day."""
        i = (day - self.first).days
        return self.rank[i] - (self.rank[i - 1] if i else 0) == 1

    def add(self, day: dt.date, n: int) -> dt.date:
        """Same as add_working_days(day, n); a day past the index (so past the end date) when it runs out."""
        i = (day - self.first).days
        try:
            if n == 0:
                return day if self.is_working(day) else self.working[self.rank[i]]
            return self.working[self.rank[i] + n - 1]
        except IndexError:
            return self.beyond

    def sub(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day before `day`."""
        i = (day - self.first).days
        before = self.rank[i] - (1 if self.is_working(day) else 0)
        return self.working[before - n]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], as working_days_between()."""
        return self.rank[(end - self.first).days] - self.rank[(start - self.first).days]


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small, valid, single-colour PNG (the demo's stand-in for evidence photos)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@dataclass
class _Evidence:
    name: str
    original_name: str
    size: int
    sha256: str


@dataclass
class Stats:
    """What was generated, for the command's summary and the tests."""

    problems: int = 0
    events: int = 0
    states: Counter = field(default_factory=Counter)
    overdue_open: int = 0
    seconds_events: float = 0.0  # inside record_events (on PostgreSQL on the writer's thread, beside the generation)
    seconds_rows: float = 0.0  # writing problems and their rows (likewise)


class _P:
    """The fields of one problem while its history is simulated."""

    __slots__ = (
        "id", "number", "title", "description", "source", "category", "region", "district", "location", "lng", "lat",
        "urgency", "state", "received_at", "created_by", "supervising_org", "lead_unit", "sign_deadline",
        "handle_deadline", "original_handle_deadline", "first_dispatched_at", "dispatched_at", "signed_at",
        "replied_at", "closed_at", "signed_on_time", "replied_on_time", "closed_on_time", "review_count",
        "rejection_count", "urge_count", "reassign_count", "escalation_level", "reply_text", "revisit_satisfied",
        "revisit_resolved", "merged_into_id", "is_restricted", "last", "actors", "assignments", "handler",
        "times", "states", "planned_lead",
    )

    def __init__(self):
        self.state = State.RECEIVED
        self.lead_unit = self.sign_deadline = self.handle_deadline = self.original_handle_deadline = None
        self.first_dispatched_at = self.dispatched_at = self.signed_at = self.replied_at = self.closed_at = None
        self.signed_on_time = self.replied_on_time = self.closed_on_time = None
        self.review_count = self.rejection_count = self.urge_count = self.reassign_count = 0
        self.escalation_level = 0
        self.reply_text = ""
        self.revisit_satisfied = self.revisit_resolved = self.merged_into_id = self.handler = None
        self.is_restricted = False
        self.actors: list = []
        self.assignments: list[list] = []  # [problem, unit, role, is_active, assigned_at, ended_at, end_reason]
        self.times: list[dt.datetime] = []
        self.states: list[str] = []


class HistoryGenerator:
    """Generates `count` problems received between `start` and `end` (inclusive) and writes them in bulk."""

    def __init__(self, city: City, *, rng: random.Random, count: int, start: dt.date, end: dt.date,
                 progress: Callable[[int, int], None] | None = None):
        self.city, self.rng, self.count, self.start, self.end = city, rng, count, start, end
        self.progress = progress or (lambda done, total: None)
        self.end_dt = dt.datetime.combine(end, dt.time(23, 59, 59), CST)
        last_covered = dt.date(max(covered_years()), 12, 31)
        self.days = _Days(start - dt.timedelta(days=10), min(last_covered, end + dt.timedelta(days=800)))
        self._deadline_cache: dict[tuple[dt.date, int], dt.date] = {}
        self._rule_cache: dict[tuple[int, int, str], tuple[int, int]] = {}
        self.heap: list = []
        self.tiebreak = 0
        self.event_buffer: list[EventSpec] = []
        self.stats = Stats()
        self.rows: dict[str, list] = {k: [] for k in ("problems", "assignments", "reporters", "attachments",
                                                      "extensions", "shares", "restricted")}
        self.candidates: dict[int, deque] = {}
        self.sequences: dict[str, list[float]] = {}  # kind → [offset, last value]
        self.inserters = {kind: Inserter(model, fields) for kind, (model, fields) in TABLES.items()}
        self.writer = BackgroundWriter()
        self._prepare_tables()

    # ------------------------------------------------------------ reference tables

    def _prepare_tables(self) -> None:
        city = self.city
        self.source_codes = [s.code for s in city.sources]
        self.source_cum = {
            working: _cumulative([w[0] if working else w[1] for w in city.source_weights]) for working in (True, False)
        }
        self.cat_codes = [c.code for c in city.categories]
        self.cat_cum: dict[tuple[int, int], list[float]] = {}
        for s, code in enumerate(self.source_codes):
            affinity = AFFINITY.get(code, {})
            for month in range(12):
                weights = [base * SEASON.get(cat, [1] * 12)[month] * affinity.get(cat, 1)
                           for cat, base in zip(self.cat_codes, city.category_weights, strict=True)]
                self.cat_cum[s, month] = _cumulative(weights)
        self.district_cum = _cumulative([d.weight for d in city.districts])
        self.by_kind = {d.index: {**d.bureaus, "gov": d.government} for d in city.districts}
        self.group_units: dict[int, set[int]] = {}
        for unit_pk, group in city.group_of_unit.items():
            self.group_units.setdefault(group.id, set()).add(unit_pk)
        regions = [city.region] + [r for d in city.districts for r in (d.region, *d.towns)]
        self.centres = {r.id: (float(r.centre_lng), float(r.centre_lat)) for r in regions}
        evidence = []
        for i, (name, colour) in enumerate(zip(EVIDENCE_NAMES, EVIDENCE_COLOURS, strict=True)):
            content = _png(48, 32, colour)
            path = f"demo/evidence-{i + 1}.png"
            if not default_storage.exists(path):
                path = default_storage.save(path, ContentFile(content))
            evidence.append(_Evidence(path, name, len(content), hashlib.sha256(content).hexdigest()))
        self.evidence = evidence

    def _draw(self, kind: str) -> float:
        """The next value in [0, 1) of an equidistributed (golden-ratio) sequence of its own for `kind`.

        Rare steps and the handling fate are drawn from these rather than independently, so that every stretch of
        problems gets its share: the ~2–3 % overdue and every kind of side step show in a few hundred problems as
        well as in a million. Each sequence starts at an offset drawn from the seeded generator.
        """
        state = self.sequences.get(kind)
        if state is None:
            state = self.sequences[kind] = [self.rng.random(), 0.0]
        state[1] = (state[1] + GOLDEN) % 1.0
        return (state[0] + state[1]) % 1.0

    def _chance(self, kind: str, probability: float) -> bool:
        """True for a `probability` share of the calls for `kind`, evenly spread."""
        return self._draw(kind) < probability

    def _deadline(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        found = self._deadline_cache.get(key)
        if found is None:
            with self.writer.database():  # the calendar may be re-read from the database
                found = self._deadline_cache[key] = add_working_days(day, n)
        return found

    def _limits(self, p: _P) -> tuple[int, int]:
        key = (p.source.id, p.category.id, p.urgency)
        found = self._rule_cache.get(key)
        if found is None:
            with self.writer.database():
                rule = rule_for(Problem(source_id=p.source.id, category_id=p.category.id, urgency=p.urgency))
            found = self._rule_cache[key] = (rule.sign_days, rule.handle_days)
        return found

    # ------------------------------------------------------------ the run

    def run(self) -> Stats:
        """Generate everything; the caller provides the surrounding transaction."""
        times = self._receipt_times()
        next_id = (Problem.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        counters = dict(NumberCounter.objects.values_list("year", "last"))
        # The writes run on the writer's thread (PostgreSQL) while this one generates; leaving the block waits for them.
        self._check_constraints_per_statement(True)
        with self.writer:
            for i, received_at in enumerate(times):
                self._flush_events(before=received_at)
                year = received_at.year
                counters[year] = counters.get(year, 0) + 1
                p = self._new_problem(next_id + i, f"QS-{year}-{counters[year]:06d}", received_at)
                try:
                    self._simulate(p)
                except _Stop:
                    pass
                self._collect(p)
                if len(self.rows["problems"]) >= CHUNK:
                    self._write_rows()
                    reset_queries()  # with DEBUG on, the logged bulk statements would otherwise pile up in memory
                    if i + 1 < self.count:
                        self.progress(i + 1, self.count)
            self._write_rows()
            self._flush_events(before=None)
        self._check_constraints_per_statement(False)
        self._finish(counters)
        self.progress(self.count, self.count)
        return self.stats

    def _receipt_times(self) -> list[dt.datetime]:
        """`count` receipt times, spread over the days by season, weekday and a slight growth trend, sorted."""
        rng, days = self.rng, []
        weights = []
        span = max((self.end - self.start).days, 1)
        day = self.start
        while day <= self.end:
            trend = 0.92 + 0.16 * (day - self.start).days / span
            weights.append(MONTH_VOLUME[day.month - 1] * trend * (1.0 if self.days.is_working(day) else 0.4))
            days.append(day)
            day += dt.timedelta(days=1)
        chosen = rng.choices(days, cum_weights=_cumulative(weights), k=self.count)
        times = []
        for day in chosen:
            if self.days.is_working(day):
                minute = _between(rng, 8 * 60, 19 * 60) if rng.random() < 0.85 else _between(rng, 7 * 60, 22 * 60)
            else:
                minute = _between(rng, 7 * 60, 22 * 60)
            times.append(dt.datetime.combine(day, dt.time(minute // 60, minute % 60, _between(rng, 0, 59)), CST))
        times.sort()
        return times

    # ------------------------------------------------------------ one problem: who, what, where

    def _new_problem(self, pk: int, number: str, received_at: dt.datetime) -> _P:
        rng, city = self.rng, self.city
        p = _P()
        p.id, p.number, p.received_at, p.last = pk, number, received_at, received_at
        working = self.days.is_working(received_at.date())
        s = bisect.bisect(self.source_cum[working], rng.random() * self.source_cum[working][-1])
        p.source = city.sources[s]
        cum = self.cat_cum[s, received_at.month - 1]
        c = bisect.bisect(cum, rng.random() * cum[-1])
        p.category = city.categories[c]
        cat = self.cat_codes[c]
        code = p.source.code
        p.urgency = "urgent" if (cat != "consult" and rng.random() < P_URGENT * (2 if code == "camera" else 1)) \
            else "normal"

        district = city.districts[bisect.bisect(self.district_cum, rng.random() * self.district_cum[-1])]
        p.district = district
        city_lead = rng.random() < CITY_LEAD_SHARE.get(code, 0.1) + CITY_LEAD_CATEGORY_BONUS.get(cat, 0)
        town_index = int(rng.random() * len(district.towns)) if rng.random() < 0.8 else None
        if city_lead and cat in ("duty", "approval") and rng.random() < 0.35:
            p.region, town_index, p.district = city.region, None, None
        elif town_index is None:
            p.region = district.region
        else:
            p.region = district.towns[town_index]
        lead = self._pick_lead(cat, district, town_index, city_lead)
        p.lead_unit = None
        p.supervising_org = self._pick_supervisor(code, cat, lead, district if p.district else None)
        p.created_by = _pick(rng, city.staff[p.supervising_org.id])
        p.planned_lead = lead
        self._texts(p, cat, district, town_index, lead)
        lng, lat = self.centres[p.region.id]
        p.lng = Decimal(f"{lng + rng.uniform(-0.03, 0.03):.6f}")
        p.lat = Decimal(f"{lat + rng.uniform(-0.025, 0.025):.6f}")
        p.is_restricted = self._chance("restricted_12388", 0.08) if code == "12388" else \
            self._chance("restricted", P_RESTRICTED)
        return p

    def _pick_lead(self, cat: str, district: District, town_index: int | None, city_lead: bool):
        rng = self.rng
        district_options, city_options = LEADS[cat]
        if city_lead:
            return self.city.city_units[_weighted(rng, city_options)]
        options = [(k, w) for k, w in district_options if k != "town" or town_index is not None]
        key = _weighted(rng, options)
        if key == "town":
            return district.town_units[town_index]
        return self.by_kind[district.index][key]

    def _pick_supervisor(self, code: str, cat: str, lead, district: District | None):
        rng, city = self.rng, self.city
        if code == "12388" and rng.random() < 0.5:
            return city.offices["xinfang"]
        if lead.region_id == city.region.id:
            group = city.group_of_unit.get(lead.id)
            if group is not None and rng.random() < 0.65:
                return group
            if cat == "duty" and rng.random() < 0.5:
                return city.offices["style"]
            if district is not None:
                return district.inspection_office
            return city.offices[f"insp{_between(rng, 1, 4)}"]
        return district.commission if rng.random() < 0.75 else district.inspection_office

    def _texts(self, p: _P, cat: str, district: District, town_index, lead) -> None:
        rng = self.rng
        town = district.towns[town_index].name if town_index is not None else ""
        place = f"{district.name}{town}" if p.district else "青山市"
        road = _pick(rng, ROADS)
        p.title = _pick(rng, TITLES[cat]).format(
            place=place, river=_pick(rng, RIVERS), road=f"{place}{road}",
            firm=f"{place}{_pick(rng, FIRMS)}{_pick(rng, TRADES)}有限公司", unit=lead.short_name or lead.name,
        )[:200]
        p.location = f"{place}{road}{_between(rng, 1, 399)}号附近" if cat not in ("duty", "consult") else ""
        p.description = f"{INTRO[p.source.code]}{p.title}。{self._detail(p)}"

    def _detail(self, p: _P) -> str:
        if p.category.code == "consult":
            return "请予以答复。"
        return _pick(self.rng, CITIZEN_DETAILS if p.source.has_citizen_reporter else OFFICIAL_DETAILS)

    # ------------------------------------------------------------ one problem: its history

    def _emit(self, p: _P, t: dt.datetime, action: str, actor, org, to_state: str | None = None, reason: str = "",
              payload: dict | None = None, internal: bool = False) -> None:
        """Queue one audit event for `p` and move it to `to_state` (None: a side step that keeps the state)."""
        if t > self.end_dt:
            raise _Stop
        to_state = to_state or p.state
        self.tiebreak += 1
        heapq.heappush(self.heap, (t, self.tiebreak, p.id, action, actor, org, p.state, to_state, reason,
                                   payload, internal))
        p.state, p.last = to_state, t
        p.times.append(t)
        p.states.append(to_state)
        if p.is_restricted and actor not in p.actors:
            p.actors.append(actor)

    def _at(self, day: dt.date, after: dt.datetime) -> dt.datetime:
        """A time in office hours on working day `day` (or the next), strictly after `after`."""
        rng = self.rng
        if day < after.date():
            day = after.date()
        while True:
            if day >= self.days.beyond:
                return self.end_dt + dt.timedelta(days=1)  # past the end: the caller's step raises _Stop
            lo = 8 * 60 + 30
            if day == after.date():
                lo = max(lo, after.hour * 60 + after.minute + 3)
            if lo <= 17 * 60 + 50 and self.days.is_working(day):
                minute = _between(rng, lo, min(17 * 60 + 55, lo + 240) if day == after.date() else 17 * 60 + 30)
                return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, _between(rng, 0, 59)), CST)
            day = self.days.add(day, 1)

    def _later(self, p: _P, wd: int) -> dt.datetime:
        """A time `wd` working days after the problem's last step (0: the same day if there is time left)."""
        return self._at(self.days.add(p.last.date(), wd), p.last)

    def _simulate(self, p: _P) -> None:
        rng = self.rng
        officer, org = p.created_by, p.supervising_org
        primary = self._duplicate_of(p) if self._chance("duplicate", P_DUPLICATE) else None
        if primary is not None:
            self._copy_from(primary, p)
        self._emit(p, p.received_at, Action.CREATE, officer, org, State.RECEIVED,
                   payload={"number": p.number, "attachments": [], "restricted": p.is_restricted})
        if primary is not None:
            self._merge(p, primary)
            return
        if not p.is_restricted:
            self._remember(p)
        lead = p.planned_lead
        t = self._later(p, 0 if (p.urgency == "urgent" or rng.random() < 0.65) else (1 if rng.random() < 0.8 else 2))
        co = self._co_units(p, lead)
        self._dispatch(p, t, lead, co, Action.DISPATCH)
        if p.category.code in ("water", "air", "solid_waste", "ecology") and self._chance("share", P_SHARE):
            self._share(p)
        if p.urgency == "normal" and self._chance("return", P_RETURN):
            self._return_and_redispatch(p)
        self._sign(p)
        if p.urgency == "normal" and self._chance("reassign", P_REASSIGN):
            self._reassign(p)
            self._sign(p)
        self._emit(p, self._at(p.last.date(), p.last), Action.START, p.handler, p.lead_unit, State.IN_PROGRESS)
        self._handle(p)

    def _dispatch(self, p: _P, t: dt.datetime, lead, co: list, action: str, reason: str = "") -> None:
        sign_days, handle_days = self._limits(p)
        day = t.date()
        sign_deadline, handle_deadline = self._deadline(day, sign_days), self._deadline(day, handle_days)
        old = p.lead_unit
        if action == Action.DISPATCH:
            payload = {"lead_unit": str(lead), "co_units": [str(u) for u in co], "sign_deadline": str(sign_deadline),
                       "handle_deadline": str(handle_deadline)}
        else:
            # Extensions are always decided at once here, so none is pending to lapse.
            payload = {"from_unit": str(old), "lead_unit": str(lead), "co_units": [str(u) for u in co],
                       "handle_deadline": str(handle_deadline), "extension_lapsed": False}
        self._emit(p, t, action, p.created_by, p.supervising_org, State.DISPATCHED, reason=reason, payload=payload)
        for a in p.assignments:
            if a[3]:
                a[3], a[5], a[6] = False, t, ("重新交办" if action == Action.DISPATCH else f"改派：{reason}")
        p.assignments.append([p.id, lead.id, AssignmentRole.LEAD, True, t, None, ""])
        p.assignments += [[p.id, u.id, AssignmentRole.CO, True, t, None, ""] for u in co]
        p.sign_deadline, p.handle_deadline = sign_deadline, handle_deadline
        p.original_handle_deadline = handle_deadline
        p.signed_at = p.signed_on_time = None
        p.lead_unit, p.dispatched_at = lead, t
        p.first_dispatched_at = p.first_dispatched_at or t
        if action == Action.REASSIGN:
            p.reassign_count += 1
        p.handler = _pick(self.rng, self.city.handlers[lead.id])
        if p.is_restricted and p.handler not in p.actors:
            p.actors.append(p.handler)  # the unit's handler must be able to see a restricted problem to sign it

    def _co_units(self, p: _P, lead) -> list:
        rng = self.rng
        if rng.random() >= P_CO_UNITS:
            return []
        district_options, city_options = LEADS[p.category.code]
        if lead.region_id == self.city.region.id or p.district is None:
            pool = [self.city.city_units[k] for k, _w in city_options]
            pool += [self.city.city_units[k] for k in ("water", "urban", "land") if k not in dict(city_options)]
        else:
            pool = [self.by_kind[p.district.index][k] for k, _w in district_options if k not in ("town", "gov")]
            pool += [u for u in p.district.town_units if u.region_id == p.region.id]
        pool = [u for u in dict.fromkeys(pool) if u.id != lead.id]
        return rng.sample(pool, min(len(pool), 1 if rng.random() < 0.8 else 2))

    def _share(self, p: _P) -> None:
        partner = self.city.partners[0]
        reason = "涉及跨部门污染防治协调，移送市污染防治攻坚办协同督办。"
        t = self._later(p, 0)
        self._emit(p, t, Action.SHARE, p.created_by, p.supervising_org, reason=reason,
                   payload={"partner": str(partner)})
        self.rows["shares"].append((p.id, partner.id, p.created_by.id, t, reason))

    def _other_lead(self, p: _P):
        district_options, city_options = LEADS[p.category.code]
        if p.lead_unit.region_id == self.city.region.id or p.district is None:
            pool = [self.city.city_units[k] for k, _w in city_options] + [self.city.city_units["water"]]
        else:
            pool = [self.by_kind[p.district.index][k] for k, _w in district_options if k != "town"]
            pool += [self.by_kind[p.district.index]["gov"]]
        pool = [u for u in dict.fromkeys(pool) if u.id != p.lead_unit.id]
        if p.supervising_org.kind == "stationed_group":
            # A stationed group may act only on its own problems or its units' ones: keep it in its lane.
            pool = [u for u in pool if u.id in self.group_units.get(p.supervising_org.id, ())] or pool
        return _pick(self.rng, pool) if pool else None

    def _return_and_redispatch(self, p: _P) -> None:
        rng = self.rng
        new_lead = self._other_lead(p)
        if new_lead is None:
            return
        if rng.random() < 0.3:
            self._sign(p)
        reason = _pick(rng, RETURN_REASONS)
        t = self._later(p, _pick(rng, (0, 1, 1, 2)))
        unit = p.lead_unit
        self._emit(p, t, Action.RETURN, p.handler, unit, State.RETURNED, reason=reason,
                   payload={"unit": str(unit), "extension_lapsed": False})
        for a in p.assignments:
            if a[3]:
                a[3], a[5], a[6] = False, t, f"退回：{reason}"
        p.lead_unit = None
        p.reassign_count += 1
        self._dispatch(p, self._later(p, _pick(rng, (0, 1, 1, 2))), new_lead, [], Action.DISPATCH,
                       reason=f"原承办单位退回，重新交办{new_lead}。")

    def _reassign(self, p: _P) -> None:
        new_lead = self._other_lead(p)
        if new_lead is None:
            return
        if p.state == State.SIGNED and self.rng.random() < 0.5:
            self._emit(p, self._later(p, 0), Action.START, p.handler, p.lead_unit, State.IN_PROGRESS)
        reason = "经研判，该问题由新承办单位牵头办理更为适宜。"
        self._dispatch(p, self._later(p, _between(self.rng, 1, 3)), new_lead, [], Action.REASSIGN, reason=reason)

    def _sign(self, p: _P) -> None:
        rng = self.rng
        dispatch_day = p.dispatched_at.date()
        if rng.random() < P_SIGN_LATE:
            day = self.days.add(p.sign_deadline, _between(rng, 1, 3))
        elif p.sign_deadline == dispatch_day or rng.random() < 0.6:
            day = dispatch_day
        else:
            day = p.sign_deadline
        t = self._at(day, p.last)
        on_time = t.date() <= p.sign_deadline
        self._emit(p, t, Action.SIGN, p.handler, p.lead_unit, State.SIGNED, payload={"on_time": on_time})
        p.signed_at, p.signed_on_time = t, on_time

    def _handle(self, p: _P) -> None:
        """From 办理中 to the reply, with extensions, urgings and escalations, then review and revisit."""
        rng = self.rng
        start_day = p.last.date()
        fate = self._draw("fate")
        if p.urgency == "urgent":
            reply_day = start_day if rng.random() < 0.85 else self.days.add(start_day, 1)
        elif fate < P_STUCK:
            reply_day = None
        elif fate < P_STUCK + P_LATE:
            late = _between(rng, 1, 10) if rng.random() < 0.7 else 11 + int(rng.expovariate(1 / 60))
            reply_day = self.days.add(p.handle_deadline, late)
        else:
            left = self.days.between(start_day, p.handle_deadline)
            if fate < P_STUCK + P_LATE + P_EXTENSION and left >= 4:
                self._extension(p, start_day, left)
                start_day = p.last.date()
                left = self.days.between(start_day, p.handle_deadline)
            k = round(max(left, 0) * rng.triangular(0.05, 1.0, 0.5))
            reply_day = self.days.add(start_day, min(k, max(left, 0)))
        self._chase(p, reply_day)
        self._reply(p, reply_day)
        self._review(p)

    def _extension(self, p: _P, start_day: dt.date, left: int) -> None:
        rng = self.rng
        request_day = self.days.add(start_day, _between(rng, 1, left - 2))
        old = p.handle_deadline
        wanted = self.days.add(old, _pick(rng, (5, 10, 15)))
        reason = "涉及多部门协调，整改工程需时较长，申请延期。"
        t = self._at(request_day, p.last)
        self._emit(p, t, Action.REQUEST_EXTENSION, p.handler, p.lead_unit, reason=reason,
                   payload={"requested_deadline": str(wanted)})
        approve = rng.random() < 0.8
        decided = self._later(p, _pick(rng, (0, 1)))
        head = self.city.heads[p.supervising_org.id]
        if approve:
            self._emit(p, decided, Action.APPROVE_EXTENSION, head, p.supervising_org,
                       payload={"old_deadline": str(old), "new_deadline": str(wanted)})
            status, note = ExtensionStatus.APPROVED, ""
            p.handle_deadline = wanted
        else:
            note = "整改任务可在原期限内完成，不予延期。"
            self._emit(p, decided, Action.REJECT_EXTENSION, head, p.supervising_org, reason=note, payload={})
            status = ExtensionStatus.REJECTED
        self.rows["extensions"].append((p.id, p.handler.id, t, old, wanted, reason, status, head.id, decided, note))

    def _chase(self, p: _P, reply_day: dt.date | None) -> None:
        """Urgings and escalations while the unit holds the problem: one before the deadline, then when overdue."""
        rng = self.rng
        steps: list[tuple[dt.date, int]] = []  # (day, 0 = urge or escalation level)
        deadline = p.handle_deadline
        if reply_day is None or reply_day >= deadline:
            before = self.days.sub(deadline, 1)
            if before > p.last.date() and rng.random() < P_PRE_DEADLINE_URGE:
                steps.append((before, 0))
        if reply_day is None or reply_day > deadline:
            steps += [(self.days.add(deadline, n), 0) for n in URGE_AFTER]
            steps += [(self.days.add(deadline, n), level) for n, level in ESCALATE_AFTER]
            steps.sort()
        head = self.city.heads[p.supervising_org.id]
        for day, level in steps:
            if reply_day is not None and day >= reply_day:
                break
            if day <= p.last.date():
                continue
            t = self._at(day, p.last)
            if level == 0:
                self._emit(p, t, Action.URGE, p.created_by, p.supervising_org, reason=_pick(rng, URGE_NOTES),
                           payload={"count": p.urge_count + 1})
                p.urge_count += 1
            elif level > p.escalation_level:
                self._emit(p, t, Action.ESCALATE, head, p.supervising_org, reason=ESCALATE_REASONS[level],
                           payload={"from_level": p.escalation_level, "level": level,
                                    "label": EscalationLevel(level).label})
                p.escalation_level = level
        if reply_day is None:
            raise _Stop

    def _reply(self, p: _P, reply_day: dt.date) -> None:
        rng = self.rng
        t = self._at(reply_day, p.last)
        text = _pick(rng, REPLIES.get(p.category.code, REPLY_DEFAULT))
        # The unit's head sometimes signs the reply off personally (the services allow handler or head).
        author = self.city.heads[p.lead_unit.id] if rng.random() < 0.2 else p.handler
        evidence = self.evidence[int(rng.random() * len(self.evidence))]
        on_time = t.date() <= p.handle_deadline
        self._emit(p, t, Action.REPLY, author, p.lead_unit, State.REPLIED, reason=text,
                   payload={"attachments": [evidence.original_name], "on_time": on_time})
        p.replied_at, p.replied_on_time, p.reply_text = t, on_time, text
        self.rows["attachments"].append((
            p.id, AttachmentPurpose.EVIDENCE, evidence.name, f"{rng.getrandbits(128):032x}", evidence.original_name,
            "image/png", evidence.size, evidence.sha256, author.id, p.lead_unit.id, t,
        ))

    def _review(self, p: _P) -> None:
        rng = self.rng
        head = self.city.heads[p.supervising_org.id]
        for round_ in range(3):
            reviewer = head if rng.random() < 0.7 else p.created_by
            t = self._later(p, _pick(rng, (0, 1, 1, 2, 3)))
            if round_ < 2 and rng.random() < P_REJECT[round_]:
                self._emit(p, t, Action.REJECT, reviewer, p.supervising_org, State.IN_PROGRESS,
                           reason=_pick(rng, REJECT_COMMENTS), payload={})
                p.review_count += 1
                p.rejection_count += 1
                # As problem_review does: a rejected reply no longer meets the deadline; the clock runs on.
                p.replied_at = p.replied_on_time = None
                redo = self.days.add(t.date(), _between(rng, 2, 8))
                self._chase(p, redo)
                self._reply(p, redo)
                continue
            stage = self._chance("stage", P_STAGE * (3 if p.category.code in ("ecology", "soil") else 1))
            decision, state = (Action.APPROVE_STAGE, State.STAGE_CLOSED) if stage else (Action.APPROVE, State.CLOSED)
            on_time = bool(p.replied_on_time)
            self._emit(p, t, decision, reviewer, p.supervising_org, state, payload={"on_time": on_time})
            p.review_count += 1
            p.closed_at, p.closed_on_time = t, on_time
            break
        revisit = 0.6 if p.source.has_citizen_reporter else 0.1
        if rng.random() < revisit:
            satisfied = rng.random() < (0.92 if p.closed_on_time else 0.7)
            resolved = rng.random() < (0.9 if satisfied else 0.5)
            t = self._later(p, _between(rng, 1, 5))
            self._emit(p, t, Action.REVISIT, p.created_by, p.supervising_org, State.REVISITED,
                       reason=_pick(rng, REVISIT_NOTES), payload={"satisfied": satisfied, "resolved": resolved})
            p.revisit_satisfied, p.revisit_resolved = satisfied, resolved

    # ------------------------------------------------------------ duplicates

    def _remember(self, p: _P) -> None:
        """Keep recent problems per supervising body: a later report of the same thing may be merged into them."""
        queue = self.candidates.setdefault(p.supervising_org.id, deque())
        queue.append(p)
        while queue and (p.received_at - queue[0].received_at).days > DUPLICATE_WINDOW_DAYS:
            queue.popleft()

    def _duplicate_of(self, p: _P) -> _P | None:
        """A recent problem of the same supervising body that `p` will turn out to repeat, if any."""
        queue = self.candidates.get(p.supervising_org.id)
        if not queue:
            return None
        recent = [q for q in queue if (p.received_at - q.received_at).days <= DUPLICATE_WINDOW_DAYS]
        return _pick(self.rng, recent) if recent else None

    def _copy_from(self, primary: _P, p: _P) -> None:
        """A duplicate reports the same thing at the same place as its primary (another caller, another day)."""
        p.category, p.region, p.district, p.urgency = primary.category, primary.region, primary.district, "normal"
        p.title, p.location, p.lng, p.lat = primary.title, primary.location, primary.lng, primary.lat
        p.description = f"{INTRO[p.source.code]}{primary.title}。{self._detail(p)}"
        p.is_restricted = False

    def _merge(self, p: _P, primary: _P) -> None:
        """并单 while the duplicate is still 已登记: both keep their records and are linked both ways."""
        reason = f"与 {primary.number} 反映的为同一问题，并单办理。"
        t = self._later(p, _pick(self.rng, (0, 0, 1)))
        if t > self.end_dt:
            raise _Stop
        primary_state = primary.states[bisect.bisect_right(primary.times, t) - 1]
        self._emit(p, t, Action.MERGE, p.created_by, p.supervising_org, State.MERGED, reason=reason,
                   payload={"primary": primary.number})
        p.merged_into_id = primary.id
        self.tiebreak += 1
        heapq.heappush(self.heap, (t, self.tiebreak, primary.id, Action.MERGE, p.created_by, p.supervising_org,
                                   primary_state, primary_state, reason, {"duplicate": p.number}, False))

    # ------------------------------------------------------------ writing

    def _collect(self, p: _P) -> None:
        rng = self.rng
        self.stats.problems += 1
        self.stats.states[p.state] += 1
        as_of = self.end
        if (p.first_dispatched_at is not None and p.closed_at is None and p.state != State.MERGED
                and p.handle_deadline < as_of and not p.replied_on_time):
            self.stats.overdue_open += 1
        self.rows["problems"].append((
            p.id, p.number, p.title, p.description, p.source.id, p.category.id, p.region.id, p.region.path,
            p.location, p.lng, p.lat, p.urgency, p.state, p.received_at, p.received_at.date(), p.created_by.id,
            p.supervising_org.id, p.lead_unit.id if p.lead_unit else None, p.sign_deadline, p.handle_deadline,
            p.original_handle_deadline, p.first_dispatched_at, p.dispatched_at, p.signed_at, p.replied_at,
            p.closed_at, p.signed_on_time, p.replied_on_time, p.closed_on_time, p.review_count, p.rejection_count,
            p.urge_count, p.reassign_count, p.escalation_level, p.reply_text, p.revisit_satisfied,
            p.revisit_resolved, p.merged_into_id, p.is_restricted, p.last,
        ))
        self.rows["assignments"] += [tuple(a) for a in p.assignments]
        if p.source.has_citizen_reporter:
            name = _reporter_name(rng)
            phone = f"1{_pick(rng, '35789')}{_between(rng, 0, 999_999_999):09d}"
            self.rows["reporters"].append((p.id, encrypt(name), encrypt(phone), mask_name(name), mask_phone(phone)))
        if p.is_restricted:
            self.rows["restricted"] += [(p.id, u.id) for u in p.actors]

    def _write_rows(self) -> None:
        """Hand the collected rows to the writer (they are not touched again here) and start new lists."""
        batches = [(self.inserters[kind], rows) for kind, rows in self.rows.items() if rows]
        self.rows = {kind: [] for kind in self.rows}
        if batches:
            self.writer.submit(self._insert, batches)

    def _insert(self, batches: list[tuple[Inserter, list[tuple]]]) -> None:
        began = time.perf_counter()
        for inserter, rows in batches:
            inserter.write(rows)
        self.stats.seconds_rows += time.perf_counter() - began

    def _flush_events(self, before: dt.datetime | None) -> None:
        heap, pop, buffer = self.heap, heapq.heappop, self.event_buffer
        while heap and (before is None or heap[0][0] < before):
            t, _tie, pk, action, actor, org, from_state, to_state, reason, payload, internal = pop(heap)
            # Positional: EventSpec(object_type, object_id, action, actor, actor_org, from_state, to_state, reason,
            # payload, internal, created_at), built a few million times.
            buffer.append(EventSpec(OBJECT_TYPE, pk, action, actor, org, from_state, to_state, reason, payload,
                                    internal, t))
            if len(buffer) >= EVENT_BATCH:
                self._append_events()
                buffer = self.event_buffer
        if before is None:
            self._append_events()

    def _append_events(self) -> None:
        if self.event_buffer:
            specs, self.event_buffer = self.event_buffer, []
            self.stats.events += len(specs)
            self.writer.submit(self._record, specs)

    def _record(self, specs: list[EventSpec]) -> None:
        began = time.perf_counter()
        record_events(specs)
        self.stats.seconds_events += time.perf_counter() - began

    def _check_constraints_per_statement(self, on: bool) -> None:
        """On PostgreSQL, check foreign keys as each bulk statement ends rather than all at commit.

        Every row refers only to rows written before it, so the checks pass either way; done per statement they run
        on the writer's thread beside the generation instead of in one long wait at commit (minutes for a million).
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS ALL {'IMMEDIATE' if on else 'DEFERRED'}")

    def _finish(self, counters: dict[int, int]) -> None:
        for year, last in counters.items():
            NumberCounter.objects.update_or_create(year=year, defaults={"last": last})
        if connection.vendor == "postgresql":
            # Problems were written with explicit ids: move the id sequence past them.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Problem]):
                    cursor.execute(sql)


def _pick(rng: random.Random, options):
    """rng.choice, without its overhead (a million problems make a few hundred million draws)."""
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), without its overhead."""
    return low + int(rng.random() * (high - low + 1))


def _reporter_name(rng: random.Random) -> str:
    """A citizen's name as a hotline operator records it: a full name, or a surname with 先生/女士."""
    if rng.random() < 0.3:
        return _pick(rng, SURNAMES) + _pick(rng, ("先生", "女士"))
    return _pick(rng, SURNAMES) + "".join(_pick(rng, GIVEN_CHARS) for _ in range(2 if rng.random() < 0.75 else 1))


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for w in weights:
        total += w
        result.append(total)
    return result


def _weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    total = sum(w for _k, w in options)
    pick = rng.random() * total
    for key, weight in options:
        pick -= weight
        if pick < 0:
            return key
    return options[-1][0]


def default_start(end: dt.date) -> dt.date:
    """Two years before `end` (29 February falls back to the 28th)."""
    try:
        return end.replace(year=end.year - 2)
    except ValueError:
        return end.replace(year=end.year - 2, day=28)


