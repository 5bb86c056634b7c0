"""Read the State Council's yearly holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知) into days.

The notice has one numbered item per festival, each in the same wording since 2008:
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
A range "M月D日至[M月]D日放假" (or a single "M月D日放假"), then the make-up working days "M月D日、M月D日上班". The
parentheses (weekday, lunar date) are dropped before reading. Anything not in that shape is refused with a message
naming the item, so the administrator corrects the text rather than saving a guess.
"""
import datetime as dt
import re
from dataclasses import dataclass, field

TITLE = re.compile(r"关于\s*(\d{4})\s*年部分节假日安排的通知")
ITEM = re.compile(r"[一二三四五六七八九十]+、\s*([^：:\n]{1,20})[：:]")
# A date: optional year, optional month (else the previous date's), day.
DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日"
OFF = re.compile(DATE + r"(?:至" + DATE + r")?[^。；;]*?放假")
ON = re.compile(r"((?:" + DATE + r"[、，,和及\s]*)+)上班")
ONE_DATE = re.compile(DATE)


class NoticeError(ValueError):
    """The text is not a holiday notice this reader understands; the message says where, in Chinese."""


@dataclass
class Festival:
    """One item of the notice: its name, the days off and the make-up working days."""

    name: str
    days_off: list[dt.date] = field(default_factory=list)
    makeup_days: list[dt.date] = field(default_factory=list)


@dataclass
class Arrangement:
    """A year's arrangement as read from the notice, for review before it is saved."""

    year: int
    source: str
    festivals: list[Festival]

    def holidays(self) -> list[tuple[dt.date, str]]:
        """Weekdays off: the days that differ from the Monday–Friday rule (weekend days off need no entry)."""
        return sorted((d, f.name) for f in self.festivals for d in f.days_off if d.weekday() < 5)

    def makeup_workdays(self) -> list[tuple[dt.date, str]]:
        """Weekend days worked (调休上班)."""
        return sorted((d, f"{f.name}调休") for f in self.festivals for d in f.makeup_days if d.weekday() >= 5)


class _Dates:
    """Turns successive date matches into dates, a missing year or month carried over from the one before."""

    def __init__(self, year: int, item: str):
        self.year, self.month, self.item = year, None, item

    def __call__(self, year: str | None, month: str | None, day: str) -> dt.date:
        if year:
            self.year = int(year)
        if month:
            self.month = int(month)
        if self.month is None:
            raise NoticeError(f"“{self.item}”中的日期“{day}日”缺少月份。")
        try:
            return dt.date(self.year, self.month, int(day))
        except ValueError:
            raise NoticeError(f"“{self.item}”中的日期 {self.year}年{self.month}月{day}日 不存在。") from None


def _festival(year: int, name: str, body: str) -> Festival:
    text = re.sub(r"[（(][^）)]*[）)]", "", body).replace(" ", "")
    festival = Festival(name.strip())
    dates = _Dates(year, festival.name)
    off = OFF.search(text)
    if off is None:
        raise NoticeError(f"“{festival.name}”一项中未找到放假日期（应如“10月1日至7日放假”）。")
    first = dates(*off.groups()[:3])
    last = dates(*off.groups()[3:]) if off.group(6) else first
    if not first <= last <= first + dt.timedelta(days=15):
        raise NoticeError(f"“{festival.name}”的放假起止日期不合理：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}。")
    festival.days_off = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    for on in ON.finditer(text[off.end():]):
        festival.makeup_days += [dates(*m.groups()) for m in ONE_DATE.finditer(on.group(1))]
    return festival


def parse_notice(text: str, year: int | None = None) -> Arrangement:
    """The arrangement the notice's text gives; the year from its title unless given."""
    text = text.replace("\r", "")
    title = TITLE.search(text)
    if year is None:
        if title is None:
            raise NoticeError("未找到通知标题中的年份（应如“国务院办公厅关于2026年部分节假日安排的通知”），"
                              "请一并粘贴标题。")
        year = int(title.group(1))
    items = list(ITEM.finditer(text))
    if not items:
        raise NoticeError("未找到“一、元旦：……”形式的节日条目，请粘贴通知正文。")
    festivals = []
    for item, following in zip(items, items[1:] + [None], strict=True):
        body = text[item.end():following.start() if following else len(text)]
        festivals.append(_festival(year, item.group(1), body))
    seen: dict[dt.date, str] = {}
    for f in festivals:
        for d in f.days_off + f.makeup_days:
            if d in seen:
                raise NoticeError(f"{d:%Y年%m月%d日}在“{seen[d]}”和“{f.name}”中重复出现。")
            seen[d] = f.name
    # 元旦 may start on the last days of December before (2023: 2022年12月31日至2023年1月2日).
    if any(d.year != year and (d.year, d.month) != (year - 1, 12) for f in festivals for d in f.days_off):
        raise NoticeError(f"放假日期不在{year}年内，请核对通知年份。")
    source = f"国务院办公厅关于{year}年部分节假日安排的通知"
    return Arrangement(year, source, festivals)
