"""GB 3838-2002 water classes and HJ 633-2012/2026 air-quality indices: exact Python reference and portable SQL.

Everything follows ``shared/docs/standards.md``. The Python functions compute with ``Fraction``/``Decimal`` only and
are the reference the SQL builders are tested against. The SQL builders return SQLGlot expressions that use nothing
but CASE, comparisons, + − × on BIGINT and FLOOR/CEIL of one provably exact division, so DuckDB, Spark and
PostgreSQL give the same answers: no dialect rounding function (SQLGlot passes ``ROUND_EVEN`` through untranslated
to Spark and PostgreSQL, and PostgreSQL has none), no decimal division (DuckDB divides decimals into doubles).

未检出 (below the detection limit): the reading carries the detection limit as its value and a flag. Following the
assessment method (环办〔2011〕22号, 未检出按检出限一半参与计算) such a reading counts as half the detection limit,
both in period means and in classing. With every detection limit of GB 3838 at or below the Ⅰ limit this makes an
undetected upper-bound item class Ⅰ, which is what a person would expect.

HJ 633-2012 rounding: the 2012 text also has IAQI and AQI rounded up (进位取整); it does not round concentrations
first, so 2012 ceilings the exact IAQI of the reported concentration.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from sqlglot import exp

Number = Decimal | Fraction | int | str | float

# ---------------------------------------------------------------------------------------------------------------
# GB 3838-2002
# ---------------------------------------------------------------------------------------------------------------

WORSE_THAN_V = 6  # 劣Ⅴ类
CLASS_LABELS = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}
CLASS_GRADES = {1: "优", 2: "优", 3: "良好", 4: "轻度污染", 5: "中度污染", 6: "重度污染"}

UPPER, LOWER, RANGE = "upper", "lower", "range"


@dataclass(frozen=True)
class WaterItem:
    """One item of GB 3838-2002 Table 1: its bound kind, the limits of classes Ⅰ–Ⅴ and whether it is classed."""

    code: str
    name: str
    kind: str
    limits: tuple[Decimal, ...]
    assessed: bool = True
    lake_limits: tuple[Decimal, ...] | None = None


def _limits(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


WATER_ITEMS: dict[str, WaterItem] = {item.code: item for item in [
    WaterItem("ph", "pH", RANGE, _limits("6", "9")),
    WaterItem("do", "溶解氧", LOWER, _limits("7.5", "6", "5", "3", "2")),
    WaterItem("codmn", "高锰酸盐指数", UPPER, _limits("2", "4", "6", "10", "15")),
    WaterItem("cod", "化学需氧量", UPPER, _limits("15", "15", "20", "30", "40")),
    WaterItem("bod5", "五日生化需氧量", UPPER, _limits("3", "3", "4", "6", "10")),
    WaterItem("nh3n", "氨氮", UPPER, _limits("0.15", "0.5", "1.0", "1.5", "2.0")),
    WaterItem("tp", "总磷", UPPER, _limits("0.02", "0.1", "0.2", "0.3", "0.4"),
              lake_limits=_limits("0.01", "0.025", "0.05", "0.1", "0.2")),
    # Reported, not classed; lakes judge TN separately (section_class reports it as tn_class).
    WaterItem("tn", "总氮", UPPER, _limits("0.2", "0.5", "1.0", "1.5", "2.0"), assessed=False),
    WaterItem("cu", "铜", UPPER, _limits("0.01", "1.0", "1.0", "1.0", "1.0")),
    WaterItem("zn", "锌", UPPER, _limits("0.05", "1.0", "1.0", "2.0", "2.0")),
    WaterItem("f", "氟化物", UPPER, _limits("1.0", "1.0", "1.0", "1.5", "1.5")),
    WaterItem("se", "硒", UPPER, _limits("0.01", "0.01", "0.01", "0.02", "0.02")),
    WaterItem("as", "砷", UPPER, _limits("0.05", "0.05", "0.05", "0.1", "0.1")),
    WaterItem("hg", "汞", UPPER, _limits("0.00005", "0.00005", "0.0001", "0.001", "0.001")),
    WaterItem("cd", "镉", UPPER, _limits("0.001", "0.005", "0.005", "0.005", "0.01")),
    WaterItem("cr6", "铬(六价)", UPPER, _limits("0.01", "0.05", "0.05", "0.05", "0.1")),
    WaterItem("pb", "铅", UPPER, _limits("0.01", "0.01", "0.05", "0.05", "0.1")),
    WaterItem("cn", "氰化物", UPPER, _limits("0.005", "0.05", "0.2", "0.2", "0.2")),
    WaterItem("phenol", "挥发酚", UPPER, _limits("0.002", "0.002", "0.005", "0.01", "0.1")),
    WaterItem("oil", "石油类", UPPER, _limits("0.05", "0.05", "0.05", "0.5", "1.0")),
    WaterItem("las", "阴离子表面活性剂", UPPER, _limits("0.2", "0.2", "0.2", "0.3", "0.3")),
    WaterItem("sulfide", "硫化物", UPPER, _limits("0.05", "0.1", "0.2", "0.5", "1.0")),
    WaterItem("fecal_coliform", "粪大肠菌群", UPPER, _limits("200", "2000", "10000", "20000", "40000"),
              assessed=False),
]}
WATER_BODIES = ("river", "lake")


def exact(value: Number) -> Fraction:
    """A reading as an exact fraction; floats go through their shortest decimal text (2.2 stays 2.2)."""
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = Decimal(value.strip())
    return Fraction(value)


def item_limits(item: str, water_body: str = "river") -> tuple[Decimal, ...]:
    """The class limits of an item for a river or a lake/reservoir (only TP differs)."""
    if water_body not in WATER_BODIES:
        raise ValueError(f"水体类型“{water_body}”不合法，应为 river（河流）或 lake（湖库）。")
    spec = WATER_ITEMS[item]
    return spec.lake_limits if water_body == "lake" and spec.lake_limits else spec.limits


def effective_value(value: Number, below_detection_limit: bool = False) -> Fraction:
    """The value that counts: half the detection limit for 未检出, else the reading itself.

    A negative reading is an instrument or entry error, not a clean sample: refused, never classed Ⅰ.
    """
    value = exact(value)
    if value < 0:
        raise ValueError("监测值不能为负数，请核实原始数据。")
    return value / 2 if below_detection_limit else value


def water_class(item: str, value: Number, water_body: str = "river", *, below_detection_limit: bool = False) -> int:
    """The GB 3838-2002 class (1–5, 6 = 劣Ⅴ) of one item's value; inclusive bounds, the best of shared limits."""
    spec = WATER_ITEMS[item]
    limits = item_limits(item, water_body)
    c = effective_value(value, below_detection_limit)
    if spec.kind == RANGE:
        return 1 if limits[0] <= c <= limits[1] else WORSE_THAN_V
    for klass, limit in enumerate(limits, start=1):
        if (c >= limit) if spec.kind == LOWER else (c <= limit):
            return klass
    return WORSE_THAN_V


