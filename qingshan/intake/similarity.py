"""Is a new problem the same as an open one? Chinese text is cut into words (jieba), reduced to the words that carry
meaning, and compared (rapidfuzz); the place must agree as well: within INTAKE_DEDUP_DISTANCE_M when both have
coordinates, otherwise similar location text. The score is in [0, 1]; INTAKE_DEDUP_THRESHOLD decides.

The labelled pairs in intake/tests/dedup_pairs.py measure precision and recall at the default threshold (0.4:
the threshold, the synonyms and the generic words were chosen on those same pairs, so a deployment should label a
sample of its own reports and re-measure before it trusts the figure).
"""
import functools
import logging
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from rapidfuzz import fuzz

# Words that say nothing about which problem it is (function words and the complaint's own boilerplate).
STOPWORDS = frozenset("""的 了 在 有 和 与 及 是 被 对 把 将 也 都 就 还 又 很 太 一直 存在 问题
情况 反映 举报 投诉 群众 市民 居民 附近 周边 现场 严重 希望 请求 要求 尽快 处理
相关 部门 进行 没有 一个 这个 那个 我们 他们 每天 经常 长期 多次 发现 造成 影响
导致 出现 目前 已经 非常 不能 无法 能够 以及 或者 因为 所以 但是 该 此 其 等
后 前 时 中""".split())
# Everyday words for the same thing, mapped to one word, so "半夜打桩噪音" meets "夜间施工噪声".
SYNONYMS = {
    "噪声": "噪音", "吵": "噪音", "太吵": "噪音", "声音": "噪音", "半夜": "夜间",
    "晚上": "夜间", "凌晨": "夜间", "深夜": "夜间", "夜里": "夜间", "偷偷": "偷排",
    "直排": "排放", "排到": "排放", "排进": "排放", "排出": "排放", "直接": "",
    "污水": "废水", "洗车水": "废水", "血水": "废水", "粪水": "粪污", "粪便": "粪污",
    "养猪场": "养殖场", "猪场": "养殖场", "饭店": "餐饮", "餐馆": "餐饮", "灰尘": "粉尘",
    "扬尘": "粉尘", "灰": "粉尘", "烧": "焚烧", "燃烧": "焚烧", "冒烟": "烟",
    "浓烟": "烟", "黑烟": "烟", "黄烟": "烟", "恶臭": "臭", "臭气": "臭",
    "发臭": "臭", "臭气熏天": "臭", "清运": "清理", "清理": "清理", "无人": "没人",
    "采砂": "开采", "挖砂": "开采", "医疗垃圾": "医疗废物", "医废": "医疗废物", "篷布": "覆盖",
    "盖": "覆盖", "撒土": "抛洒", "洒落": "抛洒", "收废品": "废品收购", "工业园": "园区",
    "工业园区": "园区",
}
# Words almost every report of its category contains: sharing them says nothing about being the same problem.
GENERIC = frozenset({"排放", "废水", "废气", "噪音", "粉尘", "垃圾", "污染", "烟", "臭", "园区"})
WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@functools.cache
def _tokenizer():
    import jieba  # loaded on first use only: its dictionary takes a few seconds the first time

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def keywords(text: str) -> list[str]:
    """The meaningful words of `text`, in order: no punctuation, no stop words, no lone function characters."""
    words = []
    for word in _tokenizer().lcut(text or ""):
        word = word.strip()
        word = SYNONYMS.get(word, word)
        if not word or not WORD.search(word) or word in STOPWORDS:
            continue
        if len(word) == 1 and not word.isdigit():
            continue
        words.append(word)
    return words


def text_similarity(a: str, b: str, *, places: str = "") -> float:
    """How alike two texts are in the words that matter, 0–1 (word order and repetition ignored). Words of the
    `places` text are left out: the place is compared on its own, and a shared street name says nothing of what
    happened there."""
    drop = GENERIC | (set(keywords(places)) if places else set())
    ka, kb = set(keywords(a)) - drop, set(keywords(b)) - drop
    if not ka or not kb:
        return 0.0
    return fuzz.token_set_ratio(" ".join(sorted(ka)), " ".join(sorted(kb))) / 100


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance in metres (haversine), enough for "the same place" at city scale."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Report:
    """What the comparison reads of a problem."""

    text: str
    category: str = ""
    location: str = ""
    lat: Decimal | float | None = None
    lng: Decimal | float | None = None


@dataclass(frozen=True)
class Match:
    score: float
    text: float
    distance: float | None
    same_place: bool


def compare(new: Report, old: Report) -> Match:
    """The duplicate score of two reports: text similarity when the category and the place agree, else nothing
    (a similar complaint elsewhere, or of another kind, is another problem)."""
    if new.category != old.category:
        return Match(score=0.0, text=0.0, distance=None, same_place=False)
    text = text_similarity(new.text, old.text, places=f"{new.location} {old.location}")
    distance = None
    if None not in (new.lat, new.lng, old.lat, old.lng):
        distance = distance_m(new.lat, new.lng, old.lat, old.lng)
        same_place = distance <= settings.INTAKE_DEDUP_DISTANCE_M
    elif new.location and old.location:
        same_place = text_similarity(new.location, old.location) >= 0.6 or new.location in old.location \
            or old.location in new.location
    else:
        same_place = False
    return Match(score=text if same_place else 0.0, text=text, distance=distance, same_place=same_place)


def is_duplicate(new: Report, old: Report) -> bool:
    return compare(new, old).score >= settings.INTAKE_DEDUP_THRESHOLD
