"""manage.py seed_demo: build the demo city 青山市 and two years of problem history, deterministically from a seed."""
import datetime as dt
import importlib
import random
import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from qingshan.demo.calendar2027 import ensure_calendar_2027
from qingshan.demo.city import ADMIN_LOGIN, DEMO_LOGINS, DEMO_PASSWORD, build_city
from qingshan.demo.history import DEFAULT_END, HistoryGenerator, default_start
from qingshan.demo.parts import seed_parts
from qingshan.orgs.models import Organisation, User
from qingshan.problems.audience import rebuild as rebuild_audience
from qingshan.problems.choices import State
from qingshan.workdays.calendar import covered_years, reset_cache


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期“{value}”格式不正确，应为 YYYY-MM-DD。") from exc


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_rows() -> list[tuple[str, str, str, str]]:
    """(角色, 用户名, 姓名, 单位) for every demo login present in the database, in the documented order."""
    wanted = [(label, username) for label, username, _role in DEMO_LOGINS] + [ADMIN_LOGIN]
    users = {u.username: u for u in User.objects.filter(username__in=[u for _l, u in wanted])
             .prefetch_related("memberships__organisation")}
    rows = []
    for label, username in wanted:
        user = users.get(username)
        if user is None:
            continue
        membership = next(iter(user.memberships.all()), None)
        org = str(membership.organisation) if membership else "（管理后台）"
        rows.append((label, username, user.full_name, org))
    return rows


class Command(BaseCommand):
    help = "生成青山市演示数据：组织机构、人员、演示账号和两年的问题办理历史（同一随机种子生成相同数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--problems", type=int, default=20_000, help="问题数量（默认 20000）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有组织机构时不生成，只列出演示账号")
        parser.add_argument("--start", type=_date, help="最早受理日期（默认结束日期前两年）")
        parser.add_argument("--end", type=_date, help=f"最晚受理日期，也是演示数据的“今天”（默认 {DEFAULT_END}）")

    def handle(self, *args, problems: int, seed: int, if_empty: bool, start, end, **options):
        if problems < 0:
            raise CommandError("问题数量不能为负数。")
        end = end or DEFAULT_END
        start = start or default_start(end)
        if start > end:
            raise CommandError(f"开始日期 {start} 晚于结束日期 {end}。")
        if Organisation.objects.exists():
            if if_empty:
                self.stdout.write("数据库中已有组织机构数据，跳过演示数据生成。")
                self._print_logins()
                return
            raise CommandError("数据库中已有组织机构数据。如需重新生成，请先执行 manage.py flush 并删除审计锚点文件"
                               f" {settings.AUDIT_ANCHOR_PATH}（否则 verify_audit 会报告日志被清空），"
                               "或加 --if-empty 跳过生成。")

        began = time.monotonic()
        try:
            with transaction.atomic():
                if ensure_calendar_2027():
                    self.stdout.write("已录入 2027 年暂定节假日安排（演示用，待国务院办公厅通知发布后核对）。")
                missing = [y for y in range(start.year, end.year + 2) if y not in covered_years()]
                if missing:
                    years = "、".join(str(y) for y in missing)
                    raise CommandError(f"{years}年的节假日安排尚未录入，无法计算期限。请缩短日期范围或先录入工作日历。")
                city = build_city(random.Random(f"qingshan-city-{seed}"))
                self.stdout.write(f"已创建组织机构 {Organisation.objects.count()} 个、人员 {User.objects.count()} 名"
                                  f"（{time.monotonic() - began:.1f} 秒）。")
                self.stdout.write(f"正在生成 {problems} 个问题（{start} 至 {end}，随机种子 {seed}）……")

                def progress(done: int, total: int) -> None:
                    elapsed = time.monotonic() - began
                    self.stdout.write(f"  已生成 {done}/{total} 个问题（用时 {elapsed:.1f} 秒）")

                stats = HistoryGenerator(city, rng=random.Random(f"qingshan-history-{seed}"), count=problems,
                                         start=start, end=end, progress=progress).run()
                rebuild_audience()  # the history is written in bulk, past the services that keep it
                _transfers_of_history_shares()
                for summary in seed_parts(city=city, seed=seed, end=end, stdout=self.stdout):
                    self.stdout.write(summary)
        except BaseException:
            reset_cache()  # the rolled-back calendar rows must not stay in the cache
            raise
        elapsed = time.monotonic() - began
        states = "，".join(f"{State(s).label} {n}" for s, n in sorted(stats.states.items(), key=lambda x: -x[1]))
        self.stdout.write(self.style.SUCCESS(
            f"完成：问题 {stats.problems} 个，审计事件 {stats.events} 条，"
            f"截至 {end} 超期未办结 {stats.overdue_open} 个；"
            f"用时 {elapsed:.1f} 秒（{stats.problems / max(elapsed, 1e-9):.0f} 个问题/秒）。"))
        self.stdout.write(f"状态分布：{states}")
        self.stdout.write(f"其中写入审计事件用时 {stats.seconds_events:.1f} 秒，"
                          f"写入问题及相关记录用时 {stats.seconds_rows:.1f} 秒。")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = [("角色", "用户名", "姓名", "单位"), *login_rows()]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(cell, widths[c]) for c, cell in enumerate(row)).rstrip())
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _transfers_of_history_shares() -> None:
    """The history writes its 移送协作单位 as bare shares, in bulk; each gets its PartnerTransfer (receipt, feedback
    deadline, the partner's replies as its result) by the rule an upgraded database's shares got theirs, collaboration
    0004's, so the demo's transfer lists, receipts and chasing hold the history's transfers too."""
    from django.apps import apps

    backfill = importlib.import_module("qingshan.collaboration.migrations.0004_backfill_share_transfers")
    backfill.backfill_share_transfers(apps, None)