def exceed_multiple(item: str, value: Number, water_body: str = "river", *,
                    below_detection_limit: bool = False) -> Fraction | None:
    """超标倍数 (C − Ⅲ limit) / Ⅲ limit of an item above its Ⅲ limit; None within it and for pH and DO."""
    spec = WATER_ITEMS[item]
    if spec.kind != UPPER:
        return None
    limit = Fraction(item_limits(item, water_body)[2])
    c = effective_value(value, below_detection_limit)
    return (c - limit) / limit if c > limit else None


def period_mean(values: list[tuple[Number, bool]] | list[Number]) -> Fraction:
    """Arithmetic mean of a period's samples (value, below_detection_limit?), 未检出 counted as half the limit."""
    counted = [effective_value(*v) if isinstance(v, tuple) else exact(v) for v in values]
    if not counted:
        raise ValueError("该时段没有监测数据。")
    return sum(counted, Fraction(0)) / len(counted)


@dataclass(frozen=True)
class SectionAssessment:
    """A section's single-factor class, its grade, each item's class and (worse than Ⅲ) its main pollutants."""

    klass: int | None
    item_classes: dict[str, int]
    main_pollutants: tuple[tuple[str, int, Fraction | None], ...] = ()
    tn_class: int | None = None

    @property
    def label(self) -> str:
        return CLASS_LABELS.get(self.klass, "未评价")

    @property
    def grade(self) -> str:
        return CLASS_GRADES.get(self.klass, "")


def section_class(readings: Mapping[str, Number | tuple[Number, bool] | None],
                  water_body: str = "river") -> SectionAssessment:
    """Single-factor assessment: the worst class over the assessed items present (None when none is present)."""
    classes: dict[str, int] = {}
    multiples: dict[str, Fraction | None] = {}
    tn_class = None
    for item, reading in readings.items():
        if reading is None or item not in WATER_ITEMS:
            continue
        value, below = reading if isinstance(reading, tuple) else (reading, False)
        if item == "tn":
            if water_body == "lake":
                tn_class = water_class(item, value, water_body, below_detection_limit=below)
            continue
        if not WATER_ITEMS[item].assessed:
            continue
        classes[item] = water_class(item, value, water_body, below_detection_limit=below)
        multiples[item] = exceed_multiple(item, value, water_body, below_detection_limit=below)
    if not classes:
        return SectionAssessment(None, {}, (), tn_class)
    klass = max(classes.values())
    main: tuple[tuple[str, int, Fraction | None], ...] = ()
    if klass > 3:
        worse = [item for item, c in classes.items() if c > 3]
        # Worst class first, then the larger 超标倍数 (pH and DO have none and come after those that have one).
        worse.sort(key=lambda i: (-classes[i], multiples[i] is None, -(multiples[i] or 0), i))
        main = tuple((i, classes[i], multiples[i]) for i in worse[:3])
    return SectionAssessment(klass, classes, main, tn_class)


# ---------------------------------------------------------------------------------------------------------------
# HJ 633-2012 / HJ 633-2026
# ---------------------------------------------------------------------------------------------------------------

