"""Demo part of 提醒督办: one sweep at the end of the history, and a group robot configured but left disabled."""
import datetime as dt
from zoneinfo import ZoneInfo

from .choices import Channel
from .models import OrgChannel
from .sweep import run_sweep


def seed(*, city, rng, end: dt.date, stdout) -> str:
    """Fill the demo inboxes by sweeping at 09:00 on `end`; no real webhook is ever called (the robot is off).

    Like the rest of the generated history this writes data, not actions: the robot row is inserted directly and
    escalation is left to `manage.py sweep --loop`, so the seeded audit chain holds only the people's own actions.
    """
    unit = next(iter(city.city_units.values()))
    OrgChannel.objects.create(organisation=unit, channel=Channel.WECOM, enabled=False,
                              webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo-not-a-real-key")
    stats = run_sweep(now=dt.datetime.combine(end, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai")), escalate=False)
    return f"提醒督办：{stats.summary().splitlines()[0]}（{unit}的企业微信机器人已配置但停用）"