HJ633_2026_FROM = dt.date(2026, 3, 1)
VERSIONS = (2012, 2026)
POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm25")
POLLUTANT_LABELS = {"so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3", "pm10": "PM10", "pm25": "PM2.5"}
AVERAGING_LABELS = {"1h": "1小时", "8h": "8小时", "24h": "24小时"}
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)
_BREAKPOINTS: dict[tuple[str, str], tuple[int | str, ...]] = {
    ("so2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    ("so2", "1h"): (0, 150, 500, 650, 800),
    ("no2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    ("no2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    ("co", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    ("co", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    ("o3", "8h"): (0, 100, 160, 215, 265, 800),
    ("o3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
}
_PM_BREAKPOINTS = {
    ("pm10", 2012): (0, 50, 150, 250, 350, 420, 500, 600),
    ("pm10", 2026): (0, 50, 120, 250, 350, 420, 500, 600),
    ("pm25", 2012): (0, 35, 75, 115, 150, 250, 350, 500),
    ("pm25", 2026): (0, 35, 60, 115, 150, 250, 350, 500),
}
# (upper AQI bound, level, category, colour)
AQI_LEVELS = (
    (50, "一级", "优", "#00E400"),
    (100, "二级", "良", "#FFFF00"),
    (150, "三级", "轻度污染", "#FF7E00"),
    (200, "四级", "中度污染", "#FF0000"),
    (300, "五级", "重度污染", "#99004C"),
    (None, "六级", "严重污染", "#7E0023"),
)


def version_for(day: dt.date | dt.datetime) -> int:
    """The HJ 633 version in force on a day: 2026 from 2026-03-01, 2012 before."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return 2026 if day >= HJ633_2026_FROM else 2012


def _check_version(version: int) -> int:
    if version not in VERSIONS:
        raise ValueError(f"HJ 633 版本“{version}”不存在，应为 2012 或 2026。")
    return version


def breakpoints(pollutant: str, averaging: str, version: int) -> tuple[tuple[Fraction, int], ...]:
    """(concentration, IAQI) breakpoints of a pollutant and averaging period under a version; () when it has none."""
    _check_version(version)
    if pollutant in ("pm10", "pm25"):
        # No 1h PM breakpoints: 2026 real-time reports look 1h PM up in the 24h table; 2012 has no 1h PM IAQI.
        if averaging == "24h" or (averaging == "1h" and version == 2026):
            concentrations = _PM_BREAKPOINTS[(pollutant, version)]
        else:
            return ()
    else:
        concentrations = _BREAKPOINTS.get((pollutant, averaging), ())
    return tuple((Fraction(c), i) for c, i in zip(concentrations, IAQI_STEPS, strict=False))


def round_half_even(value: Number, places: int = 0) -> Decimal:
    """GB/T 8170 rounding (四舍六入五成双) of an exact value to a number of decimal places."""
    fraction = exact(value)
    scaled = fraction * 10**places
    floor = math.floor(scaled)
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return (Decimal(floor) / Decimal(10**places)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def concentration_places(pollutant: str) -> int:
    """Decimal places a 2026 concentration is rounded to: one for CO (mg/m³), none for the rest (µg/m³)."""
    return 1 if pollutant == "co" else 0


def iaqi(pollutant: str, averaging: str, value: Number | None, version: int) -> int | None:
    """The IAQI of one concentration (rounded up), or None where the standard computes none from it."""
    _check_version(version)
    if value is None:
        return None
    c = exact(value)
    if c < 0:
        raise ValueError("浓度不能为负数。")
    if version == 2026:
        c = Fraction(round_half_even(c, concentration_places(pollutant)))
    points = breakpoints(pollutant, averaging, version)
    if not points:
        return None
    top_c, top_i = points[-1]
    if c > top_c:
        if (pollutant, averaging) == ("so2", "1h"):
            return 200 if version == 2026 else None  # 2012: use the 24h value instead
        if (pollutant, averaging) == ("o3", "8h"):
            return 300 if version == 2026 else None  # 2012: use the 1h value instead
        return 500
    for (lo_c, lo_i), (hi_c, hi_i) in zip(points, points[1:], strict=False):
        if c <= hi_c:
            return math.ceil(Fraction(hi_i - lo_i) / (hi_c - lo_c) * (c - lo_c) + lo_i)
    raise AssertionError("unreachable")  # pragma: no cover


def aqi_level(value: int | None) -> tuple[str, str, str] | None:
    """(level, category, colour) of an AQI value."""
    if value is None:
        return None
    for upper, level, category, colour in AQI_LEVELS:
        if upper is None or value <= upper:
            return level, category, colour
    raise AssertionError("unreachable")  # pragma: no cover


def split_key(key: str) -> tuple[str, str]:
    """'pm25_24h' -> ('pm25', '24h')."""
    pollutant, _, averaging = key.rpartition("_")
    if pollutant not in POLLUTANTS or averaging not in AVERAGING_LABELS:
        raise ValueError(f"污染物指标“{key}”不合法。")
    return pollutant, averaging


@dataclass(frozen=True)
class AqiResult:
    """An AQI computation: the published AQI (None = NA), each IAQI, primary and exceeding pollutants, level."""

    version: int
    aqi: int | None
    computed: int | None
    iaqi: dict[str, int | None] = field(default_factory=dict)
    primary: tuple[str, ...] = ()
    exceeding: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def level(self) -> tuple[str, str, str] | None:
        return aqi_level(self.aqi)


def aqi(concentrations: Mapping[str, Number | None], version_or_day: int | dt.date) -> AqiResult:
    """AQI = max IAQI over the given concentrations (keys like 'pm25_24h'), by HJ 633-2012 or -2026."""
    version = version_or_day if isinstance(version_or_day, int) else version_for(version_or_day)
    _check_version(version)
    indices = {key: iaqi(*split_key(key), value, version) for key, value in concentrations.items()}
    pollutants = {split_key(key)[0] for key in concentrations}
    present = {split_key(key)[0] for key, value in concentrations.items() if value is not None}
    missing = tuple(p for p in POLLUTANTS if p in pollutants and p not in present)
    known = [v for v in indices.values() if v is not None]
    computed = max(known) if known else None
    published = computed
    # 2026: with a pollutant missing the AQI is computed from the rest but published only when it exceeds 100.
    if version == 2026 and missing and computed is not None and computed <= 100:
        published = None
    primary: tuple[str, ...] = ()
    exceeding: tuple[str, ...] = ()
    if published is not None and published > 50:
        primary = tuple(sorted(k for k, v in indices.items() if v == computed))
    if version == 2012 and published is not None:
        exceeding = tuple(sorted(k for k, v in indices.items() if v is not None and v > 100))
    return AqiResult(version, published, computed, indices, primary, exceeding, missing)


# Which items each report takes, by version. Keys name the averaging period the IAQI is looked up with.
#
# HJ 633-2012 §5 (日报和实时报的发布): the daily report takes SO2, NO2, CO, PM10 and PM2.5 24-hour means and the
# O3 daily maximum 1-hour and maximum 8-hour moving mean (7 items); the real-time report takes the six 1-hour means,
# the O3 8-hour moving mean and the PM2.5/PM10 24-hour moving means ("共计9个指标"). Table 1 has no 1-hour PM
# breakpoints, so the PM sub-index of a real-time report is the 24-hour moving mean's, looked up in the 24-hour
# table: how the national real-time platform (中国环境监测总站, 全国城市空气质量实时发布平台) and the local
# bureaus publish it, with the 24-hour moving mean as HJ 663-2013 defines it (the 24 hours ending at that hour, at
# least 20 hourly values). A 1-hour PM value alone gives no 2012 IAQI.
#
# HJ 633-2026, the clause on the daily and real-time reports (its text as summarised in shared/docs/standards.md
# and issue 10): the daily report takes the five 24-hour means and the O3 daily maximum 8-hour moving mean only
# (the 1-hour O3 maximum no longer enters the daily AQI); the real-time report takes the six 1-hour means, 1-hour
# PM looked up in the 24-hour table ("2026 real-time reports look 1h PM up in the 24h table"), and no 8-hour O3.
REPORT_KEYS: dict[tuple[str, int], tuple[str, ...]] = {
    ("daily", 2012): ("so2_24h", "no2_24h", "co_24h", "o3_1h", "o3_8h", "pm10_24h", "pm25_24h"),
    ("daily", 2026): ("so2_24h", "no2_24h", "co_24h", "o3_8h", "pm10_24h", "pm25_24h"),
    ("hourly", 2012): ("so2_1h", "no2_1h", "co_1h", "o3_1h", "o3_8h", "pm10_24h", "pm25_24h"),
    ("hourly", 2026): ("so2_1h", "no2_1h", "co_1h", "o3_1h", "pm10_1h", "pm25_1h"),
}
REPORTS = ("daily", "hourly")


def report_keys(report: str, version: int) -> tuple[str, ...]:
    """The concentration keys a daily or real-time (hourly) report takes under a version."""
    if report not in REPORTS:
        raise ValueError(f"报告类型“{report}”不合法，应为 daily（日报）或 hourly（实时报）。")
    return REPORT_KEYS[(report, _check_version(version))]


def report_aqi(report: str, concentrations: Mapping[str, Number | None],
               version_or_day: int | dt.date) -> AqiResult:
    """The AQI of a daily or real-time report: only the items the version's report takes count.

    `concentrations` may carry more keys (a row of every column); those the report does not take are ignored, and
    those it takes but that are absent count as missing.
    """
    version = version_or_day if isinstance(version_or_day, int) else version_for(version_or_day)
    return aqi({key: concentrations.get(key) for key in report_keys(report, version)}, version)


# ---------------------------------------------------------------------------------------------------------------
# Portable SQL (SQLGlot expressions). Only CASE, comparisons, + − × on BIGINT, exact FLOOR/CEIL of a quotient and
# decimal literals: the same text means the same thing on DuckDB, Spark and PostgreSQL.
# ---------------------------------------------------------------------------------------------------------------

MICRO = 10**6  # data-set decimals are DECIMAL(18,6): a reading times 10^6 is an exact integer


def _num(value: int | Fraction | Decimal) -> exp.Expression:
    if isinstance(value, Fraction):
        if value.denominator != 1:
            value = Decimal(value.numerator) / Decimal(value.denominator)
        else:
            value = value.numerator
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    literal = exp.Literal.number(text.lstrip("-"))
    return exp.Neg(this=literal) if text.startswith("-") else literal


def _int(value: int) -> exp.Expression:
    return exp.Literal.number(str(value))


def _case(branches: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression) -> exp.Expression:
    case = exp.Case()
    for condition, result in branches:
        case = case.when(condition, result)
    return case.else_(default)


def _paren(expression: exp.Expression) -> exp.Expression:
    return exp.Paren(this=expression)


def _double(value: exp.Expression) -> exp.Expression:
    return exp.cast(_paren(value), exp.DataType.build("DOUBLE"))


def _bigint(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("BIGINT"))


def _floor_div(numerator: exp.Expression, denominator: int) -> exp.Expression:
    """floor(a / b) of a non-negative BIGINT a (< 2^53) and a constant b (≤ 10^10), exactly.

    No integer-division operator is spelt the same on the three engines (DuckDB //, Spark DIV, PostgreSQL DIV()),
    and the engine's expression whitelist admits functions, not that operator. Double division is exact enough:
    IEEE division is correctly rounded, so an integer quotient comes out exactly, and a non-integer one lies at
    least 1/b (≥ 10^-10, relative ≥ 10^-14 for quotients below 10^4) from any integer, far beyond the 10^-16 error.
    """
    quotient = exp.Div(this=_double(numerator), expression=_double(_int(denominator)))
    return _bigint(exp.Floor(this=quotient))


def _ceil_div(numerator: exp.Expression, denominator: int) -> exp.Expression:
    """ceil(a / b) under the same conditions as _floor_div."""
    quotient = exp.Div(this=_double(numerator), expression=_double(_int(denominator)))
    return _bigint(exp.Ceil(this=quotient))


def scaled_integer(value: exp.Expression, scale: int) -> exp.Expression:
    """CAST(ROUND(value × scale) AS BIGINT): exact for DECIMAL(18,6) columns when scale ≤ 10^6."""
    product = exp.Mul(this=_paren(value), expression=_int(scale))
    return exp.cast(exp.Round(this=product, decimals=_int(0)), exp.DataType.build("BIGINT"))


def _flag(below_detection_limit: exp.Expression | None) -> exp.Expression | None:
    if below_detection_limit is None:
        return None
    return exp.func("COALESCE", below_detection_limit, exp.false())


def gb3838_class_sql(item: str, value: exp.Expression, water_body: exp.Expression | str = "river",
                     below_detection_limit: exp.Expression | None = None) -> exp.Expression:
    """SQL for water_class(): an integer 1–6 (6 = 劣Ⅴ), NULL for a NULL value.

    未检出 counts as half the detection limit; rather than halving (a division DuckDB would do in floating point),
    a detected value is doubled and compared with twice the limits.
    """
    spec = WATER_ITEMS[item]
    flag = _flag(below_detection_limit)
    if flag is None:
        doubled, factor = value, 1
    else:
        doubled = _case([(flag, value)], exp.Mul(this=_paren(value), expression=_int(2)))
        factor = 2

    # NULL and negative readings get no class (a negative one is refused, as in water_class()).
    unclassed = exp.or_(exp.Is(this=value.copy(), expression=exp.null()),
                        exp.LT(this=value.copy(), expression=_int(0)))

    def by_limits(limits: tuple[Decimal, ...]) -> exp.Expression:
        if spec.kind == RANGE:
            inside = exp.Between(this=doubled, low=_num(limits[0] * factor), high=_num(limits[1] * factor))
            return _case([(unclassed.copy(), exp.null()), (inside, _int(1))], _int(WORSE_THAN_V))
        branches: list[tuple[exp.Expression, exp.Expression]] = [(unclassed.copy(), exp.null())]
        for klass, limit in enumerate(limits, start=1):
            compare = exp.GTE if spec.kind == LOWER else exp.LTE
            branches.append((compare(this=doubled, expression=_num(limit * factor)), _int(klass)))
        return _case(branches, _int(WORSE_THAN_V))

    if spec.lake_limits is None:
        return by_limits(spec.limits)
    if isinstance(water_body, str):
        return by_limits(item_limits(item, water_body))
    is_lake = exp.EQ(this=water_body, expression=exp.Literal.string("lake"))
    return _case([(is_lake, by_limits(spec.lake_limits))], by_limits(spec.limits))


def worst_class_sql(classes: list[exp.Expression]) -> exp.Expression:
    """The worst of several item classes, ignoring NULLs (NULL when all are NULL) — GREATEST's NULL rules differ."""
    greatest = exp.Greatest(this=exp.func("COALESCE", classes[0], _int(0)),
                            expressions=[exp.func("COALESCE", c, _int(0)) for c in classes[1:]])
    return exp.Nullif(this=greatest, expression=_int(0))


def exceed_multiple_sql(item: str, value: exp.Expression, water_body: exp.Expression | str = "river",
                        below_detection_limit: exp.Expression | None = None) -> exp.Expression:
    """超标倍数 (C − Ⅲ limit) / Ⅲ limit as DECIMAL(18,6) for display in evidence.

    NULL within the Ⅲ limit, for pH and DO, and for a NULL or negative reading (refused, as in the Python
    reference). 未检出 counts as half the detection limit: (C/2 − L)/L is computed as (C − 2L)/(2L), no halving.
    Lakes and reservoirs use their own TP limit; `water_body` is the section's column ('river' / 'lake').
    """
    spec = WATER_ITEMS[item]
    if spec.kind != UPPER:
        return exp.null()
    flag = _flag(below_detection_limit)

    def ratio(limit: Decimal) -> exp.Expression:
        over = exp.Div(this=_paren(exp.Sub(this=value.copy(), expression=_num(limit))), expression=_num(limit))
        return _case([(exp.GT(this=value.copy(), expression=_num(limit)),
                       exp.cast(over, exp.DataType.build("DECIMAL(18,6)")))], exp.null())

    def by_limit(limit: Decimal) -> exp.Expression:
        return ratio(limit) if flag is None else _case([(flag.copy(), ratio(limit * 2))], ratio(limit))

    refused: list[tuple[exp.Expression, exp.Expression]] = [(exp.LT(this=value.copy(), expression=_int(0)),
                                                              exp.null())]
    if spec.lake_limits is None or isinstance(water_body, str):
        body = water_body if isinstance(water_body, str) else "river"
        return _case(refused, by_limit(item_limits(item, body)[2]))
    is_lake = exp.EQ(this=water_body, expression=exp.Literal.string("lake"))
    return _case(refused + [(is_lake, by_limit(spec.lake_limits[2]))], by_limit(spec.limits[2]))


def _rounded_units_sql(value: exp.Expression, places: int) -> exp.Expression:
    """GB/T 8170 half-even rounding to `places` decimals, as an integer count of 10^-places units.

    FLOOR of a decimal is exact on every engine; the fraction left over decides: above ½ up, below ½ down, exactly ½
    to the even neighbour.
    """
    scaled = _paren(exp.Mul(this=_paren(value), expression=_int(10**places))) if places else value
    floor = exp.Floor(this=scaled.copy())
    fraction = _paren(exp.Sub(this=scaled.copy(), expression=floor.copy()))
    half = exp.Literal.number("0.5")
    odd = exp.EQ(this=exp.Mod(this=floor.copy(), expression=_int(2)), expression=_int(1))
    bump = _case([(exp.GT(this=fraction.copy(), expression=half.copy()), _int(1)),
                  (exp.and_(exp.EQ(this=fraction, expression=half), odd), _int(1))], _int(0))
    return _bigint(exp.Add(this=floor, expression=bump))


def round_half_even_sql(value: exp.Expression, places: int = 0) -> exp.Expression:
    """SQL for round_half_even() of a non-negative decimal, returned as DECIMAL(18,6)."""
    units = _rounded_units_sql(value, places)
    return exp.cast(exp.Div(this=exp.cast(_paren(units), exp.DataType.build("DECIMAL(18,6)")),
                            expression=_int(10**places)), exp.DataType.build("DECIMAL(18,6)"))


def _at_most_sql(value: exp.Expression, bound: int, version: int, pollutant: str) -> exp.Expression:
    """The concentration (rounded per the version) is at most `bound` units, tested on the reading itself.

    Half-even rounding gives at most H exactly when x < H + ½, or x = H + ½ with H even: a plain comparison with a
    decimal literal, so the rounding itself need not be repeated in every branch.
    """
    if version == 2012:  # `bound` is in micro-units
        return exp.LTE(this=value.copy(), expression=_num(Decimal(bound) / MICRO))
    unit = MICRO // 10 ** concentration_places(pollutant)
    edge = Decimal(bound * unit + unit // 2) / MICRO
    compare = exp.LTE if bound % 2 == 0 else exp.LT
    return compare(this=value.copy(), expression=_num(edge))


def _iaqi_version_sql(pollutant: str, averaging: str, value: exp.Expression, version: int) -> exp.Expression:
    points = breakpoints(pollutant, averaging, version)
    if not points:
        return exp.null()
    if version == 2026:
        scale = 10 ** concentration_places(pollutant)
        c = _rounded_units_sql(value, concentration_places(pollutant))
    else:
        scale = MICRO
        c = scaled_integer(value, MICRO)
    branches: list[tuple[exp.Expression, exp.Expression]] = [
        (exp.Is(this=value, expression=exp.null()), exp.null()),
        (exp.LT(this=value, expression=_int(0)), exp.null()),
    ]
    for (lo_c, lo_i), (hi_c, hi_i) in zip(points, points[1:], strict=False):
        lo, hi = int(lo_c * scale), int(hi_c * scale)
        # ceil(ΔI × (C − BP_lo) / ΔBP) with C and the breakpoints as integers of the same unit.
        delta = exp.Mul(this=_int(hi_i - lo_i), expression=_paren(exp.Sub(this=c.copy(), expression=_int(lo))))
        branches.append((_at_most_sql(value, hi, version, pollutant),
                         exp.Add(this=_int(lo_i), expression=_ceil_div(delta, hi - lo))))
    if (pollutant, averaging) == ("so2", "1h"):
        above = _int(200) if version == 2026 else exp.null()
    elif (pollutant, averaging) == ("o3", "8h"):
        above = _int(300) if version == 2026 else exp.null()
    else:
        above = _int(500)
    return _case(branches, above)


def version_sql(day: exp.Expression) -> exp.Expression:
    """A condition true where HJ 633-2026 applies to a day (date or timestamp column)."""
    start = exp.cast(exp.Literal.string(HJ633_2026_FROM.isoformat()), exp.DataType.build("DATE"))
    return exp.GTE(this=exp.cast(day, exp.DataType.build("DATE")), expression=start)


def hj633_iaqi_sql(pollutant: str, averaging: str, value: exp.Expression,
                   version: int | exp.Expression) -> exp.Expression:
    """SQL for iaqi(): an integer or NULL; `version` is 2012, 2026 or a day expression choosing between them."""
    if isinstance(version, int):
        return _iaqi_version_sql(pollutant, averaging, value, _check_version(version))
    return _case([(version_sql(version), _iaqi_version_sql(pollutant, averaging, value, 2026))],
                 _iaqi_version_sql(pollutant, averaging, value, 2012))


def _aqi_version_sql(concentrations: Mapping[str, exp.Expression], version: int) -> exp.Expression:
    indices = [_iaqi_version_sql(*split_key(key), value, version) for key, value in concentrations.items()]
    # NULLIF(GREATEST(floor, IAQI…), floor): the maximum IAQI, or NULL when it does not exceed `floor`. Floor −1
    # only drops "no IAQI at all"; floor 100 is the 2026 rule for a missing pollutant. GREATEST's own NULL handling
    # differs between engines, hence the COALESCE to −1. One copy of the (large) IAQI expressions only.
    floor: exp.Expression = _int(-1)
    if version == 2026:
        by_pollutant: dict[str, list[exp.Expression]] = {}
        for key, value in concentrations.items():
            by_pollutant.setdefault(split_key(key)[0], []).append(value)
        missing = [exp.and_(*[exp.Is(this=v.copy(), expression=exp.null()) for v in values])
                   for values in by_pollutant.values()]
        floor = _case([(exp.or_(*[_paren(m) for m in missing]), _int(100))], _int(-1))
    greatest = exp.Greatest(this=floor.copy(), expressions=[exp.func("COALESCE", i, _int(-1)) for i in indices])
    return exp.Nullif(this=greatest, expression=floor)


def hj633_report_aqi_sql(report: str, columns: Mapping[str, exp.Expression],
                         version: int | exp.Expression) -> exp.Expression:
    """SQL for report_aqi(): each version takes its own report's items out of `columns` (see REPORT_KEYS)."""
    def of(v: int) -> dict[str, exp.Expression]:
        return {key: columns[key].copy() for key in report_keys(report, v)}

    if isinstance(version, int):
        return _aqi_version_sql(of(version), _check_version(version))
    return _case([(version_sql(version), _aqi_version_sql(of(2026), 2026))], _aqi_version_sql(of(2012), 2012))


def hj633_aqi_sql(concentrations: Mapping[str, exp.Expression], version: int | exp.Expression) -> exp.Expression:
    """SQL for aqi(...).aqi: the published AQI (NULL = NA) over concentration columns keyed like 'pm25_24h'."""
    if not concentrations:
        raise ValueError("至少需要一项污染物浓度。")
    if isinstance(version, int):
        return _aqi_version_sql(concentrations, _check_version(version))
    return _case([(version_sql(version), _aqi_version_sql(concentrations, 2026))],
                 _aqi_version_sql(concentrations, 2012))


# ---------------------------------------------------------------------------------------------------------------
# Functions a model spec may call (registered with the engine). The engine binds a spec's literals as parameters
# before expanding functions, so a builder cannot rely on reading a literal: items and pollutants given as
# arguments are expanded into a CASE over every code (a literal, as in custom SQL, takes the short path).
# ---------------------------------------------------------------------------------------------------------------

# The argument order of hj633_aqi_daily / hj633_aqi_hourly after the date: every column either version's report
# may take (the hourly one: 1-hour values, the O3 8-hour moving mean, then the PM 24-hour moving means).
DAILY_KEYS = ("so2_24h", "no2_24h", "co_24h", "o3_1h", "o3_8h", "pm10_24h", "pm25_24h")
HOURLY_KEYS = ("so2_1h", "no2_1h", "co_1h", "o3_1h", "o3_8h", "pm10_1h", "pm25_1h", "pm10_24h", "pm25_24h")
IAQI_KEYS = tuple(f"{p}_{a}" for (p, a) in _BREAKPOINTS) + ("pm10_24h", "pm25_24h", "pm10_1h", "pm25_1h")


def _static_text(argument: exp.Expression) -> str | None:
    return argument.this if isinstance(argument, exp.Literal) and argument.is_string else None


def _version_argument(argument: exp.Expression) -> int | exp.Expression:
    if isinstance(argument, exp.Literal) and not argument.is_string and int(argument.this) in VERSIONS:
        return int(argument.this)
    return argument


def _gb3838_builder(args: list[exp.Expression]) -> exp.Expression:
    item, value = args[0], args[1]
    water_body = args[2] if len(args) > 2 else "river"
    below = args[3] if len(args) > 3 else None
    static = _static_text(item)
    if static is not None:
        if static not in WATER_ITEMS:
            raise ValueError(f"GB 3838 项目“{static}”不存在。")
        return gb3838_class_sql(static, value, water_body, below)
    branches = [(exp.EQ(this=item.copy(), expression=exp.Literal.string(code)),
                 gb3838_class_sql(code, value.copy(), water_body.copy() if isinstance(water_body, exp.Expression)
                                  else water_body, below.copy() if below is not None else None))
                for code in WATER_ITEMS]
    return _case(branches, exp.null())


def _exceed_multiple_builder(args: list[exp.Expression]) -> exp.Expression:
    item, value = args[0], args[1]
    water_body = args[2] if len(args) > 2 else "river"
    below = args[3] if len(args) > 3 else None

    def build(code: str) -> exp.Expression:
        return exceed_multiple_sql(code, value.copy(), water_body.copy() if isinstance(water_body, exp.Expression)
                                   else water_body, below.copy() if below is not None else None)

    static = _static_text(item)
    if static is not None:
        if static not in WATER_ITEMS:
            raise ValueError(f"GB 3838 项目“{static}”不存在。")
        return build(static)
    return _case([(exp.EQ(this=item.copy(), expression=exp.Literal.string(code)), build(code))
                  for code, spec in WATER_ITEMS.items() if spec.kind == UPPER], exp.null())


def _hj633_iaqi_builder(args: list[exp.Expression]) -> exp.Expression:
    key, value, version = args[0], args[1], _version_argument(args[2])
    static = _static_text(key)
    if static is not None:
        return hj633_iaqi_sql(*split_key(static), value, version)
    branches = [(exp.EQ(this=key.copy(), expression=exp.Literal.string(k)),
                 hj633_iaqi_sql(*split_key(k), value.copy(),
                                version if isinstance(version, int) else version.copy()))
                for k in IAQI_KEYS]
    return _case(branches, exp.null())


def _aqi_builder(report: str, keys: tuple[str, ...]):
    def build(args: list[exp.Expression]) -> exp.Expression:
        return hj633_report_aqi_sql(report, dict(zip(keys, args[1:], strict=True)), _version_argument(args[0]))
    return build


def _register() -> None:
    try:
        from qingshan.datacheck.engine.functions import register_function
    except ImportError:  # pragma: no cover - the engine ships beside the catalogue
        return
    register_function("gb3838_class", _gb3838_builder, min_args=2, max_args=4,
                      description="gb3838_class(项目代码, 浓度[, 水体 river/lake[, 是否未检出]])：GB 3838-2002 水质类别"
                                  "（1–5，6 为劣Ⅴ类；未检出按检出限一半计）")
    register_function("gb3838_exceed_multiple", _exceed_multiple_builder, min_args=2, max_args=4,
                      description="gb3838_exceed_multiple(项目代码, 浓度[, 水体 river/lake[, 是否未检出]])：相对Ⅲ类"
                                  "限值的超标倍数（湖库总磷按湖库限值；未超标、pH、溶解氧、未检出或负值为空）")
    register_function("hj633_iaqi", _hj633_iaqi_builder, min_args=3, max_args=3,
                      description="hj633_iaqi(指标如 pm25_24h, 浓度, 日期或 2012/2026)：空气质量分指数（进位取整）")
    register_function("hj633_aqi_daily", _aqi_builder("daily", DAILY_KEYS), min_args=8, max_args=8,
                      description="hj633_aqi_daily(日期, SO2, NO2, CO, O3_1h最大, O3_8h最大, PM10, PM2.5)：日 AQI，"
                                  "2026-03-01 起按 HJ 633-2026（O3 只计日最大 8 小时滑动平均；缺项且不超过 100 "
                                  "时为空），此前按 HJ 633-2012（O3 计日最大 1 小时与 8 小时）")
    register_function("hj633_aqi_hourly", _aqi_builder("hourly", HOURLY_KEYS), min_args=10, max_args=10,
                      description="hj633_aqi_hourly(时间, SO2, NO2, CO, O3_1h, O3_8h滑动, PM10_1h, PM2.5_1h, "
                                  "PM10_24h滑动, PM2.5_24h滑动)：实时报 AQI。2026-03-01 起按 HJ 633-2026 取六项 "
                                  "1 小时值（PM 1 小时值按 24 小时分级）；此前按 HJ 633-2012，O3 另计 8 小时滑动平均，"
                                  "PM 按 24 小时滑动平均（HJ 663）")
    register_function("round_half_even", lambda a: round_half_even_sql(a[0], 0), min_args=1, max_args=1,
                      description="round_half_even(数值)：GB/T 8170 四舍六入五成双取整")


_register()
